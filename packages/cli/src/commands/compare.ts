// `routebench compare A B [C…]`: side-by-side percentiles with deltas against the first run. A folder that is not
// itself a run (an agg-vs-pd or sweep folder) stands for the run folders inside it.
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { compareRuns, compareToCsv, compareToWideCsv, formatCompareTable } from '@routebench/core';
import { UsageError } from '../exit-codes.ts';
import { expandRunArgs } from './find-runs.ts';
import { loadSummary, uniqueNames } from './load-run.ts';

export function compareCommand(): Command {
  return new Command('compare')
    .description(
      'compare runs: TTFT/ITL/TPOT/E2E percentiles overall, per pod, per model and per tag (e.g. short/long prompts), prefill pods (server side), ' +
        'throughput, errors and each run’s verdicts, with deltas against the first run',
    )
    .argument('<runs...>', 'run folders (the first is the baseline), or a folder holding run folders (agg-vs-pd, sweep)')
    .option('--csv <file>', 'also write the comparison as CSV (long: one line per row and run; columns: see README)')
    .option('--wide', 'write the --csv file wide: one line per metric × dimension × stat, one column per run')
    .action((args: string[], flags: { csv?: string; wide?: boolean }) => {
      if (flags.wide && !flags.csv) throw new UsageError('--wide shapes the --csv file: give --csv <file> too');
      // Control runs found inside a folder are compared too, after the runs themselves (never as the baseline).
      const found = expandRunArgs(args);
      const ordered = [...found.filter((f) => !f.control), ...found.filter((f) => f.control)];
      if (ordered.length < 2) throw new UsageError(`compare needs at least two runs (found ${ordered.length} in ${args.join(' ')})`);
      const runs = uniqueNames(ordered.map((f) => ({ name: f.name, summary: loadSummary(f.path).summary })));
      const rows = compareRuns(runs);
      process.stdout.write(`${formatCompareTable(rows, { color: process.stdout.isTTY === true })}\n`);
      if (flags.csv) {
        writeFileSync(flags.csv, flags.wide ? compareToWideCsv(rows) : compareToCsv(rows));
        process.stdout.write(`csv: ${flags.csv}\n`);
      }
    });
}
