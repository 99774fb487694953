// `--format llmd-report`: llm-d-benchmark's Benchmark Report v0.2, so results plug into that project's analysis tools.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { formatLlmdReport } from '@routebench/core';
import type { Summary } from '@routebench/core';
import { loadSummary } from './load-run.ts';

export const EXPORT_FORMATS = ['llmd-report'] as const;

/** Writes benchmark_report_v0.2.yaml and .json next to summary.json; returns the paths. */
export function exportLlmdReport(dir: string, summary: Summary): string[] {
  const files = [join(dir, 'benchmark_report_v0.2.yaml'), join(dir, 'benchmark_report_v0.2.json')];
  writeFileSync(files[0]!, formatLlmdReport(summary, 'yaml'));
  writeFileSync(files[1]!, formatLlmdReport(summary, 'json'));
  return files;
}

export function exportCommand(): Command {
  return new Command('export')
    .description("convert a run's summary to another tool's format (llm-d-benchmark Benchmark Report v0.2)")
    .argument('<run>', 'run folder')
    .addOption(new Option('--format <format>', 'target format').choices([...EXPORT_FORMATS]).default('llmd-report'))
    .action((dir: string) => {
      for (const f of exportLlmdReport(dir, loadSummary(dir).summary)) process.stdout.write(`${f}\n`);
    });
}
