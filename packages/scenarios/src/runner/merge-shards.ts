// `routebench merge` of the shards of one scenario run (the pods of `routebench k8s job`, or `run --shard i/N`
// processes): merge each run's evidence across the shards — the main run, and each control run from the shards'
// controls/<name>/ folders — then judge the scenario's claims on the merged evidence exactly as a live run does
// (judgeScenario), and write the merged folder like a live run's: scenario.json, summary.json (metrics and
// attribution in `extra`), controls/<name>/summary.json, verdicts.json, verdicts.md, report.html. A control's shards
// are in each main shard's controls/<name>/ (the pods ran it after their main run) or, from a separate
// `k8s job --control NAME`, beside the main shards in controls/<name>/shard-i.
//
// Which shards share servers decides how their metrics combine (core record/merge-evidence.ts): a scenario whose
// target is a URL had every shard send to that one gateway (counters: union window); a simulator target gave each
// shard (pod) its own cluster (counters add).
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { assertCanWriteRun, mergeRunEvidence, renderHtmlReport, RoutebenchError, runEvidenceFromFolder, writeJsonAtomic, type RunEvidence, type Verdict } from '@routebench/core';
import { controlScenario, parseScenario, type Scenario } from '../scenario.ts';
import { judgeScenario } from './run-scenario.ts';
import { writeVerdictFiles } from './verdict-files.ts';

export interface ShardsMergeResult {
  scenario: Scenario;
  outDir: string;
  /** How many shards the run was split into (= folders merged). */
  shards: number;
  main: RunEvidence;
  controls: Array<{ label: string; evidence: RunEvidence }>;
  /** Controls of the scenario no shard ran (`--no-controls`): claims that need them are Inconclusive. */
  missingControls: string[];
  verdicts: Verdict[];
  mainVerdicts: Verdict[];
}

/** A run folder's scenario.json (what runScenario wrote), or null when the folder is not a scenario run. */
export function readRunScenario(dir: string): Scenario | null {
  const file = join(dir, 'scenario.json');
  if (!existsSync(file)) return null;
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new RoutebenchError('RB_INPUT_INVALID', `${file}: not valid JSON (${(e as Error).message})`, { field: file });
  }
  try {
    return parseScenario(data, file);
  } catch (e) {
    throw new RoutebenchError('RB_INPUT_INVALID', (e as Error).message, { field: file });
  }
}

/** The shard a run folder holds (`extra.shard` of its summary.json, written by core run() for --shard), or null. */
export function shardOf(evidence: RunEvidence): { index: number; count: number } | null {
  const s = evidence.summary.extra.shard as { index?: unknown; count?: unknown } | undefined;
  return s && typeof s.index === 'number' && typeof s.count === 'number' ? { index: s.index, count: s.count } : null;
}

/** Every folder is one shard of the same N-way split, and every shard 0…N−1 is there exactly once. */
function checkShardSet(dirs: readonly string[], evidence: readonly RunEvidence[]): number {
  const shards = evidence.map(shardOf);
  const notShard = dirs.filter((_, i) => shards[i] === null);
  if (notShard.length > 0) throw new RoutebenchError('RB_INPUT_INVALID', `${notShard.join(', ')}: not a shard (its summary.json has no extra.shard; it was not run with --shard i/N)`, { field: notShard[0] });
  const counts = [...new Set(shards.map((s) => s!.count))];
  if (counts.length > 1) throw new RoutebenchError('RB_INPUT_INVALID', `the folders are shards of different splits (${counts.map((c) => `/${c}`).join(', ')}): merge the shards of one run`, { field: dirs[0] });
  const n = counts[0]!;
  const seen = new Map<number, string>();
  for (const [i, s] of shards.entries()) {
    const prev = seen.get(s!.index);
    if (prev !== undefined) throw new RoutebenchError('RB_INPUT_INVALID', `${prev} and ${dirs[i]} are both shard ${s!.index}/${n}`, { field: dirs[i] });
    seen.set(s!.index, dirs[i]!);
  }
  const missing = Array.from({ length: n }, (_, i) => i).filter((i) => !seen.has(i));
  // Claims judged on some of the shards would be judged on part of the load (rates, shares, counts): refuse.
  if (missing.length > 0)
    throw new RoutebenchError('RB_INPUT_INVALID', `shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${n}`).join(', ')} missing: the claims are judged on all ${n} shards of the run`, { field: 'runs' });
  return n;
}

const sharedTarget = (s: Scenario) => 'url' in s.target;
const holdsSummary = (d: string) => existsSync(join(d, 'summary.json'));

/**
 * Where a control's shards are: in each main shard's controls/<name>/ (the pods ran it after their main run), or
 * beside the main shards in controls/<name>/shard-i (a separate `k8s job --control NAME`, applied after the main
 * Job). Null when neither exists. Refuses a control run by some shards only, both layouts at once, and separate
 * control shards that ran another scenario than this run's control.
 */
function controlShardDirs(dirs: readonly string[], scenario: Scenario, name: string): string[] | null {
  const inShards = dirs.map((d) => join(d, 'controls', name));
  const present = inShards.filter(holdsSummary);
  const parents = [...new Set(dirs.map((d) => dirname(resolve(d))))];
  const besideDir = parents.length === 1 ? join(parents[0]!, 'controls', name) : null;
  const beside =
    besideDir && existsSync(besideDir)
      ? readdirSync(besideDir)
          .filter((n) => /^shard-\d+$/.test(n))
          .map((n) => join(besideDir, n))
          .filter(holdsSummary)
      : [];
  if (present.length > 0 && beside.length > 0)
    throw new RoutebenchError('RB_INPUT_INVALID', `control ${name} is both in the shards' controls/ folders and in ${besideDir}: merge one run's control`, { field: besideDir! });
  if (beside.length > 0) {
    const expected = JSON.stringify(controlScenario(scenario, name));
    const other = beside.find((d) => JSON.stringify(readRunScenario(d)) !== expected);
    if (other) throw new RoutebenchError('RB_INPUT_INVALID', `${other} did not run control ${name} of this scenario (its scenario.json differs from the control of ${dirs[0]}'s)`, { field: other });
    return beside;
  }
  if (present.length === 0) return null;
  if (present.length < inShards.length) {
    const absent = inShards.filter((d) => !present.includes(d));
    throw new RoutebenchError('RB_INPUT_INVALID', `control ${name} was run by some shards only: ${absent.join(', ')} missing (a pod stopped before its control run?)`, { field: absent[0] });
  }
  return inShards;
}

/**
 * Merge the shard folders of one scenario run into `outDir` and judge the scenario's claims on the merged
 * evidence. Refuses (RB_INPUT_INVALID) folders of different scenarios, an incomplete or repeated shard set, and
 * a control run by some shards only.
 */
export function mergeScenarioShards(dirs: readonly string[], opts: { outDir: string; force?: boolean }): ShardsMergeResult {
  const scenarios = dirs.map((d) => {
    const s = readRunScenario(d);
    if (!s) throw new RoutebenchError('RB_INPUT_INVALID', `${d}: no scenario.json (not a scenario run folder)`, { field: d });
    return s;
  });
  const scenario = scenarios[0]!;
  const differs = dirs.find((_, i) => JSON.stringify(scenarios[i]) !== JSON.stringify(scenario));
  if (differs !== undefined) throw new RoutebenchError('RB_INPUT_INVALID', `${differs} ran a different scenario than ${dirs[0]} (scenario.json differs): merge the shards of one run`, { field: differs });
  if (scenario.compareTargets)
    throw new RoutebenchError('RB_INPUT_INVALID', `scenario ${scenario.name} compares targets (compareTargets): merging its shards is not supported; shard each target as its own scenario`, { field: 'compareTargets' });

  const mainParts = dirs.map((d) => runEvidenceFromFolder(d));
  const shards = checkShardSet(dirs, mainParts);
  const main = mergeRunEvidence(mainParts, { sharedTarget: sharedTarget(scenario) });

  const controls: ShardsMergeResult['controls'] = [];
  const missingControls: string[] = [];
  for (const c of scenario.controls) {
    const cdirs = controlShardDirs(dirs, scenario, c.name);
    if (cdirs === null) {
      missingControls.push(c.name);
      continue;
    }
    const parts = cdirs.map((d) => runEvidenceFromFolder(d));
    checkShardSet(cdirs, parts);
    controls.push({ label: c.name, evidence: mergeRunEvidence(parts, { sharedTarget: sharedTarget(controlScenario(scenario, c.name)) }) });
  }

  const { verdicts, mainVerdicts } = judgeScenario(scenario, main, controls);

  assertCanWriteRun(opts.outDir, opts.force);
  mkdirSync(opts.outDir, { recursive: true });
  writeJsonAtomic(join(opts.outDir, 'scenario.json'), scenario);
  writeJsonAtomic(join(opts.outDir, 'summary.json'), main.summary);
  for (const c of controls) {
    const dir = join(opts.outDir, 'controls', c.label);
    mkdirSync(dir, { recursive: true });
    writeJsonAtomic(join(dir, 'summary.json'), c.evidence.summary);
  }
  writeVerdictFiles(opts.outDir, verdicts);
  main.summary.extra = { ...main.summary.extra, verdicts };
  writeFileSync(join(opts.outDir, 'report.html'), renderHtmlReport({ runs: [{ name: 'main', summary: main.summary }], title: `routebench — ${scenario.name} (${shards} shards merged)` }));
  return { scenario, outDir: opts.outDir, shards, main, controls, missingControls, verdicts, mainVerdicts };
}
