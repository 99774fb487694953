// `routebench merge A B… --out DIR`: combine shard or repeated-run summaries exactly (counts add,
// HDR histograms merge), e.g. the shards of a Kubernetes Indexed Job.
//
// Shards of one scenario run (each folder has the scenario.json runScenario wrote, and its summary says which
// shard i/N it is) are merged as a scenario run: every run's evidence (main and controls) is merged across the
// shards and the scenario's claims are judged on it (scenarios runner/merge-shards.ts), so the verdict table
// and the exit code are those of a live run: 0 all passed, 1 a claim failed, 3 no measured request succeeded,
// 4 Inconclusive. Other folders (repeated runs, bare `measure` output) merge their summaries only.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { mergeSummaries, renderVerdictTable, writeJsonAtomic } from '@routebench/core';
import { mergeScenarioShards, readRunScenario } from '@routebench/scenarios';
import { EXIT, UsageError } from '../exit-codes.ts';
import { verdictExit } from '../outcome.ts';
import { loadSummary } from './load-run.ts';

/**
 * Scenario run folders of which at least one is a shard: merged as one scenario run (merge-shards.ts then
 * refuses a folder that is not a shard of the same run, rather than dropping the claims silently).
 */
function areScenarioShards(runs: readonly string[]): boolean {
  const folders = runs.every((r) => !r.endsWith('.json') && readRunScenario(r) !== null);
  return folders && runs.some((r) => loadSummary(r).summary.extra.shard !== undefined);
}

export function mergeCommand(): Command {
  return new Command('merge')
    .description('merge run summaries exactly into one (counts add, histograms merge); the shards of a scenario run are judged on the merged evidence')
    .argument('<runs...>', 'run folders or summary.json files')
    .requiredOption('-o, --out <dir>', 'folder for the merged summary.json (and, for scenario shards, verdicts.json / verdicts.md)')
    .option('--force', 'overwrite a summary.json already in that folder')
    .action((runs: string[], flags: { out: string; force?: boolean }) => {
      if (runs.length < 2) throw new UsageError('merge needs at least two runs');
      // --out may well be one of the runs being merged: never replace a run's summary silently.
      if (existsSync(join(flags.out, 'summary.json')) && !flags.force)
        throw new UsageError(`output folder ${flags.out} already holds a summary.json; choose another --out or pass --force`);
      if (areScenarioShards(runs)) {
        process.exitCode = mergeShards(runs, flags);
        return;
      }
      // The folders name the inputs in mergeSummaries' errors (an aggregate-only import is refused there).
      const merged = mergeSummaries(runs.map((r) => loadSummary(r).summary), runs);
      mkdirSync(flags.out, { recursive: true });
      writeJsonAtomic(join(flags.out, 'summary.json'), merged);
      process.stdout.write(`merged ${runs.length} summaries (${merged.counts.sent} requests) into ${join(flags.out, 'summary.json')}\n`);
    });
}

function mergeShards(runs: string[], flags: { out: string; force?: boolean }): number {
  const r = mergeScenarioShards(runs, { outDir: flags.out, force: flags.force });
  const out = process.stdout;
  const s = r.main.summary;
  out.write(`merged ${r.shards} shards of ${r.scenario.name} (${s.counts.sent} requests${r.controls.length > 0 ? `; controls ${r.controls.map((c) => c.label).join(', ')}` : ''})\n`);
  if (r.missingControls.length > 0) out.write(`no shard ran control ${r.missingControls.join(', ')} (k8s job --no-controls?): claims that need it are Inconclusive\n`);
  if (r.verdicts.length > 0) out.write(`\n${renderVerdictTable(r.verdicts)}\n`);
  else out.write(`\n(no claims in scenario ${r.scenario.name}: nothing to judge; merged results recorded)\n`);
  out.write(`\nresults: ${flags.out}\n`);
  // As `run`: a merged main run in which no measured request succeeded is a failed run, whatever the claims say.
  if (s.counts.ok === 0 && s.counts.sent > 0) {
    process.stderr.write(`run failed: none of ${s.counts.sent} measured requests succeeded in the merged shards\n`);
    return EXIT.runError;
  }
  return verdictExit(r.mainVerdicts);
}
