// Runs a scenario end to end: its main run, each control run and each compared target, every one in
// its own folder with its own target (a fresh simulator cluster, or the user's gateway); scrapes
// metrics around each run, attributes requests to pods, evaluates the claims and writes verdicts.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, type RunInstance } from '@routebench/core/run';
import { startCollector, type MetricsEvidence } from '@routebench/core/metrics/public';
import { attributeRecords, applyAttribution, type AttributionResult } from '@routebench/core/evidence/attribution/attribute';
import { readJsonl } from '@routebench/core/output/jsonl';
import { RequestRecordSchema, type RequestRecord } from '@routebench/core/record/request-record';
import { type Summary } from '@routebench/core/record/summary';
import { summarizeRecords } from '@routebench/core/record/summarize-records';
import { writeJsonAtomic, writeSummaryFiles, RUN_FILES } from '@routebench/core/output/run-folder';
import { createJsonlWriter } from '@routebench/core/output/jsonl';
import type { RecorderSnapshot } from '@routebench/core/record/recorder';
import type { Shard } from '@routebench/core/load/shard';
import type { Verdict } from '@routebench/core/claims/verdict';
import { compareRuns, compareToCsv, type CompareRow } from '@routebench/core/output/compare';
import { renderHtmlReport } from '@routebench/core/output/html-report';
import { applyQuick, controlScenario, resolveHeaders, type Scenario } from '../scenario.ts';
import { createWorkload } from '../workloads/index.ts';
import { openTarget, type OpenTarget } from './target.ts';
import { evaluateScenarioClaims, type RunEvidence } from './claims-bridge.ts';
import { writeVerdictFiles } from './verdict-files.ts';
import { preflightScenario } from './preflight.ts';

export interface ScenarioRunOptions {
  /** Run folder (created; must be empty unless force). */
  outDir: string;
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

  const controlEvidence = Object.fromEntries(controls.map((c) => [c.label, c.evidence]));
  const mainVerdicts = evaluateScenarioClaims(scenario, main.evidence, controlEvidence);
  const verdicts = [...mainVerdicts];
  for (const c of controls) {
    const others = Object.fromEntries(controls.filter((x) => x !== c).map((x) => [x.label, x.evidence]));
    for (const v of evaluateScenarioClaims(scenario, c.evidence, others)) {
      verdicts.push({ ...v, feature: `${v.feature} [control: ${c.label}]` });
    }
  }
  main.evidence.summary.extra = { ...main.evidence.summary.extra, verdicts };
  writeJsonAtomic(join(main.dir, RUN_FILES.summary), main.evidence.summary);
  writeVerdictFiles(opts.outDir, verdicts);
  const compareRows = compared.length >= 2 ? compareRuns(compared.map((r) => ({ name: r.label, summary: r.evidence.summary }))) : null;
  if (compareRows) writeFileSync(join(opts.outDir, 'compare.csv'), compareToCsv(compareRows));
  // One report per scenario folder: the main run, with the compared targets overlaid.
  const reportRuns = [{ name: main.label, summary: main.evidence.summary }, ...compared.slice(1).map((r) => ({ name: r.label, summary: r.evidence.summary }))];
  writeFileSync(join(opts.outDir, 'report.html'), renderHtmlReport({ runs: reportRuns, title: `routebench — ${scenario.name}` }));
  return { scenario, outDir: opts.outDir, main, controls, compared, verdicts, mainVerdicts, compareRows };
}

/** One run against one target: open it, scrape around the run, attribute, summarise, close. */
export async function executeRun(scenario: Scenario, label: string, dir: string, opts: ScenarioRunOptions): Promise<SingleRun> {
  if (existsSync(join(dir, RUN_FILES.requests)) && !opts.force) {
    throw new Error(`output folder ${dir} already holds a run; choose another --out or pass --force`);
  }
  mkdirSync(dir, { recursive: true });
  const target: OpenTarget = await openTarget(scenario.target, scenario, dir);
  try {
    opts.onRunStart?.(label, target.description);
    const collector = target.metricsSources.length > 0 ? await startCollector({ sources: target.metricsSources, intervalMs: opts.metricsIntervalMs ?? scenario.metrics?.intervalMs ?? 500 }) : null;
    const workload = createWorkload(scenario.workload, { seed: scenario.seed, model: scenario.model });
    const instance: RunInstance = run({
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
      extra: { target: target.description, label },
    });
    if (opts.onProgress) instance.on('progress', (p) => opts.onProgress!(label, p));
    const result = await instance;
    const metrics: MetricsEvidence | null = collector ? await collector.stop() : null;

    // Attribute requests the headers did not place (EPP log, then counters), and rebuild the summary
    // from the attributed records so per-pod statistics and group affinity include them.
    const records = await readRecords(join(dir, RUN_FILES.requests));
    // EPP logs: the simulator's file, and the EPP pods' logs when a kubernetes source names the EPP
    // (a failure to fetch them only removes that evidence).
    const eppLogs: string[] = [];
    if (target.eppLogPath && existsSync(target.eppLogPath)) eppLogs.push(readFileSync(target.eppLogPath, 'utf8'));
    if (collector) for (const l of await collector.fetchEppLogs().catch(() => [])) eppLogs.push(l.text);
    const eppLog = eppLogs.length === 0 ? undefined : eppLogs;
    const attribution: AttributionResult = attributeRecords(records, { eppLog, evidence: metrics ?? undefined });
    const attributed = applyAttribution(records, attribution);
    let summary: Summary = result.summary;
    if (records.some((r) => !r.pod) && attribution.perRequest.size > 0) {
      rewriteRecords(join(dir, RUN_FILES.requests), attributed);
      summary = await summarizeRecords(attributed, summary.meta);
      summary.extra = { ...result.summary.extra };
      // A shard's requested rate is its part of the load's (see core workers/shard.ts), not the load's own.
      summary.rates.requestedRate = result.summary.rates.requestedRate;
    }
    summary.extra = {
      ...summary.extra,
      metrics: metrics ?? null,
      attribution: {
        sourcesUsed: attribution.sourcesUsed,
        split: attribution.split,
        unattributed: attribution.unattributed.length,
      },
      podRoles: target.podRoles,
      podModels: target.podModels,
      readyPods: metrics ? readyPodsSeries(metrics) : undefined,
    };
    await writeSummaryFiles(dir, summary);
    return {
      label,
      dir,
      scenario,
      target: target.description,
      evidence: { summary, metrics, attribution, podRoles: target.podRoles, podModels: target.podModels, records: attributed, eppLog },
      stopped: result.stopped,
      stopReason: result.stopReason,
    };
  } finally {
    await target.close();
  }
}

async function readRecords(path: string): Promise<RequestRecord[]> {
  const out: RequestRecord[] = [];
  for await (const r of readJsonl(path, { schema: RequestRecordSchema })) out.push(r);
  return out;
}

function rewriteRecords(path: string, records: readonly RequestRecord[]): void {
  const tmp = `${path}.attributed`;
  const w = createJsonlWriter(tmp);
  for (const r of records) w.write(r);
  w.close();
  // Rename over the original: a reader sees the old or the new file, never half of one.
  renameSync(tmp, path);
}

/** The EPP's inference_pool_ready_pods gauge over the run, for the report's ready-pods chart. */
function readyPodsSeries(metrics: MetricsEvidence): { t: number; value: number }[] | undefined {
  for (const source of metrics.sources) {
    for (const target of source.targets) {
      const g = target.gauges.find((x) => x.metric === 'inference_pool_ready_pods');
      if (g) return g.points.filter((p): p is [number, number] => p[1] !== null).map(([t, value]) => ({ t, value }));
    }
  }
  return undefined;
}
