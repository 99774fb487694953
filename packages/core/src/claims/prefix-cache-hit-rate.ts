// prefix-cache-hit-rate: does prefix-aware routing buy cache hits that random routing would not?
// The headline is the cluster's token hit rate over the run (vllm:prefix_cache_hits_total / _queries_total
// deltas, the seed's method; client cached_tokens / prompt_tokens when no pod was scraped). The decision is
// on requests, not tokens: the tokens of one request hit or miss together, so they are not independent trials.
//
// What "feature off" looks like: random routing. Under it a group's prefix is cached on the pod a request
// lands on only if an earlier request of the group happened to land there too. So the test unit is a request
// that could reuse a prefix (not the first of its group), scored by its "reuse capture" — cached tokens over
// the most any request of its group got from cache (the shareable prefix as the cache revealed it), in [0, 1].
// A [0, 1] unit has variance ≤ p(1−p), so the Wilson / Newcombe intervals on Σcapture of n are conservative.
// The bar: capture at least `minCaptureOfRandomMisses` (default half) of the reuse random routing misses,
// against (a) the random-picker control's measured capture when it ran (Newcombe interval of the lift), else
// (b) the expectation under uniform random routing over the run's pods: request i of its group (0-based, by
// send order) finds its prefix on the picked pod with probability 1 − (1 − 1/P)^i (eviction ignored).
// Floor: above the zero-reuse control (same lengths, nothing to share) when it ran, else `minHitRate`.
import { z } from 'zod';
import { CANONICAL_METRICS as METRIC } from '../evidence/metric-names.ts';
import type { RequestRecord } from '../record/request-record.ts';
import { inconclusive, share, type ClaimOutcome } from './claim-outcome.ts';
import { combineStatus, decideLift, decideShare, formatConfidence, type Confidence } from './confidence.ts';
import type { CacheState, ClaimContext, RunEvidence } from './context.ts';
import { counterSum, hasCounter, metricSource, podTargets, untrustedTargets } from './evidence-read.ts';
import { ms, num, pct, round } from './format.ts';

export const PrefixCacheHitRateThresholdsSchema = z.strictObject({
  /** Absolute floor on the per-request hit rate, used only when the zero-reuse control did not run. */
  minHitRate: share().default(0.05),
  /** Required lead of the hit rate over the zero-reuse control's (absolute). */
  minLiftOverControl: share().default(0.2),
  /** Share of the reuse that random routing misses which the router must capture (0.5 = half way to ideal). */
  minCaptureOfRandomMisses: share().default(0.5),
  /** Zero-reuse control to compare with; when set explicitly and missing, the verdict is Inconclusive. */
  control: z.string().min(1).optional(),
  /** Random-routing control (measured baseline); when it did not run the baseline is computed. */
  randomControl: z.string().min(1).default('random-picker'),
});
export type PrefixCacheHitRateThresholds = z.infer<typeof PrefixCacheHitRateThresholdsSchema>;

export const DEFAULT_HIT_RATE_CONTROL = 'zero-reuse';

export interface HitRate {
  rate: number;
  hits: number;
  queries: number;
  perPod: Record<string, { hits: number; queries: number; rate: number | null }>;
  source: string;
}

/** Server-side rate (preferred), else client-side cached/prompt tokens when the server reported any. */
export function measureHitRate(run: RunEvidence): HitRate | { problem: string } {
  const pods = podTargets(run).filter((t) => hasCounter(t, METRIC.prefixCacheQueries));
  if (pods.length > 0) {
    // A pod that could not be scraped may have served cached requests: the cluster rate would be a guess.
    const untrusted = untrustedTargets(run, podTargets(run));
    if (untrusted) return { problem: untrusted };
    const perPod: HitRate['perPod'] = {};
    let hits = 0;
    let queries = 0;
    for (const t of pods) {
      const h = counterSum(t, METRIC.prefixCacheHits);
      const q = counterSum(t, METRIC.prefixCacheQueries);
      perPod[t.name] = { hits: h, queries: q, rate: q > 0 ? round(h / q) : null };
      hits += h;
      queries += q;
    }
    if (queries === 0) return { problem: 'the pods counted no prefix cache queries in the window' };
    return { rate: hits / queries, hits, queries, perPod, source: metricSource('vllm:prefix_cache_hits_total') };
  }
  const tok = run.summary.counters.tokens;
  // 0 cached tokens in the summary is also what a server that does not report prompt_tokens_details gives:
  // evidence only when the records show the server did report the field (cachedTokens not null).
  const reported = tok.cached > 0 || someRecord(run.records, (r) => r.cachedTokens !== null);
  if (reported && tok.prompt > 0)
    return { rate: tok.cached / tok.prompt, hits: tok.cached, queries: tok.prompt, perPod: {}, source: 'usage:prompt_tokens_details.cached_tokens' };
  return { problem: 'no prefix cache counters scraped (vllm:prefix_cache_queries_total) and no cached_tokens reported by the server' };
}

/** Per-request view of a run, from the records' cached_tokens (null when the server did not report them). */
export interface RequestUnits {
  /** Σ cached/prompt over measured ok requests, and their count (the hit rate in request units). */
  hitSum: number;
  requests: number;
  /** Σ reuse capture over requests that could reuse a prefix, and their count. */
  captureSum: number;
  reusable: number;
  /** Expected Σ capture of those requests under uniform random routing over `pods` pods. */
  randomExpectedSum: number;
  pods: number;
  /** TTFT p50 (ms) of requests that got ≥ half their prompt from cache, and of those that got none. */
  ttftHitP50: number | null;
  ttftMissP50: number | null;
  ttftP50: number | null;
}

export function requestUnits(run: RunEvidence): RequestUnits | null {
  if (!run.records) return null;
  // Iterate once (the records may be streamed from requests.jsonl).
  const rs: RequestRecord[] = [];
  for (const r of run.records) if (r.phase === 'measure' && r.status === 'ok' && r.promptTokens && r.cachedTokens !== null) rs.push(r);
  if (rs.length === 0) return null;
  rs.sort((a, b) => a.seq - b.seq);
  const maxCached = new Map<string, number>();
  for (const r of rs) if (r.groupId) maxCached.set(r.groupId, Math.max(maxCached.get(r.groupId) ?? 0, r.cachedTokens!));
  const podSet = new Set(rs.map((r) => r.pod).filter((p): p is string => p !== null));
  const pods = Math.max(podSet.size, Object.keys(run.podRoles ?? {}).length, 1);
  const seen = new Map<string, number>();
  let hitSum = 0;
  let captureSum = 0;
  let reusable = 0;
  let randomExpectedSum = 0;
  const hitT: number[] = [];
  const missT: number[] = [];
  const allT: number[] = [];
  for (const r of rs) {
    const f = Math.min(1, r.cachedTokens! / r.promptTokens!);
    hitSum += f;
    if (r.ttftMs !== null) {
      allT.push(r.ttftMs);
      if (f >= 0.5) hitT.push(r.ttftMs);
      else if (r.cachedTokens === 0) missT.push(r.ttftMs);
    }
    if (!r.groupId) continue;
    const i = seen.get(r.groupId) ?? 0;
    seen.set(r.groupId, i + 1);
    if (i === 0) continue;
    reusable++;
    const shareable = maxCached.get(r.groupId) ?? 0;
    captureSum += shareable > 0 ? Math.min(1, r.cachedTokens! / shareable) : 0;
    randomExpectedSum += 1 - (1 - 1 / pods) ** i;
  }
  return { hitSum, requests: rs.length, captureSum, reusable, randomExpectedSum, pods, ttftHitP50: median(hitT), ttftMissP50: median(missT), ttftP50: median(allT) };
}

export function evaluatePrefixCacheHitRate(ctx: ClaimContext, t: PrefixCacheHitRateThresholds): ClaimOutcome {
  const m = measureHitRate(ctx.main);
  if ('problem' in m) return inconclusive(m.problem);
  const sources = [m.source];
  const tok = ctx.main.summary.counters.tokens;
  const clientRate = tok.prompt > 0 && tok.cached > 0 ? tok.cached / tok.prompt : null;
  if (clientRate !== null && m.source.startsWith('metrics:')) sources.push('usage:prompt_tokens_details.cached_tokens');

  const zrName = t.control ?? DEFAULT_HIT_RATE_CONTROL;
  const zr = ctx.controls[zrName];
  if (t.control && !zr) return inconclusive(`control run '${t.control}' is required but missing`, sources);
  const rnd = ctx.controls[t.randomControl];

  const u = requestUnits(ctx.main);
  const ru = rnd ? requestUnits(rnd) : null;
  // Without per-request cached_tokens the counters are all there is: request count as n (approximate: it
  // treats the token rate as if it were a rate over independent requests).
  const approx = u === null;
  const nReq = u?.requests ?? ctx.main.summary.counts.finished;
  const hitK = u ? u.hitSum : m.rate * nReq;

  const tests: Array<{ c: Confidence; fail: string; label: string }> = [];
  const notes: string[] = [];
  let controlHitRate: number | null = null;
  let randomRate: number | null = null;
  let randomBasis: 'control' | 'computed' | null = null;
  let rm: ReturnType<typeof measureHitRate>;

  // Floor: above zero reuse.
  if (zr) {
    const zu = requestUnits(zr);
    const zm = measureHitRate(zr);
    if ('problem' in zm && !zu) notes.push(`control '${zrName}' unusable (${zm.problem})`);
    else {
      const zn = zu?.requests ?? zr.summary.counts.finished;
      const zk = zu ? zu.hitSum : 'rate' in zm ? zm.rate * zn : 0;
      controlHitRate = 'rate' in zm ? zm.rate : zn > 0 ? zk / zn : 0;
      sources.push(`control:${zrName}`);
      notes.push(`control '${zrName}' ${pct(controlHitRate)}`);
      tests.push({ c: decideLift(hitK, nReq, zk, zn, t.minLiftOverControl, { test: `hit rate − control '${zrName}' ≥ ${pct(t.minLiftOverControl)}` }), fail: `not ${pct(t.minLiftOverControl)} above the control`, label: `vs '${zrName}'` });
    }
  } else {
    tests.push({ c: decideShare(hitK, nReq, t.minHitRate, { test: `per-request hit rate ≥ ${pct(t.minHitRate)}` }), fail: `below ${pct(t.minHitRate)}`, label: 'floor' });
  }

  // Against random routing: reuse capture, measured (control) or computed.
  if (u && u.reusable > 0) {
    const capture = u.captureSum / u.reusable;
    if (ru && ru.reusable > 0) {
      const r = ru.captureSum / ru.reusable;
      const margin = t.minCaptureOfRandomMisses * (1 - r);
      randomRate = r;
      randomBasis = 'control';
      sources.push(`control:${t.randomControl}`);
      tests.push({
        c: decideLift(u.captureSum, u.reusable, ru.captureSum, ru.reusable, margin, { test: `reuse capture − control '${t.randomControl}' ≥ ${pct(margin)}` }),
        fail: `captures ${pct(capture)} of reusable prefixes vs ${pct(r)} under control '${t.randomControl}', not ${pct(t.minCaptureOfRandomMisses)} of the way to 100%`,
        label: `vs '${t.randomControl}' (lift ≥ ${pct(margin)})`,
      });
    } else {
      const e = u.randomExpectedSum / u.reusable;
      const bar = e + t.minCaptureOfRandomMisses * (1 - e);
      randomRate = e;
      randomBasis = 'computed';
      tests.push({
        c: decideShare(u.captureSum, u.reusable, bar, { test: `reuse capture ≥ ${pct(bar)} (random over ${u.pods} pods would give ${pct(e)})` }),
        fail: `captures ${pct(capture)} of reusable prefixes; random routing over ${u.pods} pods would give ${pct(e)}, bar ${pct(bar)}`,
        label: `vs computed random (≥ ${pct(bar)})`,
      });
    }
  } else if (u && u.reusable === 0) {
    notes.push('no request shared a prefix with an earlier one (nothing for routing to reuse)');
  } else if (rnd && 'rate' in (rm = measureHitRate(rnd))) {
    // Counters only: token rates over request counts, lift above 0 (no per-request ceiling to scale by).
    const rn = rnd.summary.counts.finished;
    randomRate = rm.rate;
    randomBasis = 'control';
    sources.push(`control:${t.randomControl}`);
    tests.push({ c: decideLift(hitK, nReq, rm.rate * rn, rn, 0, { test: `hit rate − control '${t.randomControl}' > 0` }), fail: `not above control '${t.randomControl}' (${pct(rm.rate)})`, label: `vs '${t.randomControl}'` });
  } else {
    notes.push('no per-request cached_tokens and no random-picker control: not compared with random routing');
  }

  const capture = u && u.reusable > 0 ? u.captureSum / u.reusable : null;
  const podText = Object.entries(m.perPod)
    .map(([p, v]) => `${p} ${pct(v.rate)}`)
    .join(', ');
  const captureText = approx && randomRate !== null ? `; control '${t.randomControl}' ${pct(randomRate)}` : capture !== null && randomRate !== null ? `; reuse capture ${pct(capture)} vs random ${pct(randomRate)} (${randomBasis === 'control' ? `control '${t.randomControl}'` : 'computed'})` : '';
  const ttftText = u && u.ttftHitP50 !== null && u.ttftMissP50 !== null ? `; TTFT p50 ${ms(u.ttftHitP50)} on hits vs ${ms(u.ttftMissP50)} on misses` : '';
  const cacheText = describeCache(ctx.main.cacheState);
  const head = `${pct(m.rate)} cache hit rate (${num(m.hits)}/${num(m.queries)} prompt tokens${podText ? `; ${podText}` : ''})${captureText}${notes.length ? `; ${notes.join('; ')}` : ''}${ttftText}${cacheText ? `; ${cacheText}` : ''}`;
  const confidence = tests.map((x) => x.c);
  const ci = `${tests.map((x) => `${x.label}: ${formatConfidence(x.c)}`).join('; ')}${approx ? ' (approximate: counters only, n = requests)' : ' (per-request units)'}`;
  const evidence = {
    hitRate: round(m.rate),
    hits: m.hits,
    queries: m.queries,
    perPod: m.perPod,
    clientCachedShare: round(clientRate),
    controlHitRate: round(controlHitRate),
    requestHitRate: round(nReq > 0 ? hitK / nReq : null),
    requests: nReq,
    reusableRequests: u?.reusable ?? null,
    reuseCapture: round(capture),
    randomCapture: round(randomRate),
    randomBasis,
    intervalApproximate: approx,
    ttftHitP50Ms: round(u?.ttftHitP50 ?? null, 2),
    ttftMissP50Ms: round(u?.ttftMissP50 ?? null, 2),
    ttftP50Ms: round(u?.ttftP50 ?? null, 2),
    randomControlTtftP50Ms: round(ru?.ttftP50 ?? null, 2),
    ...(ctx.main.cacheState && { cacheState: ctx.main.cacheState }),
  };
  // Without a random baseline the hit rate says nothing about routing: never a Pass on the floor alone.
  const judged = combineStatus(confidence);
  const status = judged === 'Pass' && randomBasis === null ? 'Inconclusive' : judged;
  const failures = tests.filter((x) => x.c.status === 'Fail').map((x) => x.fail);
  if (status === 'Fail') return { status, details: `${head} (${failures.join(', ')}); ${ci}`, sources, evidence, confidence };
  if (status === 'Inconclusive' && judged === 'Pass') return { status, details: `${head}; no random-routing baseline to judge the routing by: ${ci}`, sources, evidence, confidence };
  if (status === 'Inconclusive') return { status, details: `${head}; too few requests to decide at ${pct(confidence[0]!.interval.level)}: ${ci}`, sources, evidence, confidence };
  return { status, details: `${head}; ${ci}`, sources, evidence, confidence };
}

/** What the pods had cached when the run began, for the row. */
function describeCache(c: CacheState | undefined): string {
  if (!c) return '';
  const pods = Object.entries(c.pods);
  if (pods.length === 0) return 'cache state unknown (no pod URL to reset): judged on counter deltas';
  if (c.cold) return 'cache reset before the run';
  const why = [...new Set(pods.filter(([, v]) => v.outcome !== 'reset').map(([, v]) => v.outcome.replace('-', ' ')))].join(', ');
  return `cache was warm (reset ${why}): judged on counter deltas`;
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

function someRecord<T>(records: Iterable<T> | undefined, test: (r: T) => boolean): boolean {
  if (records) for (const r of records) if (test(r)) return true;
  return false;
}
