// `routebench compare A B [C…]`: side-by-side percentiles with deltas against the first run.
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { compareRuns, compareToCsv, formatCompareTable } from '@routebench/core';
import { UsageError } from '../exit-codes.ts';
import { loadSummary, uniqueNames } from './load-run.ts';

export function compareCommand(): Command {
  return new Command('compare')
    .description('compare runs: TTFT/ITL/TPOT/E2E percentiles overall, per pod and per model, throughput and errors, with deltas against the first run')
    .argument('<runs...>', 'two or more run folders (the first is the baseline)')
    .option('--csv <file>', 'also write the comparison as CSV (columns: see README)')
    .action((runs: string[], flags: { csv?: string }) => {
      if (runs.length < 2) throw new UsageError('compare needs at least two run folders');
      const rows = compareRuns(uniqueNames(runs.map(loadSummary)));
      process.stdout.write(`${formatCompareTable(rows, { color: process.stdout.isTTY === true })}\n`);
      if (flags.csv) {
        writeFileSync(flags.csv, compareToCsv(rows));
        process.stdout.write(`csv: ${flags.csv}\n`);
      }
    });
}
