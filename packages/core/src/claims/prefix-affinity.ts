// prefix-affinity: requests sharing a prefix group land on the same pod. Per group, the share of its
// requests on its modal pod (per-request attribution needed); the mean and minimum over groups must reach
// the thresholds and beat a random picker by a margin: the analytic expectation for the same group sizes,
// or the random-picker control run's measured value when that is higher.
// Confidence: the requests on their group's modal pod are pooled over groups (k of n) and decided on a
// Wilson interval against minDominantShare and against random baseline + margin, and, with a control run,
// on Newcombe's interval of main − control against the margin. Requests of one group are not independent
// draws (a sticky picker sends them together), so the interval is about routing decisions, not groups.
// The weakest group only fails the claim when its own Wilson interval is wholly below its bar (a group of
// 8 cannot show more); with its point estimate under the bar it makes an otherwise passing verdict Inconclusive.
import { z } from 'zod';
import { count, inconclusive, share, type ClaimOutcome } from './claim-outcome.ts';
import type { ClaimContext } from './context.ts';
import { measureAffinity, type AffinityMeasure } from './affinity.ts';
import { pct, round } from './format.ts';
import { decideLift, decideShare, settleTests, type LabelledTest } from './confidence.ts';

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
  let controlMeasure: AffinityMeasure | null = null;
  let controlNote = '';
  if (control) {
    const c = measureAffinity(control, opts);
    if ('problem' in c) controlNote = `; control '${controlName}' unusable (${c.problem})`;
    else {
      controlMeasure = c;
      controlShare = c.meanShare;
      controlNote = `; control '${controlName}' ${pct(c.meanShare)}`;
      sources.push(`control:${controlName}`);
    }
  }
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
  // Pooled over groups: requests that landed on their group's modal pod.
  const onModal = (gs: typeof m.groups) => gs.reduce((a, g) => a + Math.round(g.share * g.requests), 0);
  const k = onModal(m.groups);
  const tests: LabelledTest[] = [];
  tests.push({
    label: `modal-pod share ≥ ${pct(t.minDominantShare)}`,
    failText: `mean below ${pct(t.minDominantShare)}`,
    c: decideShare(k, m.requests, t.minDominantShare, { test: `requests on their group's modal pod ≥ ${pct(t.minDominantShare)}` }),
  });
  const randomBar = Math.min(1, m.randomBaseline + t.margin);
  tests.push({
    label: `vs random ${pct(m.randomBaseline)} + ${pct(t.margin)}`,
    failText: `not ${pct(t.margin)} above the random baseline`,
    c: decideShare(k, m.requests, randomBar, { test: `requests on their group's modal pod ≥ random-picker expectation ${pct(m.randomBaseline)} + ${pct(t.margin)}` }),
  });
  if (controlMeasure)
    tests.push({
      label: `lead over control '${controlName}' ≥ +${pct(t.margin)}`,
      failText: `not ${pct(t.margin)} above the control`,
      c: decideLift(k, m.requests, onModal(controlMeasure.groups), controlMeasure.requests, t.margin, { test: `modal-pod share − control '${controlName}' ≥ ${pct(t.margin)}` }),
    });
  const worst = m.groups.reduce((a, g) => (g.share < a.share ? g : a));
  const worstC = decideShare(Math.round(worst.share * worst.requests), worst.requests, t.minGroupDominantShare, { test: `group ${worst.group} on its modal pod ≥ ${pct(t.minGroupDominantShare)}` });
  // The weakest group adds a test when it fails on its own, or when it is the only thing standing between
  // the other tests' Pass and the verdict (then it makes the verdict Inconclusive).
  const othersPass = tests.every((x) => x.c.status === 'Pass');
  if (worstC.status === 'Fail' || (worst.share < t.minGroupDominantShare && othersPass))
    tests.push({ label: `group ${worst.group} ≥ ${pct(t.minGroupDominantShare)}`, failText: `a group below ${pct(t.minGroupDominantShare)}`, c: worstC });
  const { confidence, status, ci, failures, open } = settleTests(tests);
  if (status === 'Fail') return { outcome: { status, details: `${head} (${failures.join(', ')}); ${ci}`, sources, evidence, confidence }, measure: m };
  if (status === 'Inconclusive') {
    return { outcome: { status, details: `${head}; too few requests to decide ${open.join(', ')} at ${pct(confidence[0].interval.level)}: ${ci}`, sources, evidence, confidence }, measure: m };
  }
  return {
    outcome: { status: 'Pass', details: `prefix affinity routes to same pod: ${head}; ${ci}`, sources, evidence, confidence },
    measure: m,
  };
}

export function evaluatePrefixAffinity(ctx: ClaimContext, t: PrefixAffinityThresholds): ClaimOutcome {
  return judgeAffinity(ctx, t).outcome;
}
