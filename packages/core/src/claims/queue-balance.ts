// queue-balance: the EPP sends each request to the pod with the shorter waiting queue. An even split is not
// evidence of that (a random picker splits evenly too, and a queue-aware one may split 25/5 when one pod
// drains faster), so the claim is judged per decision on the EPP's V(4) "Calculated score" lines: among
// requests where the queue-scorer preferred one pod (scores differ), the share sent to that pod. Without
// the feature (random-picker control: scores computed, then ignored) that share is ~1/pods. Decided on a
// Wilson interval against minPreferredShare, and — when the random-picker control ran — on the Newcombe
// interval of the lift over the control's share (claims/confidence.ts). The request split per pod (from
// per-request attribution, the pods' vllm:request_success deltas or the EPP's per-pod attempts) and Jain's
// index are kept as context; `judgeOn: 'split'` judges on the split alone (the seed's old test).
import { z } from 'zod';
import { splitFromEppAttempts, splitFromPodCounters } from '../evidence/attribution/split.ts';
import { createPodResolver } from '../evidence/attribution/pod-identity.ts';
import { aliasesFromEvidence } from '../evidence/attribution/pod-identity.ts';
import { count, inconclusive, share, type ClaimOutcome } from './claim-outcome.ts';
import { combineStatus, decideLift, decideShare, formatConfidence, type Confidence } from './confidence.ts';
import { readScorerPicks, type ScorerPicks } from './scorer-picks.ts';
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
  /**
   * Share of decisive requests that must go to the pod the queue scorer preferred. Random scores 1/pods
   * (50% on two); 75% sits halfway to a picker that always follows the queue, so a random control fails
   * it clearly at ~100 decisions instead of hovering at the bar.
   */
  minPreferredShare: share().default(0.75),
  /** …and its lead over the random-picker control's share (Newcombe interval of the difference). */
  marginOverControl: share().default(0.2),
  /** Queue scores closer than this are a tie: the scorer had no preference to follow. */
  tieEpsilon: share().default(0.02),
  /** Fewer decisive requests than this → Inconclusive (the load never built a waiting queue). */
  minDecisions: count().min(1).default(10),
  control: z.string().min(1).optional(),
  /** 'auto'/'scores': per-decision queue-scorer picks from the EPP log (Inconclusive without it); 'split': the request split alone. */
  judgeOn: z.enum(['auto', 'scores', 'split']).default('auto'),
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

export const DEFAULT_QUEUE_CONTROL = 'random-picker';
const QUEUE_SCORER = 'queue-scorer';

interface SplitView {
  head: string;
  evidence: Record<string, unknown>;
  sources: string[];
  failures: string[];
}

/** The request split per pod with its even-split verdict, or why there is none. */
function measureSplit(run: RunEvidence, t: QueueBalanceThresholds): SplitView | { problem: string; sources: string[] } {
  const split = requestSplit(run, t.maxUnattributedShare);
  if (!split) return { problem: 'no request split per pod: no per-request attribution and no pod or EPP counters scraped', sources: [] };
  const sources = [split.source];
  const fromCounters = split.source.startsWith('counter:') || split.source.startsWith('epp-metric:');
  // From counters, a pod that could not be scraped is missing from the split, not idle.
  const why = fromCounters ? untrustedTargets(run, podTargets(run, ['both', 'decode'])) : null;
  if (!split.complete || why) return { problem: `request split from ${split.source} is incomplete${why ? ` (${why})` : ''}`, sources };
  const pods = servingPods(run, Object.keys(split.counts));
  const counts = pods.map((p) => split.counts[p] ?? 0);
  const total = counts.reduce((a, b) => a + b, 0);
  if (total < t.minRequests) return { problem: `only ${num(total)} requests placed on pods (need ${t.minRequests})`, sources };
  if (pods.length < 2) return { problem: `only ${pods.length} serving pod known; balance needs at least two`, sources };
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
  return { head, evidence, sources, failures };
}

/** The seed's old test: no pod above maxShare and none idle. Cannot tell a queue-aware picker from random. */
function evaluateOnSplit(run: RunEvidence, t: QueueBalanceThresholds): ClaimOutcome {
  const m = measureSplit(run, t);
  if ('problem' in m) return inconclusive(m.problem, m.sources);
  const evidence = { ...m.evidence, judgedOn: 'request split' };
  if (m.failures.length > 0) return { status: 'Fail', details: `${m.head} (${m.failures.join('; ')})`, sources: m.sources, evidence };
  return { status: 'Pass', details: m.head, sources: m.sources, evidence };
}

const picksEvidence = (p: ScorerPicks | null) => (p ? { decisive: p.decisive, towardPreferred: p.towardMax, share: round(p.share) } : null);

export function evaluateQueueBalance(ctx: ClaimContext, t: QueueBalanceThresholds): ClaimOutcome {
  if (t.judgeOn === 'split') return evaluateOnSplit(ctx.main, t);
  const controlName = t.control ?? DEFAULT_QUEUE_CONTROL;
  const control = ctx.controls[controlName];
  const split = measureSplit(ctx.main, t);
  // The split is context only: the even-split verdict it carried is not part of this claim any more.
  const splitText = 'problem' in split ? `split: ${split.problem}` : `context: ${split.head}`;
  const splitEvidence = 'problem' in split ? null : split.evidence;
  const sources = ['epp-log:Calculated score', ...('problem' in split ? [] : split.sources)];
  if (t.control && !control) return inconclusive(`control run '${t.control}' is required but missing`, sources);
  const main = readScorerPicks(ctx.main.eppLog, QUEUE_SCORER, t.tieEpsilon);
  if (!main || main.decisive < t.minDecisions) {
    const why = main
      ? `only ${main.decisive} requests where the queue-scorer preferred one pod (need ${t.minDecisions}): the pods' waiting queues rarely differed — send more concurrent requests than the pods' batch slots (max-num-seqs × pods)`
      : 'no queue-scorer "Calculated score" lines in the EPP log (the per-decision test needs the EPP log at --v=4)';
    return inconclusive(`${why}; ${splitText} (an even split does not show queue awareness: random splits evenly too)`, sources, {
      judgedOn: 'EPP queue-scorer scores per request',
      picks: picksEvidence(main),
      ...splitEvidence,
    });
  }
  const controlPicks = control ? readScorerPicks(control.eppLog, QUEUE_SCORER, t.tieEpsilon) : null;
  const useControl = controlPicks !== null && controlPicks.decisive >= t.minDecisions;
  const confidence: Confidence[] = [
    decideShare(main.towardMax, main.decisive, t.minPreferredShare, { test: `preferred-pod share ≥ ${pct(t.minPreferredShare)}` }),
  ];
  if (useControl) {
    sources.push(`control:${controlName}`);
    confidence.push(
      decideLift(main.towardMax, main.decisive, controlPicks.towardMax, controlPicks.decisive, t.marginOverControl, {
        test: `lift over '${controlName}' ≥ +${pct(t.marginOverControl)}`,
      }),
    );
  }
  const status = combineStatus(confidence);
  const controlText = controlPicks
    ? useControl
      ? ` (control '${controlName}' ${pct(controlPicks.share)} of ${controlPicks.decisive})`
      : ` (control '${controlName}' had only ${controlPicks.decisive} decisive requests; not compared)`
    : '';
  const conf = confidence.map((c) => `${c.status === 'Pass' ? '' : `${c.status}: `}${c.test}: ${formatConfidence(c)}`).join('; ');
  const line = `${pct(main.share)} of ${main.decisive} requests where the queue-scorer preferred a pod went to that pod${controlText}; ${conf}; ${splitText}`;
  const evidence = {
    judgedOn: 'EPP queue-scorer scores per request',
    picks: picksEvidence(main),
    control: picksEvidence(controlPicks),
    // The old split figures (split, total, maxShare, jainIndex, idlePods), as context.
    ...splitEvidence,
  };
  const details = status === 'Pass' ? `picks follow the queue scorer: ${line}` : line;
  return { status, details, sources, evidence, confidence };
}
