// Reproduces the seed study's verdict table: every row's preset, each with its controls (the random
// picker, zero reuse, and the two failures the study hit: KV transfer broken as on MIG, KV events
// dropped for the precise scorer). One folder per preset, one combined table.
import { join } from 'node:path';
import type { Verdict } from '@routebench/core';
import { getPreset } from '../presets/index.ts';
import { runScenario, type ScenarioResult, type ScenarioRunOptions } from './run-scenario.ts';
import { writeVerdictFiles } from './verdict-files.ts';

/** The presets behind the seed table's rows, in the table's order. */
export const SEED_TABLE_PRESETS = ['prefix-cache', 'queue-balance', 'kv-utilization', 'multi-model', 'autoscale', 'pd-transfer', 'pd-selective', 'precise-prefix'] as const;

export interface SeedTableResult {
  results: ScenarioResult[];
  verdicts: Verdict[];
  /** Verdicts of the healthy (main) runs only. */
  mainVerdicts: Verdict[];
}

export async function runSeedTable(opts: ScenarioRunOptions & { only?: readonly string[]; onPreset?: (name: string) => void }): Promise<SeedTableResult> {
  const names = opts.only && opts.only.length > 0 ? opts.only : SEED_TABLE_PRESETS;
  const results: ScenarioResult[] = [];
  for (const name of names) {
    if (opts.signal?.aborted) break;
    opts.onPreset?.(name);
    results.push(await runScenario(getPreset(name), { ...opts, outDir: join(opts.outDir, name) }));
  }
  const verdicts = results.flatMap((r) => r.verdicts);
  writeVerdictFiles(opts.outDir, verdicts);
  return { results, verdicts, mainVerdicts: results.flatMap((r) => r.mainVerdicts) };
}
