// `routebench sweep`: run a scenario at a ladder of load levels against each of its targets (compareTargets, or
// its one target), one ordinary run folder per level (runner/run-scenario.ts executeRun: a fresh simulator
// each, measured, scraped, written as `run` writes it), then search each target's levels for the highest one
// meeting the SLOs (slo.ts) and, with two or more targets, say which serves more at the SLO and where their
// latency curves cross.
//
// A target's ladder stops after the first level that
//   - had errors beyond `maxErrorRate` (default 5% of finished requests; checked first: the server's errors are a
//     fact even when the client also lagged, unless the client's own failures are among them);
//   - was client-bound: the client's self-diagnostics flagged itself as the bottleneck (meta.client.bottleneck:
//     event-loop lag, schedule delay, or sending under 90% of the requested rate; core/src/record/diagnostics.ts).
//     Higher levels would measure the client, not the server. The level is run again first (clientBoundRetries,
//     default once): other work on the machine can starve the client for a few seconds;
//   - fell short of its rate (rate ladders): it served fewer than `minRateShare` (default 90%) of the requested
//     requests per second. Served rate = ok completions per second while the load was on: completions from the
//     first one to the last send, over that span. A server that keeps up completes as fast as requests arrive
//     (after one latency of filling); one that queues completes at its capacity, under the requested rate. Not
//     ok/(first send → last end): a short level's drain after the last send would dominate it. (inference-perf
//     compares achieved with requested rate, docs/loadgen.md; GuideLLM stops on over-saturation,
//     docs/guides/over_saturation_stopping.md.) With fewer than 5 completions before the last send (a level
//     shorter than a few latencies) the served rate is not measured and this rule does not apply.
// A level that misses an SLO does not stop the ladder: the curve past the knee is what the report shows.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  assertCanWriteRun,
  LoadSpecSchema,
  renderSweepReport,
  RoutebenchError,
  writeJsonAtomic,
  type LoadSpec,
  type RunEvidence,
  type Summary,
  type Verdict,
  type VerdictStatus,
} from '@routebench/core';
import { applyQuick, type Scenario } from '../scenario.ts';
import { executeRun, type ScenarioRunOptions } from '../runner/run-scenario.ts';
import { preflightScenario } from '../runner/preflight.ts';
import { writeVerdictFiles } from '../runner/verdict-files.ts';
import { runRepeats, type RepeatSummary } from '../runner/repeat.ts';
import { autoRates, ladderLevels, type Slo, type Sweep } from './ladder.ts';
import { crossings, errorRate, findSloMax, fmtNum, judgeLevel, nextRefineLevel, sloKey, sloLabel, type LevelJudgement, type LevelPhase, type SloMax, type StopReason } from './slo.ts';
import { sloMaxCsv, sweepCsv } from './sweep-csv.ts';

/** Completions before the last send needed to measure a level's served rate. */
const MIN_SERVED_SAMPLES = 5;

/** Seconds per level when neither the sweep nor the scenario's load says. */
export const DEFAULT_LEVEL_DURATION_S = 10;

export interface SweepRunOptions extends ScenarioRunOptions {
  /** Called before each level starts. */
  onLevel?: (target: string, phase: LevelPhase, over: 'rate' | 'concurrency', level: number) => void;
}

type Pcts = { p50: number | null; p90: number | null; p99: number | null };

export interface SweepLevel {
  target: string;
  /** Order in which the target's levels ran (1-based). */
  index: number;
  phase: LevelPhase;
  /** What this level set: an open-loop rate or a closed-loop concurrency (serial and probe levels are closed loop). */
  over: 'rate' | 'concurrency';
  level: number;
  /** The level's folder, relative to the sweep folder. */
  dir: string;
  durationS: number;
  requests: number;
  ok: number;
  errors: number;
  errorRate: number;
  /** Requests/s the client sent (open loop); null for closed loop. */
  achievedSendRate: number | null;
  /** Ok requests/s over first send → last end (the summary's okPerS). */
  throughput: number;
  /** Ok completions/s while the load was on (the "fell short" rule; see the top of this file); null with too few. */
  servedRate: number | null;
  outputTokensPerS: number;
  /** Requests/s meeting every per-request SLO (ttft, tpot, e2e; ITL is per token and not a per-request bound). */
  goodput: number | null;
  goodputShare: number | null;
  latency: Record<'ttft' | 'itl' | 'tpot' | 'e2e', Pcts>;
  clientBound: boolean;
  clientReason: string | null;
  stop: StopReason | null;
  stopText: string | null;
  judgement: LevelJudgement;
}

export interface SweepTarget {
  name: string;
  /** Per run, in order: its summary (kept for --repeat's latency table, not written to sweep.json). */
  summaries: Summary[];
  description: string;
  levels: SweepLevel[];
  sloMax: SloMax;
  /** Why the ladder stopped early (null: every level ran). */
  stoppedBy: string | null;
}

export interface SweepResult {
  scenario: Scenario;
  outDir: string;
  over: 'rate' | 'concurrency';
  unit: string;
  slos: Slo[];
  targets: SweepTarget[];
  /** Per SLO: the levels where the targets' curves of that percentile cross (two targets only). */
  crossings: Array<{ slo: Slo; at: number[] }>;
  verdicts: Verdict[];
  /** Each ladder level's summary (client-bound runs left out), named "<target> <level> <unit>", for --repeat's latency table. */
  levelSummaries: Array<{ name: string; summary: Summary }>;
  wallS: number;
}

/** The SLOs a sweep searches: its own, else the scenario's latency-slo claims (single and named forms). */
export function sweepSlos(s: Scenario): Slo[] {
  if (s.sweep && s.sweep.slo.length > 0) return s.sweep.slo;
  const out: Slo[] = [];
  for (const c of s.claims) {
    if (c.id !== 'latency-slo') continue;
    if (typeof c.metric === 'string' && typeof c.percentile === 'number' && typeof c.maxMs === 'number') out.push({ metric: c.metric as Slo['metric'], percentile: c.percentile, maxMs: c.maxMs });
    for (const [k, v] of Object.entries(c)) {
      const m = /^(ttft|itl|tpot|e2e)P(50|90|95|99)Ms$/.exec(k);
      if (m && typeof v === 'number') out.push({ metric: m[1] as Slo['metric'], percentile: Number(m[2]), maxMs: v });
    }
  }
  return out;
}

/**
 * The load of one level: the scenario's load (warm-up, timeouts, in-flight cap) with its shape replaced by the
 * level's — open loop at the level's rate with the sweep's arrivals, or closed loop at its concurrency — bounded
 * by time only, so every level lasts the same.
 */
export function levelLoad(base: LoadSpec, over: 'rate' | 'concurrency', level: number, durationS: number, arrivals: 'constant' | 'poisson' = 'constant'): LoadSpec {
  const { stages: _s, requests: _r, concurrency: _c, rate: _x, type: _t, ...rest } = base;
  const shape = over === 'rate' ? { type: arrivals, rate: level } : { type: 'concurrency', concurrency: level };
  return LoadSpecSchema.parse({ ...rest, ...shape, durationS });
}

export async function runSweep(input: Scenario, opts: SweepRunOptions): Promise<SweepResult> {
  const t0 = performance.now();
  const scenario = opts.quick ? applyQuick(input) : input;
  const sweep = scenario.sweep;
  if (!sweep) throw new RoutebenchError('RB_CONFIG_INVALID', `scenario ${scenario.name} has no sweep section; add sweep: {ladder: …} or pass a ladder (--levels, --linear, --geometric, --auto)`, { field: 'sweep' });
  preflightScenario(scenario);
  assertCanWriteRun(opts.outDir, opts.force);
  // A sweep folder is refused as a whole, before its first level: not after overwriting scenario.json.
  if (!opts.force && existsSync(join(opts.outDir, 'sweep.json')))
    throw new RoutebenchError('RB_OUTPUT_EXISTS', `output folder ${opts.outDir} already holds a sweep; choose another --out or pass --force`, { field: 'outDir' });
  mkdirSync(opts.outDir, { recursive: true });
  writeJsonAtomic(join(opts.outDir, 'scenario.json'), scenario);
  const slos = sweepSlos(scenario);
  const durationS = sweep.levelDurationS ?? scenario.load.durationS ?? DEFAULT_LEVEL_DURATION_S;
  const unit = sweep.over === 'rate' ? 'req/s' : 'users';
  const targets = scenario.compareTargets ?? [{ name: 'main', target: scenario.target }];

  const results: SweepTarget[] = [];
  for (const t of targets) {
    if (opts.signal?.aborted) break;
    results.push(await sweepTarget(scenario, sweep, t, { slos, durationS, unit }, opts));
  }
  const cross = results.length === 2 ? slos.map((s) => ({ slo: s, at: crossings(curve(results[0]!, s), curve(results[1]!, s)) })) : [];
  const verdicts = sweepVerdicts(scenario, results, slos, cross, unit);
  const levelSummaries = results.flatMap((t) =>
    t.levels.flatMap((l, i) => (l.phase !== 'serial' && l.phase !== 'probe' && !l.clientBound ? [{ name: `${t.name} ${fmtNum(l.level)} ${unit}`, summary: t.summaries[i]! }] : [])),
  );
  const result: SweepResult = { scenario, outDir: opts.outDir, over: sweep.over, unit, slos, targets: results, crossings: cross, verdicts, levelSummaries, wallS: (performance.now() - t0) / 1000 };
  writeSweepFiles(result);
  return result;
}

/**
 * `--repeat N`: the whole sweep N times, one after another, into <outDir>/repeat-<i>/, summarized as `run --repeat`
 * summarizes (runner/repeat.ts): per verdict row the Pass/Fail/Inconclusive counts and each evidence number — the
 * SLO-max, last pass, first fail — as mean ± Student's t half-width over the N sweeps (the sweeps are the
 * independent samples; the levels inside one are not), and each level's TTFT/ITL p50/p99 the same way (a level
 * that ran in several sweeps). Writes repeat-summary.json.
 */
export function repeatSweep(scenario: Scenario, n: number, opts: SweepRunOptions): Promise<RepeatSummary> {
  return runRepeats(
    n,
    opts.outDir,
    async (dir) => {
      const r = await runSweep(scenario, { ...opts, outDir: dir });
      return { dir, verdicts: r.verdicts, mainVerdicts: r.verdicts, summaries: r.levelSummaries };
    },
    opts.signal,
  );
}

async function sweepTarget(
  scenario: Scenario,
  sweep: Sweep,
  t: { name: string; target: Scenario['target'] },
  ctx: { slos: Slo[]; durationS: number; unit: string },
  opts: SweepRunOptions,
): Promise<SweepTarget> {
  const levels: SweepLevel[] = [];
  const summaries: Summary[] = [];
  let description = '';
  let stoppedBy: string | null = null;
  const runLevel = async (phase: LevelPhase, over: 'rate' | 'concurrency', level: number): Promise<SweepLevel> => {
    const index = levels.length + 1;
    const tag = `${String(index).padStart(2, '0')}-${phase}-${over === 'rate' ? 'rate' : 'c'}${fmtNum(level)}`;
    const dir = join(opts.outDir, 'targets', t.name, tag);
    const s: Scenario = {
      ...scenario,
      name: `${scenario.name}--${t.name}--${tag}`,
      target: t.target,
      controls: [],
      compareTargets: undefined,
      sweep: undefined,
      load: levelLoad(scenario.load, over, level, ctx.durationS, sweep.arrivals),
    };
    opts.onLevel?.(t.name, phase, over, level);
    const run = await executeRun(s, `${t.name} ${over === 'rate' ? `${fmtNum(level)} req/s` : `${fmtNum(level)} users`}`, dir, opts);
    description = run.target;
    const lv = await describeLevel(run.evidence, { target: t.name, index, phase, over, level, dir: relative(opts.outDir, dir) || '.' }, ctx.slos, sweep, scenario);
    writeVerdictFiles(dir, levelVerdicts(scenario, t.name, lv));
    levels.push(lv);
    summaries.push(run.evidence.summary);
    return lv;
  };

  let ladder: number[];
  if (sweep.ladder.type === 'auto') {
    const serial = await runLevel('serial', 'concurrency', 1);
    const probe = opts.signal?.aborted ? null : await runLevel('probe', 'concurrency', sweep.ladder.probeConcurrency);
    ladder = probe ? autoRates(serial.throughput, probe.throughput, sweep.ladder.steps) : [];
    if (probe && ladder.length === 0) stoppedBy = 'the serial and probe levels served no requests: no rates to interpolate';
  } else {
    ladder = ladderLevels(sweep.ladder, sweep.over);
  }
  for (const level of ladder) {
    if (opts.signal?.aborted || stoppedBy) break;
    let lv = await runLevel('ladder', sweep.over, level);
    for (let retry = 0; lv.stop === 'client-bound' && retry < sweep.clientBoundRetries && !opts.signal?.aborted; retry++) lv = await runLevel('ladder', sweep.over, level);
    if (lv.stop) stoppedBy = `stopped after ${fmtNum(level)} ${ctx.unit}: ${lv.stopText}${lv.stop === 'client-bound' && sweep.clientBoundRetries > 0 ? ` (also on ${sweep.clientBoundRetries === 1 ? 'a second run' : `${sweep.clientBoundRetries} more runs`})` : ''}`;
  }
  let sloMax = findSloMax(levels, ctx.slos, ctx.unit, sweep.minRateShare);
  // Refinement between the last pass and the first fail (slo.ts nextRefineLevel: regula falsi, bisection when the
  // estimate hugs an end).
  for (let i = 0; i < sweep.refine && !opts.signal?.aborted; i++) {
    const x = nextRefineLevel(sloMax, levels, sweep.over);
    if (x === null) break;
    await runLevel('refine', sweep.over, x);
    sloMax = findSloMax(levels, ctx.slos, ctx.unit, sweep.minRateShare);
  }
  return { name: t.name, description, levels, summaries, sloMax, stoppedBy };
}

async function describeLevel(
  ev: RunEvidence,
  at: Pick<SweepLevel, 'target' | 'index' | 'phase' | 'over' | 'level' | 'dir'>,
  slos: readonly Slo[],
  sweep: Sweep,
  scenario: Scenario,
): Promise<SweepLevel> {
  const s = ev.summary;
  const o = s.dimensions.overall;
  const pcts = (m: 'ttft' | 'itl' | 'tpot' | 'e2e'): Pcts => ({ p50: o?.[m].p50 ?? null, p90: o?.[m].p90 ?? null, p99: o?.[m].p99 ?? null });
  const rs = recordStats(ev, slos);
  const servedRate = rs.servedRate;
  const client = s.meta.client as { bottleneck?: unknown; bottleneckReason?: unknown };
  const clientBound = client.bottleneck === true;
  const er = errorRate(ev);
  const shortfall = at.over === 'rate' && servedRate !== null && servedRate < sweep.minRateShare * at.level ? `served ${servedRate.toFixed(2)} req/s < ${Math.round(sweep.minRateShare * 100)}% of the ${fmtNum(at.level)} requested` : null;
  const rateMargin = at.over === 'rate' && servedRate !== null ? 1 - servedRate / (sweep.minRateShare * at.level) : null;
  const judgement = judgeLevel(ev, slos, { feature: scenario.feature, mode: scenario.mode, maxErrorRate: sweep.maxErrorRate, shortfall, rateMargin });
  let stop: StopReason | null = null;
  let stopText: string | null = null;
  // Serial and probe levels only measure the rates an auto ladder interpolates, and refine levels lie under the
  // first failing level: the stop rules are the ladder's.
  if (at.phase === 'ladder') {
    // Errors first: a server's errors are a fact even when the client also lagged — unless the client's own
    // failures (out of sockets: meta.client.clientErrors) are among them.
    const clientErrors = typeof (client as { clientErrors?: unknown }).clientErrors === 'number' ? ((client as { clientErrors: number }).clientErrors) : 0;
    if (er > sweep.maxErrorRate && clientErrors === 0) {
      stop = 'errors';
      stopText = `error rate ${(er * 100).toFixed(1)}% > ${(sweep.maxErrorRate * 100).toFixed(1)}%`;
    } else if (clientBound) {
      stop = 'client-bound';
      stopText = `client-bound (${typeof client.bottleneckReason === 'string' ? client.bottleneckReason : 'meta.client.bottleneck'})`;
    } else if (shortfall) {
      stop = 'short';
      stopText = shortfall;
    }
  }
  return {
    ...at,
    durationS: s.rates.durationS,
    requests: s.counts.sent,
    ok: s.counts.ok,
    errors: s.counts.error,
    errorRate: er,
    achievedSendRate: s.rates.achievedSendRate,
    throughput: s.rates.okPerS,
    servedRate,
    outputTokensPerS: s.rates.outputTokensPerS,
    goodput: rs.good !== null && s.rates.durationS > 0 ? rs.good / s.rates.durationS : null,
    goodputShare: rs.good !== null && rs.n > 0 ? rs.good / rs.n : null,
    latency: { ttft: pcts('ttft'), itl: pcts('itl'), tpot: pcts('tpot'), e2e: pcts('e2e') },
    clientBound,
    clientReason: typeof client.bottleneckReason === 'string' ? client.bottleneckReason : null,
    stop,
    stopText,
    judgement,
  };
}

/**
 * One pass over the level's records (streamed from requests.jsonl):
 *   - goodput as AIPerf and vLLM `--goodput` count it: requests that met every per-request bound (TTFT, TPOT, E2E
 *     at or under the SLO value). ITL SLOs are per token and left out, as vLLM's --goodput accepts only ttft, tpot
 *     and e2el (vllm/benchmarks/serve.py). null without such an SLO;
 *   - the served rate of the "fell short" rule (top of this file); null when it cannot be measured.
 */
function recordStats(ev: RunEvidence, slos: readonly Slo[]): { good: number | null; n: number; servedRate: number | null } {
  // (fewer than MIN_SERVED_SAMPLES completions in the window: servedRate null)
  if (!ev.records) return { good: null, n: 0, servedRate: null };
  const bounds = slos.filter((s) => s.metric !== 'itl');
  const lim = (m: 'ttft' | 'tpot' | 'e2e') => Math.min(...bounds.filter((s) => s.metric === m).map((s) => s.maxMs));
  const ttft = lim('ttft');
  const tpot = lim('tpot');
  const e2e = lim('e2e');
  let n = 0;
  let good = 0;
  let lastSent = -Infinity;
  const okEnds: number[] = [];
  for (const r of ev.records) {
    if (r.phase !== 'measure' || r.status === 'cancelled') continue;
    n++;
    lastSent = Math.max(lastSent, r.times.sent);
    if (r.status !== 'ok') continue;
    okEnds.push(r.times.end);
    if ((r.ttftMs === null ? ttft === Infinity : r.ttftMs <= ttft) && (r.tpotMs === null || r.tpotMs <= tpot) && (r.e2eMs === null ? e2e === Infinity : r.e2eMs <= e2e)) good++;
  }
  // Completions from the first one to the last send: (k − 1) gaps over the span from the first to the last of them.
  const inWindow = okEnds.filter((t) => t <= lastSent).sort((a, b) => a - b);
  const span = inWindow.length > 0 ? inWindow[inWindow.length - 1]! - inWindow[0]! : 0;
  const servedRate = inWindow.length >= MIN_SERVED_SAMPLES && span > 0 ? ((inWindow.length - 1) * 1000) / span : null;
  return { good: bounds.length > 0 ? good : null, n, servedRate };
}

/** The percentile curve of one SLO's metric against the requested level (ladder and refine runs the client kept up with). */
function curve(t: SweepTarget, s: Slo): Array<[number, number]> {
  const key = ({ 50: 'p50', 90: 'p90', 99: 'p99' } as Record<number, 'p50' | 'p90' | 'p99'>)[s.percentile];
  return t.levels
    .filter((l) => (l.phase === 'ladder' || l.phase === 'refine') && !l.clientBound)
    .flatMap((l) => {
      const v = key ? l.latency[s.metric][key] : l.judgement.slos.find((r) => sloKey(r.slo) === sloKey(s))?.valueMs ?? null;
      return v === null ? [] : [[l.level, v] as [number, number]];
    });
}

/** The level's own verdict rows (its folder's verdicts.json): one per SLO, as latency-slo judged it. */
function levelVerdicts(scenario: Scenario, target: string, lv: SweepLevel): Verdict[] {
  return lv.judgement.slos.map((r) => ({
    claim: 'latency-slo',
    feature: `${scenario.feature} [${target} @ ${fmtNum(lv.level)} ${lv.over === 'rate' ? 'req/s' : 'users'}]`,
    mode: scenario.mode,
    status: r.status,
    details: r.details,
    sources: ['summary:overall'],
    evidence: { slo: sloKey(r.slo), valueMs: r.valueMs },
    thresholds: { ...r.slo },
    ...(r.confidence && { confidence: [r.confidence] }),
  }));
}

/**
 * The verdict table of a sweep: one row per target naming its SLO-max, and with two targets one row answering
 * which serves more at the SLO and where their curves cross.
 *   per target — Pass: a level met every SLO at the Wilson bound (SLO-max found, interpolated or "≥ max");
 *                Fail: even the lowest level failed; Inconclusive: nothing decided.
 *   comparison — Pass when the brackets separate (one target's last pass is at or above the other's first
 *                fail, or one passed a level the other failed), naming the one that serves more; otherwise
 *                Inconclusive with both estimates.
 */
export function sweepVerdicts(scenario: Scenario, targets: readonly SweepTarget[], slos: readonly Slo[], cross: SweepResult['crossings'], unit: string): Verdict[] {
  if (slos.length === 0) return [];
  const sloText = slos.map(sloLabel).join(', ');
  const rows: Verdict[] = targets.map((t) => {
    const m = t.sloMax;
    const status: VerdictStatus = m.lastPass !== null ? 'Pass' : m.basis === 'below-lowest' ? 'Fail' : 'Inconclusive';
    return {
      claim: 'slo-max',
      feature: `${scenario.feature}: SLO-max ${unit === 'req/s' ? 'rate' : 'concurrency'} [${t.name}]`,
      mode: scenario.mode,
      status,
      details: `${sloText}: SLO-max ${m.text}${t.stoppedBy ? `; ladder ${t.stoppedBy}` : ''}`,
      sources: ['sweep.csv', 'summary:overall'],
      evidence: { target: t.name, sloMax: m.value, basis: m.basis, lastPass: m.lastPass, firstFail: m.firstFail, binding: m.bindingKey, levels: t.levels.length },
      thresholds: { slos: slos.map(sloKey) },
      ...(m.passConfidence.some((c) => c.confidence) && { confidence: m.passConfidence.flatMap((c) => (c.confidence ? [c.confidence] : [])) }),
    };
  });
  if (targets.length === 2) rows.push(compareVerdict(scenario, targets[0]!, targets[1]!, sloText, cross, unit));
  return rows;
}

function compareVerdict(scenario: Scenario, a: SweepTarget, b: SweepTarget, sloText: string, cross: SweepResult['crossings'], unit: string): Verdict {
  const u = (x: number | null) => (x === null ? '-' : `${fmtNum(x)} ${unit}`);
  const est = (t: SweepTarget) => `${t.name} ${t.sloMax.basis === 'at-least-max' ? '≥ ' : t.sloMax.basis === 'interpolated' || t.sloMax.basis === 'bracket-middle' ? '≈ ' : ''}${t.sloMax.value === null ? (t.sloMax.firstFail !== null ? `< ${u(t.sloMax.firstFail)}` : 'undecided') : u(t.sloMax.value)}`;
  // Separated: what one target passed, the other failed (a sure ordering, not a point-estimate one).
  const beats = (x: SweepTarget, y: SweepTarget) => x.sloMax.lastPass !== null && y.sloMax.firstFail !== null && x.sloMax.lastPass >= y.sloMax.firstFail;
  const winner = beats(a, b) ? a : beats(b, a) ? b : null;
  const crossText = cross
    .map((c) => `${c.slo.metric.toUpperCase()} p${c.slo.percentile} curves ${c.at.length > 0 ? `cross at ≈ ${c.at.map((x) => u(x)).join(', ')}` : 'do not cross in the range both tested'}`)
    .join('; ');
  const head = winner
    ? `${winner.name} serves more at ${sloText}: ${est(a)} vs ${est(b)} (${winner.name} passed ${u(winner.sloMax.lastPass)}, where ${(winner === a ? b : a).name} had already failed)`
    : `cannot tell which serves more at ${sloText}: ${est(a)} vs ${est(b)} (neither passed a level the other failed)`;
  return {
    claim: 'slo-max-compare',
    feature: `${scenario.feature}: which serves more at the SLO`,
    mode: scenario.mode,
    status: winner ? 'Pass' : 'Inconclusive',
    details: `${head}${crossText ? `; ${crossText}` : ''}`,
    sources: ['sweep.csv'],
    evidence: { winner: winner?.name ?? null, [a.name]: a.sloMax.value, [b.name]: b.sloMax.value, crossings: Object.fromEntries(cross.map((c) => [sloKey(c.slo), c.at])) },
    thresholds: {},
  };
}

function writeSweepFiles(r: SweepResult): void {
  writeJsonAtomic(join(r.outDir, 'sweep.json'), {
    scenario: r.scenario.name,
    over: r.over,
    unit: r.unit,
    slos: r.slos,
    targets: r.targets.map(({ summaries: _s, ...t }) => t),
    crossings: r.crossings,
    wallS: r.wallS,
  });
  writeFileSync(join(r.outDir, 'sweep.csv'), sweepCsv(r.targets.flatMap((t) => t.levels)));
  writeFileSync(join(r.outDir, 'slo-max.csv'), sloMaxCsv(r));
  writeVerdictFiles(r.outDir, r.verdicts);
  writeFileSync(join(r.outDir, 'report.html'), renderSweepReport(sweepReportData(r)));
}

/** The report's input: plain numbers per target and level (core renders it, knowing nothing of scenarios). */
export function sweepReportData(r: SweepResult): Parameters<typeof renderSweepReport>[0] {
  return {
    title: `routebench sweep — ${r.scenario.name}`,
    unit: r.unit,
    slos: r.slos.map((s) => ({ key: sloKey(s), label: sloLabel(s), metric: s.metric, percentile: s.percentile, maxMs: s.maxMs })),
    targets: r.targets.map((t) => ({
      name: t.name,
      description: t.description,
      sloMaxText: t.sloMax.text,
      sloMax: t.sloMax.value,
      stoppedBy: t.stoppedBy,
      levels: t.levels.map((l) => ({
        phase: l.phase,
        over: l.over,
        level: l.level,
        throughput: l.throughput,
        goodput: l.goodput,
        errorRate: l.errorRate,
        status: l.judgement.status,
        clientBound: l.clientBound,
        stop: l.stopText,
        latency: l.latency,
        dir: l.dir,
      })),
    })),
    verdicts: r.verdicts.map((v) => ({ feature: v.feature, status: v.status, details: v.details })),
    crossings: r.crossings.map((c) => ({ label: sloLabel(c.slo), at: c.at })),
  };
}
