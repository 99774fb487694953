// queue-balance: a burst is spread over the pods — no pod takes more than maxShare of the requests and every
// pod gets some. The split comes from per-request attribution when it covers the run, else from the pods'
// counter deltas (vllm:request_success, the seed's cumulative-counter method) or the EPP's per-pod
// scheduling attempts. Jain's fairness index is reported alongside.
import { z } from 'zod';
import { splitFromEppAttempts, splitFromPodCounters } from '../evidence/attribution/split.ts';
import { createPodResolver } from '../evidence/attribution/pod-identity.ts';
import { aliasesFromEvidence } from '../evidence/attribution/pod-identity.ts';
import { count, inconclusive, share, type ClaimOutcome } from './claim-outcome.ts';
import type { ClaimContext, RunEvidence } from './context.ts';
import { podTargets, untrustedTargets } from './evidence-read.ts';
import { servingPods } from './affinity.ts';
import { num, pct, round } from './format.ts';

export const QueueBalanceThresholdsSchema = z.strictObject({
  /** Largest share of the requests one pod may take (the seed's 18/12 split is 0.6). */
  maxShare: share().default(2 / 3),
  minRequests: count().min(1).default(10),
  /** Requests with no per-request pod beyond this share → the split comes from counters instead. */
  maxUnattributedShare: share().default(0.05),
});
export type QueueBalanceThresholds = z.infer<typeof QueueBalanceThresholdsSchema>;

export interface Split {
  counts: Record<string, number>;
  source: string;
  complete: boolean;
}

/** Requests per serving pod, and where that split came from. */
export function requestSplit(run: RunEvidence, maxUnattributedShare: number): Split | null {
  const s = run.summary;
  const podDims = Object.entries(s.dimensions).filter(([k]) => k.startsWith('pod:'));
  const unknown = s.dimensions['pod:unknown']?.count ?? 0;
  const total = s.counts.finished;
  if (podDims.length > 0 && total > 0 && unknown / total <= maxUnattributedShare) {
    const counts: Record<string, number> = {};
    for (const [k, d] of podDims) if (k !== 'pod:unknown') counts[k.slice(4)] = d.count;
    const sources = Object.keys(s.counters.podSources).filter((x) => x !== 'none');
    return { counts, source: sources.join('+') || 'records', complete: unknown === 0 };
  }
  const a = run.attribution?.split;
  if (a && Object.keys(a.counts).length > 0) return a;
  if (run.metrics) {
    const prefillPods = new Set(podTargets(run, ['prefill']).map((t) => t.name));
    const fromPods = splitFromPodCounters(run.metrics, s.counts.ok);
    const split = fromPods ?? splitFromEppAttempts(run.metrics, createPodResolver(aliasesFromEvidence(run.metrics)));
    if (split) {
      for (const p of prefillPods) delete split.counts[p];
      return split;
    }
  }
  return null;
}

export function jainIndex(xs: readonly number[]): number {
  const sum = xs.reduce((a, b) => a + b, 0);
  const sq = xs.reduce((a, b) => a + b * b, 0);
  return sq === 0 ? NaN : (sum * sum) / (xs.length * sq);
}

export function evaluateQueueBalance(ctx: ClaimContext, t: QueueBalanceThresholds): ClaimOutcome {
  const run = ctx.main;
  const split = requestSplit(run, t.maxUnattributedShare);
  if (!split) return inconclusive('no request split per pod: no per-request attribution and no pod or EPP counters scraped');
  const sources = [split.source];
  const fromCounters = split.source.startsWith('counter:') || split.source.startsWith('epp-metric:');
  // From counters, a pod that could not be scraped is missing from the split, not idle.
  const why = fromCounters ? untrustedTargets(run, podTargets(run, ['both', 'decode'])) : null;
  if (!split.complete || why) return inconclusive(`request split from ${split.source} is incomplete${why ? ` (${why})` : ''}`, sources);
  const pods = servingPods(run, Object.keys(split.counts));
  const counts = pods.map((p) => split.counts[p] ?? 0);
  const total = counts.reduce((a, b) => a + b, 0);
  if (total < t.minRequests) return inconclusive(`only ${num(total)} requests placed on pods (need ${t.minRequests})`, sources);
  if (pods.length < 2) return inconclusive(`only ${pods.length} serving pod known; balance needs at least two`, sources);
  const shares = counts.map((c) => c / total);
  const maxShare = Math.max(...shares);
  const jain = jainIndex(counts);
  const idle = pods.filter((_, i) => counts[i] === 0);
  const splitText = counts.map((c) => num(c, 1)).join('/');
  const head = `${num(total)} requests split ${splitText} across ${pods.join(', ')} (max share ${pct(maxShare)}, Jain ${num(jain, 2)})`;
  const evidence = {
    split: Object.fromEntries(pods.map((p, i) => [p, round(counts[i], 2)])),
    total: round(total, 2),
    maxShare: round(maxShare),
    jainIndex: round(jain),
    idlePods: idle,
  };
  const failures: string[] = [];
  if (maxShare > t.maxShare) failures.push(`a pod took more than ${pct(t.maxShare)}`);
  if (idle.length > 0) failures.push(`${idle.join(', ')} got no request`);
  if (failures.length > 0) return { status: 'Fail', details: `${head} (${failures.join('; ')})`, sources, evidence };
  return { status: 'Pass', details: head, sources, evidence };
}
