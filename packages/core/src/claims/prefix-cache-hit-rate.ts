// prefix-cache-hit-rate: the cluster's prefix cache hit rate over the run, from the model servers' token
// counters (vllm:prefix_cache_hits_total / vllm:prefix_cache_queries_total deltas, the seed's method), with
// the client-side usage.prompt_tokens_details.cached_tokens / prompt_tokens as a second view; compared with
// the zero-reuse control (same lengths, nothing to share) when it ran.
import { z } from 'zod';
import { CANONICAL_METRICS as METRIC } from '../evidence/metric-names.ts';
import { inconclusive, share, type ClaimOutcome } from './claim-outcome.ts';
import type { ClaimContext, RunEvidence } from './context.ts';
import { counterSum, hasCounter, metricSource, podTargets, untrustedTargets } from './evidence-read.ts';
import { num, pct, round } from './format.ts';

export const PrefixCacheHitRateThresholdsSchema = z.strictObject({
  minHitRate: share().default(0.5),
  /** Required lead over the zero-reuse control's hit rate (absolute). */
  minLiftOverControl: share().default(0.2),
  /** Control run to compare with; when set explicitly and missing, the verdict is Inconclusive. */
  control: z.string().min(1).optional(),
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

export function evaluatePrefixCacheHitRate(ctx: ClaimContext, t: PrefixCacheHitRateThresholds): ClaimOutcome {
  const m = measureHitRate(ctx.main);
  if ('problem' in m) return inconclusive(m.problem);
  const sources = [m.source];
  const tok = ctx.main.summary.counters.tokens;
  const clientRate = tok.prompt > 0 && tok.cached > 0 ? tok.cached / tok.prompt : null;
  if (clientRate !== null && m.source.startsWith('metrics:')) sources.push('usage:prompt_tokens_details.cached_tokens');

  const controlName = t.control ?? DEFAULT_HIT_RATE_CONTROL;
  const control = ctx.controls[controlName];
  if (t.control && !control) return inconclusive(`control run '${t.control}' is required but missing`, sources);
  let controlRate: number | null = null;
  let controlNote = '';
  if (control) {
    const c = measureHitRate(control);
    if ('problem' in c) controlNote = `; control '${controlName}' unusable (${c.problem})`;
    else {
      controlRate = c.rate;
      controlNote = `; control '${controlName}' ${pct(c.rate)}`;
      sources.push(`control:${controlName}`);
    }
  }
  const podText = Object.entries(m.perPod)
    .map(([p, v]) => `${p} ${pct(v.rate)}`)
    .join(', ');
  const head = `${pct(m.rate)} cache hit rate (${num(m.hits)}/${num(m.queries)} prompt tokens${podText ? `; ${podText}` : ''})${controlNote}`;
  const evidence = {
    hitRate: round(m.rate),
    hits: m.hits,
    queries: m.queries,
    perPod: m.perPod,
    clientCachedShare: round(clientRate),
    controlHitRate: round(controlRate),
  };
  const failures: string[] = [];
  if (m.rate < t.minHitRate) failures.push(`below ${pct(t.minHitRate)}`);
  if (controlRate !== null && m.rate - controlRate < t.minLiftOverControl) failures.push(`not ${pct(t.minLiftOverControl)} above the control`);
  if (failures.length > 0) return { status: 'Fail', details: `${head} (${failures.join(', ')})`, sources, evidence };
  return { status: 'Pass', details: head, sources, evidence };
}

function someRecord<T>(records: Iterable<T> | undefined, test: (r: T) => boolean): boolean {
  if (records) for (const r of records) if (test(r)) return true;
  return false;
}
