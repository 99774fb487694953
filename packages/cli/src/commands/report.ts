// `routebench report <run>...`: the self-contained HTML report of one run, or several overlaid.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { renderHtmlReport } from '@routebench/core';
import type { Summary } from '@routebench/core';
import { loadSummary, uniqueNames } from './load-run.ts';

export function writeHtmlReportFor(dir: string, runs: { name: string; summary: Summary }[], file = join(dir, 'report.html')): string {
  writeFileSync(file, renderHtmlReport({ runs: uniqueNames(runs) }));
  return file;
}

export function reportCommand(): Command {
  return new Command('report')
    .description('write report.html for one run folder, or one report overlaying several runs')
    .argument('<runs...>', 'run folders (or summary.json files)')
    .option('-o, --out <file>', 'output file (default: report.html in the first run folder)')
    .action((runs: string[], flags: { out?: string }) => {
      const loaded = runs.map(loadSummary);
      const file = writeHtmlReportFor(runs[0]!, loaded, flags.out ?? join(runs[0]!, runs.length > 1 ? 'compare-report.html' : 'report.html'));
      process.stdout.write(`${file}\n`);
    });
}
