// `routebench table`: reproduce the seed study's whole verdict table on the simulator (or a gateway).
import { existsSync, readdirSync } from 'node:fs';
import { Command, Option } from 'commander';
import { renderRepeatTable, repeatSeedTable, runSeedTable, SEED_TABLE_PRESETS } from '@routebench/scenarios';
import { DEFAULT_LLMD_VERSION, LLMD_VERSIONS, renderVerdictTable, type LlmdVersion } from '@routebench/core';
import { EXIT, UsageError } from '../exit-codes.ts';
import { MAX_REPEAT, positiveInt } from '../options.ts';
import { createProgressView } from '../progress.ts';
import { assertOutIsFolder, repeatExit, runFailure, verdictExit, worstExit } from '../outcome.ts';
import { defaultOutDir } from './run.ts';
import { withSignalStop } from './signals.ts';
import { workersOption } from './worker-flags.ts';

export function tableCommand(): Command {
  return new Command('table')
    .description("reproduce the seed study's verdict table: every row's preset with its controls and fault runs")
    .option('-o, --out <dir>', 'output folder (default results/<timestamp>-seed-table/)')
    .option('--quick', 'the reduced form of every preset (tens of seconds in all)')
    .option('--only <presets>', `comma-separated subset of: ${SEED_TABLE_PRESETS.join(', ')}`)
    .option('--force', 'overwrite folders that already hold runs')
    .addOption(new Option('--llmd-version <version>', 'the llm-d generation the simulator behaves as (configs, logs, metrics, decider semantics)').choices([...LLMD_VERSIONS]).default(DEFAULT_LLMD_VERSION))
    .addOption(workersOption())
    .option('--repeat <n>', 'run the table N times (fresh simulators each) into <out>/repeat-<i>/ and summarize the verdicts (repeat-summary.json)', positiveInt('--repeat', MAX_REPEAT))
    .action(async (flags: { out?: string; quick?: boolean; only?: string; force?: boolean; workers: number; llmdVersion: LlmdVersion; repeat?: number }) => {
      const only = flags.only ? flags.only.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
      for (const n of only ?? []) {
        if (!(SEED_TABLE_PRESETS as readonly string[]).includes(n)) throw new UsageError(`--only: "${n}" is not one of ${SEED_TABLE_PRESETS.join(', ')}`);
      }
      const outDir = flags.out ?? defaultOutDir('seed-table');
      assertOutIsFolder(outDir);
      // Checked before any simulator starts (the runner would only notice at the first run, exit 3).
      if (existsSync(outDir) && readdirSync(outDir).length > 0 && !flags.force)
        throw new UsageError(`output folder ${outDir} is not empty (it may hold runs); choose another --out or pass --force`);
      const view = createProgressView();
      const tableOpts = (signal: AbortSignal): Parameters<typeof runSeedTable>[0] => ({
          outDir,
          quick: flags.quick,
          force: flags.force,
          workers: flags.workers,
          llmdVersion: flags.llmdVersion,
          only,
          signal,
          onPreset: (name) => process.stderr.write(`== ${name}\n`),
          onRunStart: (label, target) => view.start(label, target),
          onProgress: (label, p) => view.update(label, p),
        });
      if (flags.repeat !== undefined && flags.repeat > 1) {
        const n = flags.repeat;
        const summary = await withSignalStop((signal) => repeatSeedTable(n, tableOpts(signal))).finally(() => view.done());
        process.stdout.write(`\n${renderRepeatTable(summary)}\n\nresults: ${outDir} (repeat-1 … repeat-${summary.repeats}, repeat-summary.json)\n`);
        // Worst over the repeats and their rows (3 > 1 > 4 > 0), as without --repeat.
        process.exitCode = repeatExit(summary);
        return;
      }
      const result = await withSignalStop((signal) => runSeedTable(tableOpts(signal))).finally(() => view.done());
      process.stdout.write(`\n${renderVerdictTable(result.verdicts)}\n\nresults: ${outDir}\n`);
      // The worst over the rows (3 > 1 > 4 > 0): a preset whose main run had no successful request fails the table.
      const codes = result.results.map((r) => {
        const failure = runFailure(r.main.dir, r.main.evidence.summary, { stopped: r.main.stopped, secrets: [] });
        if (failure.lines.length > 0) process.stderr.write(`${r.scenario.name}:\n${failure.lines.map((l) => `  ${l}`).join('\n')}\n`);
        return failure.failed ? EXIT.runError : verdictExit(r.mainVerdicts);
      });
      process.exitCode = worstExit(codes);
    });
}
