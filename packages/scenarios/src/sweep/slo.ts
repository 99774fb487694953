// SLO judgement of one sweep level, and the SLO-max search over a target's levels.
//
// A level is judged with the latency-slo claim (core/src/claims/latency-slo.ts), one claim per SLO: "TTFT p90 ≤
// 2 s" is decided on the share of requests at or under 2 s with a Wilson interval against 90% (Pass when the lower
// bound reaches 90%, Fail when the upper bound is under it, otherwise Inconclusive), and a level whose client was
// the bottleneck is Inconclusive (claims read meta.client.bottleneck). A level whose error share is over the
// sweep's maxErrorRate fails whatever its latencies: errors are not service; so does a rate level that served
// under minRateShare of its rate (run-sweep.ts "fell short"): the rate was not served.
//
// SLO-max, per target, over the ladder's levels in ascending order (the serial and probe levels of an auto ladder
// are not rate levels and are left out):
//   - the first failing level F is the lowest level that Failed;
//   - the last passing level P is the highest level under F that Passed (every SLO, at the Wilson bound);
//   - both found: SLO-max is interpolated between P and F. Per SLO, the margin m = measured / target − 1 is ≤ 0 at
//     P and > 0 at F; the straight line between them crosses 0 at P + (F − P)·(−m_P)/(m_F − m_P); the lowest
//     crossing over the SLOs is the estimate (vLLM serve_sla.py takes the worst margin of its SLA criteria and
//     finds its root by PCHIP over every level; between two levels we draw the line). Rate levels add one more
//     criterion, the served rate (margin 1 − served / (minRateShare × requested)): a level short of its rate fails.
//     When F failed on errors alone (no margin over 0) the estimate is the bracket's middle, and says so;
//   - P but no F: "≥ P" (no level failed: the ceiling was not reached);
//   - F but no P: "< F" when F is the lowest level tested (even the lowest level failed), else Inconclusive;
//   - neither: Inconclusive (too few requests to decide any level).
// The point estimate is as good as the straight line; the sure statement is the bracket [P, F).
import { evaluateClaims, type Confidence, type RunEvidence, type VerdictStatus } from '@routebench/core';
import { roundLevel, type Slo } from './ladder.ts';

export type LevelPhase = 'serial' | 'probe' | 'ladder' | 'refine';
export type StopReason = 'client-bound' | 'errors' | 'short';

export interface SloResult {
  slo: Slo;
  /** The measured percentile (ms); null when the level has no such data. */
  valueMs: number | null;
  status: VerdictStatus;
  /** The binomial test behind the status (share of values ≤ target vs the percentile); absent when not judged. */
  confidence: Confidence | null;
  details: string;
}

export interface LevelJudgement {
  status: VerdictStatus;
  slos: SloResult[];
  /** Why the status (one line). */
  reason: string;
  /**
   * Rate levels: 1 − served / (minRateShare × requested) — ≤ 0 when the level served its rate, > 0 when it fell
   * short; null for concurrency levels or when the served rate could not be measured.
   */
  rateMargin?: number | null;
}

export const sloKey = (s: Slo) => `${s.metric}.p${s.percentile}<=${s.maxMs}`;
export const sloLabel = (s: Slo) => `${s.metric.toUpperCase()} p${s.percentile} ≤ ${fmtNum(s.maxMs)} ms`;

const PKEY: Record<number, 'p50' | 'p90' | 'p95' | 'p99' | 'p999'> = { 50: 'p50', 90: 'p90', 95: 'p95', 99: 'p99', 99.9: 'p999' };

/** The level's measured percentile for an SLO (overall dimension), ms. */
export function measuredMs(evidence: RunEvidence, s: Slo): number | null {
  const d = evidence.summary.dimensions.overall;
  return d ? d[s.metric][PKEY[s.percentile]] : null;
}

/** Errors over finished measured requests (cancelled ones are neither). */
export function errorRate(evidence: RunEvidence): number {
  const c = evidence.summary.counts;
  const done = c.ok + c.error;
  return done > 0 ? c.error / done : 0;
}

/**
 * Judge one level on every SLO (latency-slo claim each), on the error ceiling, and — rate levels — on whether it
 * served its rate: a level served under `minRateShare` of the requested rate did not serve that rate, whatever its
 * latencies (`shortfall` is the run-sweep's "fell short" text, or null).
 */
export function judgeLevel(evidence: RunEvidence, slos: readonly Slo[], opts: { feature: string; mode: string; maxErrorRate: number; shortfall?: string | null; rateMargin?: number | null }): LevelJudgement {
  const j = judgeOnly(evidence, slos, opts);
  return { ...j, rateMargin: opts.rateMargin ?? null };
}

function judgeOnly(evidence: RunEvidence, slos: readonly Slo[], opts: { feature: string; mode: string; maxErrorRate: number; shortfall?: string | null }): LevelJudgement {
  const verdicts = evaluateClaims(
    slos.map((s) => ({ id: 'latency-slo', metric: s.metric, percentile: s.percentile, maxMs: s.maxMs })),
    { feature: opts.feature, mode: opts.mode, main: evidence, controls: {} },
  );
  const results: SloResult[] = slos.map((s, i) => ({
    slo: s,
    valueMs: measuredMs(evidence, s),
    status: verdicts[i]!.status,
    confidence: verdicts[i]!.confidence?.[0] ?? null,
    details: verdicts[i]!.details,
  }));
  const er = errorRate(evidence);
  if (er > opts.maxErrorRate) return { status: 'Fail', slos: results, reason: `error rate ${pct(er)} > ${pct(opts.maxErrorRate)}` };
  if (opts.shortfall && !evidence.summary.meta.client.bottleneck) return { status: 'Fail', slos: results, reason: opts.shortfall };
  if (slos.length === 0) return { status: 'Inconclusive', slos: results, reason: 'no SLO to judge' };
  const failed = results.filter((r) => r.status === 'Fail');
  if (failed.length > 0) return { status: 'Fail', slos: results, reason: `${failed.map((r) => sloLabel(r.slo)).join(', ')} missed` };
  const open = results.filter((r) => r.status === 'Inconclusive');
  if (open.length > 0) return { status: 'Inconclusive', slos: results, reason: open[0]!.details };
  return { status: 'Pass', slos: results, reason: 'every SLO met' };
}

/** What the SLO-max search needs of a level. */
export interface SearchPoint {
  level: number;
  phase: LevelPhase;
  judgement: LevelJudgement;
}

export type SloMaxBasis = 'interpolated' | 'bracket-middle' | 'at-least-max' | 'below-lowest' | 'inconclusive' | 'no-slo';

export interface SloMax {
  /** Point estimate of the highest level meeting every SLO; null when there is none. */
  value: number | null;
  basis: SloMaxBasis;
  /** Highest level that passed (under the first failing one). */
  lastPass: number | null;
  /** Lowest level that failed. */
  firstFail: number | null;
  /** The SLO that binds at the estimate (lowest crossing), when interpolated on an SLO's margin. */
  binding: Slo | null;
  /** What binds at the estimate: an SLO key (ttft.p90<=500) or "served-rate"; null unless interpolated. */
  bindingKey: string | null;
  /** Per SLO at the last passing level: the Wilson interval of the share under target (how sure the pass is). */
  passConfidence: Array<{ slo: Slo; confidence: Confidence | null }>;
  /** One line: "≈ 23.4 req/s (interpolated between 20 and 30; …)". */
  text: string;
}

/** The SLO-max of one target (rules at the top of this file). `unit` is "req/s" or "users". */
export function findSloMax(points: readonly SearchPoint[], slos: readonly Slo[], unit: string, minRateShare = 0.9): SloMax {
  const none = (basis: SloMaxBasis, text: string, extra: Partial<SloMax> = {}): SloMax => ({ value: null, basis, lastPass: null, firstFail: null, binding: null, bindingKey: null, passConfidence: [], text, ...extra });
  if (slos.length === 0) return none('no-slo', 'no SLO given');
  const ladder = points.filter((p) => p.phase === 'ladder' || p.phase === 'refine').sort((a, b) => a.level - b.level);
  if (ladder.length === 0) return none('inconclusive', 'no ladder level ran');
  const f = ladder.find((p) => p.judgement.status === 'Fail') ?? null;
  const p = [...ladder].reverse().find((x) => x.judgement.status === 'Pass' && (f === null || x.level < f.level)) ?? null;
  const u = (x: number) => `${fmtNum(x)} ${unit}`;
  const conf = p ? p.judgement.slos.map((r) => ({ slo: r.slo, confidence: r.confidence })) : [];
  const sure = p ? ` (at ${u(p.level)}: ${p.judgement.slos.map((r) => confidenceText(r)).join('; ')})` : '';
  if (p && !f) {
    return { value: p.level, basis: 'at-least-max', lastPass: p.level, firstFail: null, binding: null, bindingKey: null, passConfidence: conf, text: `≥ ${u(p.level)} (no level failed; the highest passing level tested${ladder[ladder.length - 1]!.level > p.level ? ', levels above it were inconclusive' : ''})${sure}` };
  }
  if (!p && f) {
    if (f === ladder[0]) return none('below-lowest', `< ${u(f.level)} (the lowest level tested already failed: ${f.judgement.reason})`, { firstFail: f.level });
    return none('inconclusive', `undecided, < ${u(f.level)}: no lower level passed with confidence (${ladder[0]!.judgement.reason})`, { firstFail: f.level });
  }
  if (!p || !f) return none('inconclusive', `undecided: no level passed or failed with confidence (${ladder[ladder.length - 1]!.judgement.reason})`);
  // Each SLO's margin, and the served-rate margin of rate levels (a level short of its rate fails too).
  let best: { x: number; slo: Slo | null; key: string; label: string } | null = null;
  const criteria: Array<{ slo: Slo | null; key: string; label: string; mp: number | null; mf: number | null }> = [
    ...slos.map((s) => ({ slo: s, key: sloKey(s), label: sloLabel(s), mp: margin(p, s), mf: margin(f, s) })),
    { slo: null, key: 'served-rate', label: `served rate ≥ ${pct(minRateShare)} of requested`, mp: p.judgement.rateMargin ?? null, mf: f.judgement.rateMargin ?? null },
  ];
  for (const c of criteria) {
    if (c.mp === null || c.mf === null || !(c.mf > 0)) continue;
    const t = c.mp >= 0 ? 0 : -c.mp / (c.mf - c.mp);
    const x = p.level + (f.level - p.level) * t;
    if (!best || x < best.x) best = { x, slo: c.slo, key: c.key, label: c.label };
  }
  const bracket = `between ${u(p.level)} (last pass) and ${u(f.level)} (first fail)`;
  if (!best) {
    const mid = roundTo((p.level + f.level) / 2);
    return { value: mid, basis: 'bracket-middle', lastPass: p.level, firstFail: f.level, binding: null, bindingKey: null, passConfidence: conf, text: `≈ ${u(mid)} (middle of the bracket ${bracket}: the failing level failed on ${f.judgement.reason}, not on a measured margin)${sure}` };
  }
  const x = roundTo(best.x);
  return { value: x, basis: 'interpolated', lastPass: p.level, firstFail: f.level, binding: best.slo, bindingKey: best.key, passConfidence: conf, text: `≈ ${u(x)} (${best.label} interpolated linearly ${bracket})${sure}` };
}

/**
 * The next level between the last pass and the first fail: at the current estimate (regula falsi, as vLLM's
 * serve_sla probes the root of its interpolant), or at the middle (bisection) when the estimate lies within a tenth
 * of the bracket from either end — a latency that is flat up to the knee and jumps past it puts the straight line's
 * root next to the last pass, and probing there again and again would narrow the bracket by a tenth each time.
 * Whole users for concurrency. null when there is no bracket, or the level would repeat one already run.
 */
export function nextRefineLevel(m: SloMax, ran: ReadonlyArray<Pick<SearchPoint, 'level' | 'phase'>>, over: 'rate' | 'concurrency'): number | null {
  if (m.lastPass === null || m.firstFail === null || m.value === null) return null;
  const lo = m.lastPass;
  const hi = m.firstFail;
  const edge = 0.1 * (hi - lo);
  const raw = m.value < lo + edge || m.value > hi - edge ? (lo + hi) / 2 : m.value;
  const x = over === 'concurrency' ? Math.round(raw) : roundLevel(raw);
  if (!(x > lo && x < hi)) return null;
  if (ran.some((l) => l.level === x && (l.phase === 'ladder' || l.phase === 'refine'))) return null;
  return x;
}

function margin(p: SearchPoint, s: Slo): number | null {
  const r = p.judgement.slos.find((x) => x.slo === s || sloKey(x.slo) === sloKey(s));
  if (!r || r.valueMs === null) return null;
  return r.valueMs / s.maxMs - 1;
}

/** "TTFT p90 ≤ 2000 ms: 98.4% under, 95% Wilson lower bound 91.7% ≥ 90%". */
export function confidenceText(r: SloResult): string {
  const c = r.confidence;
  if (!c) return `${sloLabel(r.slo)}: ${r.status}`;
  const lvl = Math.round(c.interval.level * 100);
  return `${sloLabel(r.slo)}: ${pct(c.observed)} of ${c.n} under, ${lvl}% Wilson lower bound ${pct(c.interval.lower)} ${c.interval.lower >= c.bar ? '≥' : '<'} ${pct(c.bar)}`;
}

/** Curves closer than this share of the higher one are level there: no order, so no crossing. */
export const CROSSING_TOLERANCE = 0.2;

/**
 * Where two piecewise-linear curves y(x) cross over their common x range: where their order reverses. The order
 * counts only where they differ by at least CROSSING_TOLERANCE of the higher value — two latency curves a few
 * percent apart at low load are level (noise), not crossing. The crossing is the zero of the difference on the
 * straight line between the last point of one order and the first of the other.
 */
export function crossings(a: ReadonlyArray<[number, number]>, b: ReadonlyArray<[number, number]>, tolerance = CROSSING_TOLERANCE): number[] {
  const sa = [...a].sort((x, y) => x[0] - y[0]);
  const sb = [...b].sort((x, y) => x[0] - y[0]);
  if (sa.length < 2 || sb.length < 2) return [];
  const lo = Math.max(sa[0]![0], sb[0]![0]);
  const hi = Math.min(sa[sa.length - 1]![0], sb[sb.length - 1]![0]);
  if (!(hi > lo)) return [];
  const xs = [...new Set([...sa, ...sb].map((p) => p[0]).filter((x) => x >= lo && x <= hi))].sort((x, y) => x - y);
  const out: number[] = [];
  let last: { x: number; d: number } | null = null;
  for (const x of xs) {
    const ya = interp(sa, x);
    const yb = interp(sb, x);
    const d = ya - yb;
    if (Math.abs(d) < tolerance * Math.max(Math.abs(ya), Math.abs(yb))) continue;
    if (last && Math.sign(last.d) !== Math.sign(d)) out.push(roundTo(last.x + ((x - last.x) * last.d) / (last.d - d)));
    last = { x, d };
  }
  return out;
}

function interp(pts: ReadonlyArray<[number, number]>, x: number): number {
  for (let i = 1; i < pts.length; i++) {
    const [x0, y0] = pts[i - 1]!;
    const [x1, y1] = pts[i]!;
    if (x >= x0 && x <= x1) return x1 === x0 ? y0 : y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
  }
  return pts[pts.length - 1]![1];
}

const roundTo = (x: number) => Number(x.toPrecision(4));
const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
export const fmtNum = (x: number) => String(Number(x.toPrecision(4)));
