// latency-slo: latency percentiles meet their targets, and optionally enough requests meet every per-request
// SLO at once (goodput). Percentiles come from the summary's HDR histograms for one dimension (overall by
// default). Goodput is exact from the records when the runner passes them; otherwise it is a lower bound
// from the histograms (Fréchet: P(all met) ≥ Σ P(each met) − (k − 1)), so it can only under-state goodput.
//
// Confidence: distribution-free, on the binomial, not a bootstrap. "p90 ≤ 2 s" is the same statement as
// "at least 90% of requests take ≤ 2 s", so each target is decided on the share of recorded values at or
// under maxMs (counted from the dimension's HDR histogram; a bucket straddling maxMs counts as over) with a
// Wilson interval against the percentile: Pass when its lower bound reaches e.g. 90%, Fail when its upper
// bound is under it. No assumption about the latency distribution is needed; the cost is sample size: a
// clean p90 needs ≥ 35 requests, a p99 ≥ 381. ITL values are token gaps, many per request and correlated
// within one, so an ITL interval is narrower than the requests justify. Goodput is the same test on the
// share of requests meeting every SLO (a histogram lower bound can only Pass, never Fail).
import { z } from 'zod';
import type { DimensionStats, LatencyStats } from '../record/summary.ts';
import { count, inconclusive, positive, share, type ClaimOutcome } from './claim-outcome.ts';
import type { ClaimContext } from './context.ts';
import { ms, num, pct, round } from './format.ts';
import { decideShare, settleTests, type LabelledTest } from './confidence.ts';
import { decodeHistogram } from '../record/histogram.ts';

const METRICS = ['ttft', 'itl', 'tpot', 'e2e'] as const;
type Metric = (typeof METRICS)[number];
const PERCENTILES = { 50: 'p50', 90: 'p90', 95: 'p95', 99: 'p99', 99.9: 'p999' } as const;
type PKey = (typeof PERCENTILES)[keyof typeof PERCENTILES];

const named: Record<string, z.ZodOptional<z.ZodNumber>> = {};
for (const m of METRICS) for (const p of ['P50', 'P90', 'P95', 'P99'] as const) named[`${m}${p}Ms`] = positive().optional();

export const LatencySloThresholdsSchema = z
  .strictObject({
    /** Single-target form: metric + percentile + maxMs (e.g. ttft p90 ≤ 2000 ms). */
    metric: z.enum(METRICS).optional(),
    percentile: z
      .number()
      .refine((p) => String(p) in PERCENTILES, { error: 'expected one of 50, 90, 95, 99, 99.9' })
      .optional(),
    maxMs: positive().optional(),
    /** Named targets, e.g. ttftP99Ms: 500, itlP50Ms: 20. */
    ...named,
    /** Summary dimension to judge (overall, model:<m>, tag:<k>=<v>, …). */
    dimension: z.string().min(1).default('overall'),
    minRequests: count().min(1).default(10),
    /** Share of requests that must meet every per-request SLO below. */
    minGoodput: share().optional(),
    sloTtftMs: positive().optional(),
    sloTpotMs: positive().optional(),
    sloE2eMs: positive().optional(),
  })
  .superRefine((t, ctx) => {
    const single = [t.metric, t.percentile, t.maxMs].filter((x) => x !== undefined).length;
    if (single > 0 && single < 3) ctx.addIssue({ code: 'custom', path: ['maxMs'], message: 'metric, percentile and maxMs go together' });
    const slos = [t.sloTtftMs, t.sloTpotMs, t.sloE2eMs].some((x) => x !== undefined);
    if (t.minGoodput !== undefined && !slos) ctx.addIssue({ code: 'custom', path: ['minGoodput'], message: 'set at least one of sloTtftMs, sloTpotMs, sloE2eMs' });
    const namedSet = Object.keys(named).some((k) => (t as Record<string, unknown>)[k] !== undefined);
    if (single === 0 && !namedSet && t.minGoodput === undefined)
      ctx.addIssue({ code: 'custom', path: [], message: 'no latency target: set metric+percentile+maxMs, a named target like ttftP99Ms, or minGoodput' });
  });
export type LatencySloThresholds = z.infer<typeof LatencySloThresholdsSchema>;

interface Target {
  metric: Metric;
  pkey: PKey;
  label: string;
  maxMs: number;
}

function targetsOf(t: LatencySloThresholds): Target[] {
  const out: Target[] = [];
  if (t.metric && t.percentile !== undefined && t.maxMs !== undefined) {
    const pkey = PERCENTILES[t.percentile as keyof typeof PERCENTILES];
    out.push({ metric: t.metric, pkey, label: `${t.metric.toUpperCase()} p${t.percentile}`, maxMs: t.maxMs });
  }
  for (const [k, v] of Object.entries(t)) {
    const m = /^(ttft|itl|tpot|e2e)P(50|90|95|99)Ms$/.exec(k);
    if (m && typeof v === 'number') out.push({ metric: m[1] as Metric, pkey: `p${m[2]}` as PKey, label: `${m[1].toUpperCase()} p${m[2]}`, maxMs: v });
  }
  return out;
}

/** Share of recorded values ≤ x, bounded from below by the percentile ladder. */
function shareAtMost(s: LatencyStats, x: number): number {
  const ladder: Array<[number, number | null]> = [
    [1, s.max],
    [0.999, s.p999],
    [0.99, s.p99],
    [0.95, s.p95],
    [0.9, s.p90],
    [0.5, s.p50],
  ];
  for (const [q, v] of ladder) if (v !== null && v <= x) return q;
  return 0;
}

/** Recorded values ≤ maxMs (whole HDR buckets only) and the total count, from a LatencyStats histogram. */
function countAtMost(s: LatencyStats, maxMs: number): { k: number; n: number } {
  if (s.count === 0 || !s.hist) return { k: 0, n: 0 };
  const h = decodeHistogram(s.hist, 'ms').hdr as unknown as {
    countsArrayLength: number;
    getCountAtIndex(i: number): number;
    valueFromIndex(i: number): number;
    highestEquivalentValue(v: number): number;
    totalCount: number;
  };
  const limit = maxMs * 1000; // the histogram holds integer µs
  let k = 0;
  for (let i = 0; i < h.countsArrayLength; i++) {
    const c = h.getCountAtIndex(i);
    if (c > 0 && h.highestEquivalentValue(h.valueFromIndex(i)) <= limit) k += c;
  }
  return { k, n: h.totalCount };
}

function goodput(ctx: ClaimContext, t: LatencySloThresholds, d: DimensionStats): { value: number; exact: boolean; n: number } {
  const slo: Array<[Metric, number | undefined]> = [
    ['ttft', t.sloTtftMs],
    ['tpot', t.sloTpotMs],
    ['e2e', t.sloE2eMs],
  ];
  if (ctx.main.records && t.dimension === 'overall') {
    // One pass over the records (they may be streamed from requests.jsonl).
    let n = 0;
    let ok = 0;
    for (const r of ctx.main.records) {
      if (r.phase !== 'measure' || r.status === 'cancelled') continue;
      n++;
      if (
        r.status === 'ok' &&
        (t.sloTtftMs === undefined || (r.ttftMs !== null && r.ttftMs <= t.sloTtftMs)) &&
        (t.sloTpotMs === undefined || r.tpotMs === null || r.tpotMs <= t.sloTpotMs) &&
        (t.sloE2eMs === undefined || (r.e2eMs !== null && r.e2eMs <= t.sloE2eMs))
      )
        ok++;
    }
    if (n > 0) return { value: ok / n, exact: true, n };
  }
  const n = d.count - d.cancelled;
  const okShare = n > 0 ? d.ok / n : 0;
  const parts = slo.filter(([, x]) => x !== undefined).map(([m, x]) => okShare * shareAtMost(d[m], x!));
  return { value: Math.max(0, parts.reduce((a, b) => a + b, 0) - (parts.length - 1)), exact: false, n };
}

export function evaluateLatencySlo(ctx: ClaimContext, t: LatencySloThresholds): ClaimOutcome {
  const d = ctx.main.summary.dimensions[t.dimension];
  if (!d) return inconclusive(`no requests in dimension '${t.dimension}'`);
  const sources = [`summary:${t.dimension}`];
  if (d.ok < t.minRequests) return inconclusive(`only ${d.ok} successful requests in '${t.dimension}' (need ${t.minRequests})`, sources);
  const results = targetsOf(t).map((tg) => ({ ...tg, value: d[tg.metric][tg.pkey] }));
  const missing = results.filter((r) => r.value === null);
  if (missing.length > 0) return inconclusive(`no ${missing.map((r) => r.label).join(', ')} data in '${t.dimension}'`, sources);
  const parts = results.map((r) => `${r.label} ${ms(r.value)} (target ≤ ${ms(r.maxMs)})`);
  let gp: ReturnType<typeof goodput> | null = null;
  if (t.minGoodput !== undefined) {
    gp = goodput(ctx, t, d);
    sources.push(gp.exact ? 'records' : 'summary:histograms');
    parts.push(`goodput ${gp.exact ? '' : '≥ '}${pct(gp.value)} of ${num(gp.n)} requests (target ≥ ${pct(t.minGoodput)})`);
  }
  const head = `${t.dimension === 'overall' ? '' : `${t.dimension}: `}${parts.join(', ')}; ${d.errors} errors`;
  const evidence = {
    dimension: t.dimension,
    requests: d.count,
    ok: d.ok,
    errors: d.errors,
    percentiles: Object.fromEntries(results.map((r) => [r.label, round(r.value, 3)])),
    goodput: gp ? { value: round(gp.value), exact: gp.exact, requests: gp.n } : null,
  };
  // Token stamps are never early but may be late by up to their arrival window (client/arrival.ts; the run's
  // p99 window is w). TTFT and E2E end on a late stamp after a send stamp taken before the write, so they can
  // only be over-stated: a Pass stands, and a Fail stands only if it holds with the target moved up by w. ITL
  // and TPOT are differences of two stamps, off by up to w either way: a Pass must also hold with the target
  // moved down by w. A decision the window could flip is Inconclusive, and says so.
  const client = ctx.main.summary.meta.client as Record<string, unknown>;
  const w = typeof client.arrivalWindowP99Ms === 'number' && client.arrivalWindowP99Ms > 0 ? client.arrivalWindowP99Ms : 0;
  const timingDoubts: string[] = [];
  const tests: LabelledTest[] = results.map((r) => {
    const q = Number(r.pkey.slice(1)) / (r.pkey === 'p999' ? 1000 : 100);
    const decideAt = (maxMs: number) => {
      const { k, n } = countAtMost(d[r.metric], maxMs);
      return decideShare(k, n, q, { test: `${r.metric} values ≤ ${ms(r.maxMs)} ≥ ${pct(q)} (${r.label} target, binomial)` });
    };
    const c = decideAt(r.maxMs);
    const twoSided = r.metric === 'itl' || r.metric === 'tpot';
    if (w > 0 && ((c.status === 'Fail' && decideAt(r.maxMs + w).status !== 'Fail') || (c.status === 'Pass' && twoSided && decideAt(Math.max(0, r.maxMs - w)).status !== 'Pass'))) {
      timingDoubts.push(`${r.label} ${c.status === 'Fail' ? 'over' : 'under'} target by less than the client's arrival window (p99 ${ms(w)})`);
      c.status = 'Inconclusive';
      c.neededN = null;
    }
    return {
      label: `${pct(q)} ≤ ${ms(r.maxMs)} (${r.label})`,
      failText: `${r.label} over target`,
      c,
    };
  });
  if (gp !== null && t.minGoodput !== undefined) {
    const c = decideShare(Math.round(gp.value * gp.n), gp.n, t.minGoodput, { test: `requests meeting every SLO ≥ ${pct(t.minGoodput)}${gp.exact ? '' : ' (lower bound)'}` });
    // A lower bound under the target proves nothing either way.
    if (!gp.exact && c.status === 'Fail') {
      c.status = 'Inconclusive';
      c.neededN = null;
    }
    tests.push({ label: `goodput ≥ ${pct(t.minGoodput)}`, failText: 'goodput below target', c });
  }
  const { confidence, status, ci, failures, open } = settleTests(tests);
  if (status === 'Fail') return { status, details: `${head} (${failures.join('; ')}); ${ci}`, sources, evidence, confidence };
  if (status === 'Inconclusive' && timingDoubts.length > 0)
    return {
      status,
      details: `${head}; timing too uncertain to decide: ${timingDoubts.join('; ')} — run the client on a less busy machine or with more --workers; ${ci}`,
      sources: [...sources, 'summary:meta.client'],
      evidence: { ...evidence, arrivalWindowP99Ms: w },
      confidence,
    };
  if (status === 'Inconclusive') {
    const lowerBound = gp !== null && !gp.exact && tests.some((x) => x.label.startsWith('goodput') && x.c.status === 'Inconclusive');
    const why = lowerBound ? ' (goodput is only a lower bound from histograms; pass the records for an exact value)' : '';
    return { status, details: `${head}${why}; too few requests to decide ${open.join(', ')} at ${pct(confidence[0].interval.level)}: ${ci}`, sources, evidence, confidence };
  }
  return { status: 'Pass', details: `${head}; ${ci}`, sources, evidence, confidence };
}
