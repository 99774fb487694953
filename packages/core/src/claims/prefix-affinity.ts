// prefix-affinity: requests sharing a prefix group land on the same pod. Per group, the share of its
// requests on its modal pod (per-request attribution needed); the mean and minimum over groups must reach
// the thresholds and beat a random picker by a margin: the analytic expectation for the same group sizes,
// or the random-picker control run's measured value when that is higher.
import { z } from 'zod';
import { count, inconclusive, share, type ClaimOutcome } from './claim-outcome.ts';
import type { ClaimContext } from './context.ts';
import { measureAffinity, type AffinityMeasure } from './affinity.ts';
import { pct, round } from './format.ts';

export const PrefixAffinityThresholdsSchema = z.strictObject({
  /** Mean over groups of the share of a group's requests on its modal pod. */
  minDominantShare: share().default(0.8),
  /** Every group's own dominant share must reach this. */
  minGroupDominantShare: share().default(0.6),
  /** Required lead of the mean over the random baseline (absolute share). */
  margin: share().default(0.15),
  /** Groups with fewer attributed requests are ignored (their share says little). */
  minRequestsPerGroup: count().min(2).default(3),
  minGroups: count().min(1).default(1),
  /** Grouped requests without a per-request pod beyond this share make the verdict Inconclusive. */
  maxUnattributedShare: share().default(0.05),
  /** Control run to compare with; when set explicitly and missing, the verdict is Inconclusive. */
  control: z.string().min(1).optional(),
});
export type PrefixAffinityThresholds = z.infer<typeof PrefixAffinityThresholdsSchema>;

export const DEFAULT_AFFINITY_CONTROL = 'random-picker';

export interface AffinityJudgement {
  outcome: ClaimOutcome;
  measure: AffinityMeasure | null;
}

/** Shared by precise-prefix: judge affinity on the main run against random and the control. */
export function judgeAffinity(ctx: ClaimContext, t: PrefixAffinityThresholds): AffinityJudgement {
  const opts = { minRequestsPerGroup: t.minRequestsPerGroup, maxUnattributedShare: t.maxUnattributedShare };
  const m = measureAffinity(ctx.main, opts);
  if ('problem' in m) return { outcome: inconclusive(m.problem, m.sources), measure: null };
  const sources = [...m.sources];
  if (m.groups.length < t.minGroups)
    return { outcome: inconclusive(`only ${m.groups.length} group(s) with ≥ ${t.minRequestsPerGroup} requests (need ${t.minGroups})`, sources), measure: m };

  const controlName = t.control ?? DEFAULT_AFFINITY_CONTROL;
  const control = ctx.controls[controlName];
  if (t.control && !control) return { outcome: inconclusive(`control run '${t.control}' is required but missing`, sources), measure: m };
  let controlShare: number | null = null;
  let controlNote = '';
  if (control) {
    const c = measureAffinity(control, opts);
    if ('problem' in c) controlNote = `; control '${controlName}' unusable (${c.problem})`;
    else {
      controlShare = c.meanShare;
      controlNote = `; control '${controlName}' ${pct(c.meanShare)}`;
      sources.push(`control:${controlName}`);
    }
  }
  const baseline = Math.max(m.randomBaseline, controlShare ?? 0);
  const evidence = {
    groups: m.groups.length,
    requests: m.requests,
    pods: m.pods,
    modalPods: m.modalPods,
    meanDominantShare: round(m.meanShare),
    minDominantShare: round(m.minShare),
    randomBaseline: round(m.randomBaseline),
    controlDominantShare: round(controlShare),
    unattributedShare: round(m.unattributedShare),
    perGroup: Object.fromEntries(m.groups.map((g) => [g.group, { pod: g.modalPod, share: round(g.share), requests: g.requests }])),
  };
  const head = `${m.groups.length} group(s), ${m.requests} requests: ${pct(m.meanShare)} of each group's requests on its modal pod (min ${pct(m.minShare)}); random picker would give ${pct(m.randomBaseline)}${controlNote}`;

  if (m.groups.length >= 2 * m.pods.length && m.modalPods.length === 1)
    return {
      outcome: inconclusive(`${head}; but every group went to ${m.modalPods[0]}: one pod taking everything cannot be told from affinity`, sources, evidence),
      measure: m,
    };
  const failures: string[] = [];
  if (m.meanShare < t.minDominantShare) failures.push(`mean below ${pct(t.minDominantShare)}`);
  if (m.minShare < t.minGroupDominantShare) failures.push(`a group below ${pct(t.minGroupDominantShare)}`);
  if (m.meanShare < baseline + t.margin) failures.push(`not ${pct(t.margin)} above the ${controlShare !== null && controlShare > m.randomBaseline ? 'control' : 'random baseline'}`);
  if (failures.length > 0) return { outcome: { status: 'Fail', details: `${head} (${failures.join(', ')})`, sources, evidence }, measure: m };
  return {
    outcome: { status: 'Pass', details: `prefix affinity routes to same pod: ${head}`, sources, evidence },
    measure: m,
  };
}

export function evaluatePrefixAffinity(ctx: ClaimContext, t: PrefixAffinityThresholds): ClaimOutcome {
  return judgeAffinity(ctx, t).outcome;
}
