// `--format llmd-report`: llm-d-benchmark's Benchmark Report v0.2.1, so results plug into that project's analysis
// tools and llm-d-prism.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { LLMD_REPORT_VERSION, llmdReportText, summaryToLlmdReports } from '@routebench/core';
import type { Summary } from '@routebench/core';
import { loadSummary } from './load-run.ts';

export const EXPORT_FORMATS = ['llmd-report'] as const;

/**
 * The scenario's description from the run folder's scenario.json, for run.description (llm-d-prism's run label);
 * undefined when the folder has none or it is empty (the exporter then uses `<model> [<scenario> <start>]`).
 */
function scenarioDescription(dir: string): string | undefined {
  const file = join(dir, 'scenario.json');
  if (!existsSync(file)) return undefined;
  try {
    const d = (JSON.parse(readFileSync(file, 'utf8')) as { description?: unknown }).description;
    return typeof d === 'string' && d.trim() !== '' ? d : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes benchmark_report_v0.2.1.yaml and .json next to summary.json (for a `stages` load, one pair per stage:
 * benchmark_report_v0.2.1_stage_<n>.*); returns the paths. The names match upstream's `benchmark_report_v0.2*`
 * globs (llm-d-benchmark docs/analysis/aggregate_runs.py, analysis/cross_treatment.py).
 */
export function exportLlmdReport(dir: string, summary: Summary): string[] {
  const description = scenarioDescription(dir);
  const reports = summaryToLlmdReports(summary, description !== undefined ? { description } : {});
  const files: string[] = [];
  for (const report of reports) {
    const stage = report.scenario?.load?.standardized.stage ?? 0;
    const base = join(dir, `benchmark_report_v${LLMD_REPORT_VERSION}${reports.length > 1 ? `_stage_${stage}` : ''}`);
    writeFileSync(`${base}.yaml`, llmdReportText(report, 'yaml'));
    writeFileSync(`${base}.json`, llmdReportText(report, 'json'));
    files.push(`${base}.yaml`, `${base}.json`);
  }
  return files;
}

export function exportCommand(): Command {
  return new Command('export')
    .description(`convert a run's summary to another tool's format (llm-d-benchmark Benchmark Report v${LLMD_REPORT_VERSION})`)
    .argument('<run>', 'run folder')
    .addOption(new Option('--format <format>', 'target format').choices([...EXPORT_FORMATS]).default('llmd-report'))
    .action((dir: string) => {
      for (const f of exportLlmdReport(dir, loadSummary(dir).summary)) process.stdout.write(`${f}\n`);
    });
}
