// `routebench report <run>...`: the self-contained HTML report of one run, or several overlaid. A folder that is
// not itself a run (an agg-vs-pd or sweep folder) stands for the run folders inside it; runs found under
// controls/ get the control-run table instead of being overlaid. Each run's requests.jsonl, when present, adds ITL
// over time and the load stages' start lines.
import { statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command } from 'commander';
import { readRunTimeline, renderHtmlReport, type RunTimeline } from '@routebench/core';
import { UsageError } from '../exit-codes.ts';
import { expandRunArgs, type FoundRun } from './find-runs.ts';
import { loadSummary, uniqueNames } from './load-run.ts';

/** The folder a run argument names (a summary.json path stands for its folder). */
function folderOf(path: string): string {
  try {
    return statSync(path).isDirectory() ? path : dirname(path);
  } catch {
    return dirname(path);
  }
}

function load(found: FoundRun[]) {
  return uniqueNames(found.map((f) => ({ name: f.name, summary: loadSummary(f.path).summary, dir: folderOf(f.path) })));
}

export function reportCommand(): Command {
  return new Command('report')
    .description('write report.html for one run folder, one report overlaying several runs, or one for the runs inside a folder (agg-vs-pd, sweep)')
    .argument('<runs...>', 'run folders (or summary.json files), or a folder holding run folders')
    .option('-o, --out <file>', 'output file (default: report.html in the run folder; for several runs compare-report.html in the first folder given)')
    .action((args: string[], flags: { out?: string }) => {
      const found = expandRunArgs(args, { withControls: true });
      const runs = load(found.filter((f) => !f.control));
      if (runs.length === 0) throw new UsageError(`${args.join(' ')}: only control runs found; name the main run folder`);
      const controls = load(found.filter((f) => f.control));
      const timelines: Record<string, RunTimeline> = {};
      for (const r of runs) {
        const t = readRunTimeline(r.dir);
        if (t) timelines[r.name] = t;
      }
      // Several runs (named one by one, or found in a folder) → compare-report.html, which never replaces the
      // report.html a scenario or sweep wrote in that folder.
      const file = flags.out ?? join(folderOf(args[0]!), runs.length > 1 ? 'compare-report.html' : 'report.html');
      writeFileSync(
        file,
        renderHtmlReport({
          runs: runs.map(({ name, summary }) => ({ name, summary })),
          timelines,
          ...(controls.length > 0 && { controls: controls.map(({ name, summary }) => ({ name, summary })) }),
        }),
      );
      process.stdout.write(`${file}\n`);
    });
}
