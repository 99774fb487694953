// P/D evidence read by pd-selective and pd-transfer: the EPP's disaggregation decisions and the prefill /
// decode pods' counters.
import type { TargetEvidence } from '../evidence/metrics-evidence.ts';
import { CANONICAL_METRICS as METRIC } from '../evidence/metric-names.ts';
import type { RunEvidence } from './context.ts';
import { eppTargets, hasCounter, podTargets, seriesOf } from './evidence-read.ts';

export interface DisaggDecisions {
  /** decision_type → count over the window. */
  byType: Record<string, number>;
  exposedAs: string;
  targets: TargetEvidence[];
}

/**
 * Decision counts by decision_type. The EPP registers both llm_d_inference_scheduler_disagg_decision_total and
 * the deprecated pd_decision_total with the same increments; only the newest generation is counted.
 */
export function disaggDecisions(run: RunEvidence): DisaggDecisions | null {
  const targets = eppTargets(run).filter((t) => hasCounter(t, METRIC.disaggDecision));
  if (targets.length === 0) return null;
  const byType: Record<string, number> = {};
  let exposedAs = '';
  for (const t of targets)
    for (const c of seriesOf(t, METRIC.disaggDecision)) {
      exposedAs = c.exposedAs;
      const k = c.labels.decision_type ?? 'unknown';
      byType[k] = (byType[k] ?? 0) + c.delta;
    }
  return { byType, exposedAs, targets };
}

export const splitDecisions = (d: DisaggDecisions): number =>
  Object.entries(d.byType)
    .filter(([k]) => k.includes('prefill'))
    .reduce((a, [, n]) => a + n, 0);
export const decodeOnlyDecisions = (d: DisaggDecisions): number =>
  Object.entries(d.byType)
    .filter(([k]) => !k.includes('prefill'))
    .reduce((a, [, n]) => a + n, 0);

export const prefillPods = (run: RunEvidence): TargetEvidence[] => podTargets(run, ['prefill']);
export const decodePods = (run: RunEvidence): TargetEvidence[] => podTargets(run, ['decode']);
