// `routebench merge A B… --out DIR`: combine shard or repeated-run summaries exactly (counts add,
// HDR histograms merge), e.g. the shards of a Kubernetes Indexed Job.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { mergeSummaries } from '@routebench/core';
import { writeJsonAtomic } from '@routebench/core';
import { UsageError } from '../exit-codes.ts';
import { loadSummary } from './load-run.ts';

export function mergeCommand(): Command {
  return new Command('merge')
    .description('merge run summaries exactly into one (counts add, histograms merge)')
    .argument('<runs...>', 'run folders or summary.json files')
    .requiredOption('-o, --out <dir>', 'folder for the merged summary.json')
    .option('--force', 'overwrite a summary.json already in that folder')
    .action((runs: string[], flags: { out: string; force?: boolean }) => {
      if (runs.length < 2) throw new UsageError('merge needs at least two runs');
      // --out may well be one of the runs being merged: never replace a run's summary silently.
      if (existsSync(join(flags.out, 'summary.json')) && !flags.force)
        throw new UsageError(`output folder ${flags.out} already holds a summary.json; choose another --out or pass --force`);
      const merged = mergeSummaries(runs.map((r) => loadSummary(r).summary));
      mkdirSync(flags.out, { recursive: true });
      writeJsonAtomic(join(flags.out, 'summary.json'), merged);
      process.stdout.write(`merged ${runs.length} summaries (${merged.counts.sent} requests) into ${join(flags.out, 'summary.json')}\n`);
    });
}
