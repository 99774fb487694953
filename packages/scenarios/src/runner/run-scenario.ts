// Runs a scenario end to end: its main run, each control run and each compared target, every one in
// its own folder with its own target (a fresh simulator cluster, or the user's gateway); scrapes
// metrics around each run, attributes requests to pods, evaluates the claims and writes verdicts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  compareRuns,
  compareToCsv,
  evaluateClaims,
  measure,
  renderHtmlReport,
  readRunTimeline,
  assertCanWriteRun,
  writeJsonAtomic,
  type CompareRow,
  type LlmdVersion,
  type RecorderSnapshot,
  type RunEvidence,
  type Shard,
  type Verdict,
} from '@routebench/core';
import { applyQuick, controlScenario, resolveHeaders, type Scenario } from '../scenario.ts';
import { createWorkload } from '../workloads/index.ts';
import { openTarget, type OpenTarget } from './target.ts';
import { writeVerdictFiles } from './verdict-files.ts';
import { preflightScenario } from './preflight.ts';
import { needsCacheReset, podBaseUrls, resetPrefixCaches } from './cache-reset.ts';

export interface ScenarioRunOptions {
  /** Run folder (created; must be empty unless force). */
  outDir: string;
  /**
   * File holding the bearer token for the EPP's /metrics (--metrics-endpoint-auth is on by default
   * upstream). Applied to the scenario's shorthand `epp` metrics URLs; the token is read at scrape time.
   */
  eppTokenFile?: string;
  /** Simulator targets: the llm-d generation the embedded cluster behaves as (default: the newest). */
  llmdVersion?: LlmdVersion;
  force?: boolean;
  quick?: boolean;
  /** Skip the scenario's control runs (faster; claims that need a control become Inconclusive). */
  skipControls?: boolean;
  apiKey?: string;
  insecure?: boolean;
  failFast?: boolean;
  signal?: AbortSignal;
  /** Extra headers on every request (merged over the scenario's). */
  headers?: Record<string, string>;
  onProgress?: (label: string, p: RecorderSnapshot) => void;
  onRunStart?: (label: string, target: string) => void;
  progressIntervalMs?: number;
  /** Metrics sampling interval (default: the scenario's, or 500 ms). */
  metricsIntervalMs?: number;
  /** Worker threads per run (core run({ workers })); default 1. */
  workers?: number;
  /** Run only shard i of N of each run's load (core run({ shard })): N such runs merge into the whole. */
  shard?: Shard;
  /** Wall-clock start of the (first) run, e.g. the same time on every shard of a Kubernetes job. */
  startAt?: Date;
}

export interface SingleRun {
  label: string;
  dir: string;
  scenario: Scenario;
  target: string;
  evidence: RunEvidence;
  stopped: boolean;
  stopReason: string | null;
}

export interface ScenarioResult {
  scenario: Scenario;
  outDir: string;
  main: SingleRun;
  controls: SingleRun[];
  compared: SingleRun[];
  /** Main-run verdicts first, then each control's (feature text names the control). */
  verdicts: Verdict[];
  /** Verdicts of the main run only (what the exit code is decided on). */
  mainVerdicts: Verdict[];
  /** With compareTargets: the comparison written to compare.csv. */
  compareRows: CompareRow[] | null;
}

export async function runScenario(input: Scenario, opts: ScenarioRunOptions): Promise<ScenarioResult> {
  const scenario = opts.quick ? applyQuick(input) : input;
  // Before any folder is made or request sent: bad claims, unset header variables, bad simulator options.
  preflightScenario(scenario);
  assertCanWriteRun(opts.outDir, opts.force);
  mkdirSync(opts.outDir, { recursive: true });
  writeJsonAtomic(join(opts.outDir, 'scenario.json'), scenario);

  const compared: SingleRun[] = [];
  if (scenario.compareTargets) {
    for (const ct of scenario.compareTargets) {
      if (opts.signal?.aborted) break;
      const s: Scenario = { ...scenario, name: `${scenario.name}--${ct.name}`, target: ct.target, controls: [], compareTargets: undefined };
      compared.push(await executeRun(s, ct.name, join(opts.outDir, 'targets', ct.name), opts));
    }
  }
  // With compareTargets the first one is the main run (its folder also gets the top-level files).
  const main = compared[0] ?? (await executeRun(scenario, 'main', opts.outDir, opts));

  const controls: SingleRun[] = [];
  if (!opts.skipControls) {
    for (const c of scenario.controls) {
      if (opts.signal?.aborted) break;
      const cs = controlScenario(scenario, c.name);
      controls.push(await executeRun(cs, c.name, join(opts.outDir, 'controls', c.name), opts));
    }
  }

  // A shard sent 1/N of the load: its claims would be judged on a fraction of the evidence (and fail a Kubernetes
  // Job's pod over it). They are judged once, by `routebench merge`, on the merged shards (merge-shards.ts);
  // scenario.json above keeps the claims and controls for that, and each control's shard is in controls/<name>/.
  const deferred = (opts.shard?.count ?? 1) > 1;
  const controlEvidence = Object.fromEntries(controls.map((c) => [c.label, c.evidence]));
  // With compareTargets each target is judged on its OWN run: the agg-vs-pd latency SLO of the P/D row is the
  // P/D run's TTFT, not the aggregated run's. Each target's verdicts also go to its own folder.
  const mainVerdicts = deferred
    ? []
    : compared.length === 0
      ? judge(scenario, main.evidence, controlEvidence)
      : compared.flatMap((t) => {
          const own = judge(scenario, t.evidence, controlEvidence).map((v) => ({ ...v, feature: `${v.feature} [target: ${t.label}]`, mode: targetMode(t, v.mode) }));
          t.evidence.summary.extra = { ...t.evidence.summary.extra, verdicts: own };
          writeVerdictFiles(t.dir, own);
          return own;
        });
  const verdicts = deferred ? [] : [...mainVerdicts, ...judgeControls(scenario, controls)];
  // summary.json was written once by measure(); the verdicts go to verdicts.json / verdicts.md beside it (the
  // report below and `routebench report` read them from there).
  if (compared.length === 0 && !deferred) main.evidence.summary.extra = { ...main.evidence.summary.extra, verdicts };
  if (!deferred) writeVerdictFiles(opts.outDir, verdicts);
  const compareRows = compared.length >= 2 ? compareRuns(compared.map((r) => ({ name: r.label, summary: r.evidence.summary }))) : null;
  if (compareRows) writeFileSync(join(opts.outDir, 'compare.csv'), compareToCsv(compareRows));
  // One report per scenario folder: the main run, with the compared targets overlaid.
  const overlaid = [main, ...compared.slice(1)];
  const reportRuns = overlaid.map((r) => ({ name: r.label, summary: r.evidence.summary }));
  // Each run's requests.jsonl adds ITL over time and its stages' start lines; controls get a table of their own.
  const timelines = Object.fromEntries(overlaid.flatMap((r) => ((t) => (t ? [[r.label, t] as const] : []))(readRunTimeline(r.dir))));
  const reportControls = controls.map((c) => ({ name: c.label, summary: c.evidence.summary }));
  writeFileSync(
    join(opts.outDir, 'report.html'),
    renderHtmlReport({ runs: reportRuns, timelines, ...(reportControls.length > 0 && { controls: reportControls }), title: `routebench — ${scenario.name}` }),
  );
  return { scenario, outDir: opts.outDir, main, controls, compared, verdicts, mainVerdicts, compareRows };
}

/** One run against one target: open it, measure (scrape, attribute, record, write once), close. */
export async function executeRun(scenario: Scenario, label: string, dir: string, opts: ScenarioRunOptions): Promise<SingleRun> {
  // Before the target is opened (a simulator started): a folder that holds a run is refused.
  assertCanWriteRun(dir, opts.force);
  mkdirSync(dir, { recursive: true });
  const target: OpenTarget = await openTarget(scenario.target, scenario, dir, { eppTokenFile: opts.eppTokenFile, llmdVersion: opts.llmdVersion });
  try {
    opts.onRunStart?.(label, target.description);
    // Prefix-cache claims are judged on a cold cache where the pods allow a reset (runner/cache-reset.ts).
    const cacheState = needsCacheReset(scenario) ? await resetPrefixCaches(podBaseUrls(target.metricsSources)) : undefined;
    const workload = createWorkload(scenario.workload, { seed: scenario.seed, model: scenario.model });
    const instance = measure({
      target: target.url,
      workload: workload.requests(),
      load: scenario.load,
      name: scenario.name,
      seed: scenario.seed,
      apiKey: target.kind === 'url' ? opts.apiKey : undefined,
      headers: { ...resolveHeaders(scenario.headers), ...(opts.headers ?? {}) },
      insecure: opts.insecure,
      outDir: dir,
      force: opts.force,
      failFast: opts.failFast,
      signal: opts.signal,
      tokenizer: workload.tokenizer,
      progressIntervalMs: opts.progressIntervalMs,
      workers: opts.workers,
      shard: opts.shard,
      startAt: opts.startAt,
      // The autoscaler timescale is kept in the run folder too, so `routebench merge` can judge shards on it.
      extra: { target: target.description, label, ...(cacheState && { cacheState }), ...(target.autoscaleTimescale && { autoscaleTimescale: target.autoscaleTimescale }) },
      metrics: { sources: target.metricsSources, intervalMs: opts.metricsIntervalMs ?? scenario.metrics?.intervalMs ?? 500 },
      eppLogs: target.eppLogPath ? [target.eppLogPath] : [],
      ...(target.podLogPaths && Object.keys(target.podLogPaths).length > 0 && { podLogs: target.podLogPaths }),
      podRoles: target.podRoles,
      podModels: target.podModels,
    });
    if (opts.onProgress) instance.on('progress', (p) => opts.onProgress!(label, p));
    const result = await instance;
    const evidence = { ...result.evidence, ...(target.autoscaleTimescale && { autoscaleTimescale: target.autoscaleTimescale }), ...(cacheState && { cacheState }) };
    return { label, dir, scenario, target: target.description, evidence, stopped: result.stopped, stopReason: result.stopReason };
  } finally {
    await target.close();
  }
}

/** A compared target's Mode column: what its pods' roles show (P/D when any pod is prefill or decode), else the scenario's. */
function targetMode(t: SingleRun, scenarioMode: string): string {
  const roles = Object.values(t.evidence.podRoles ?? {});
  if (roles.length === 0) return scenarioMode;
  return roles.some((r) => r === 'prefill' || r === 'decode') ? 'P/D' : 'Aggregated';
}

/**
 * The claims of a scenario without compared targets: on its main run (the control runs as its controls), then on
 * each control run. `routebench merge` judges merged shards with it, as a live run does.
 */
export function judgeScenario(scenario: Scenario, main: RunEvidence, controls: ReadonlyArray<{ label: string; evidence: RunEvidence }>): { verdicts: Verdict[]; mainVerdicts: Verdict[] } {
  const mainVerdicts = judge(scenario, main, Object.fromEntries(controls.map((c) => [c.label, c.evidence])));
  return { mainVerdicts, verdicts: [...mainVerdicts, ...judgeControls(scenario, controls)] };
}

/** Each control run judged with the others as its controls (the feature text names the control). */
function judgeControls(scenario: Scenario, controls: ReadonlyArray<{ label: string; evidence: RunEvidence }>): Verdict[] {
  const out: Verdict[] = [];
  for (const c of controls) {
    const others = Object.fromEntries(controls.filter((x) => x !== c).map((x) => [x.label, x.evidence]));
    for (const v of judge(scenario, c.evidence, others)) out.push({ ...v, feature: `${v.feature} [control: ${c.label}]` });
  }
  return out;
}

/** The scenario's claims judged on one run's evidence (with the other runs as its controls). */
function judge(scenario: Scenario, main: RunEvidence, controls: Record<string, RunEvidence>): Verdict[] {
  if (scenario.claims.length === 0) return [];
  return evaluateClaims(scenario.claims, { feature: scenario.feature, mode: scenario.mode, main, controls });
}
