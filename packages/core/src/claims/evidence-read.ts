// Reading scraped metrics for claims: which targets are pods (and in which role), counter sums, and
// whether a target's numbers can be trusted (a target without a before/after pair is not evidence).
import type { CounterDelta, GaugeSeries, HistogramDelta, MetricsEvidence, TargetEvidence } from '../evidence/metrics-evidence.ts';
import { onePerGeneration } from '../evidence/evidence-query.ts';
import type { PodRole, RunEvidence } from './context.ts';

export const isEppTarget = (t: TargetEvidence): boolean => t.role === 'epp' || t.name === 'epp';

export function allTargets(m: MetricsEvidence | null): TargetEvidence[] {
  return m ? m.sources.flatMap((s) => s.targets) : [];
}

/** A pod's role: the deployment's word first (podRoles), then the metrics source's, else 'both'. */
export function roleOf(run: RunEvidence, t: TargetEvidence): PodRole {
  const r = run.podRoles?.[t.name] ?? t.role;
  return r === 'prefill' || r === 'decode' ? r : 'both';
}

/** Model-server targets (not the EPP), optionally only those in the given roles. */
export function podTargets(run: RunEvidence, roles?: readonly PodRole[]): TargetEvidence[] {
  return allTargets(run.metrics).filter((t) => !isEppTarget(t) && (!roles || roles.includes(roleOf(run, t))));
}

export function eppTargets(run: RunEvidence): TargetEvidence[] {
  return allTargets(run.metrics).filter(isEppTarget);
}

/** A counter's series on one target; when it is exposed under two name generations, only the newest counts. */
export function seriesOf(t: TargetEvidence, metric: string, labels: Record<string, string> = {}): CounterDelta[] {
  return onePerGeneration(t.counters.filter((c) => c.metric === metric)).filter((c) => Object.entries(labels).every(([k, v]) => c.labels[k] === v));
}

export function gaugesOf(t: TargetEvidence, metric: string): GaugeSeries[] {
  return onePerGeneration(t.gauges.filter((g) => g.metric === metric));
}

export function hasCounter(t: TargetEvidence, metric: string): boolean {
  return t.counters.some((c) => c.metric === metric);
}

/** Sum of a counter's deltas over every series of one target (optionally filtered by labels). */
export function counterSum(t: TargetEvidence, metric: string, labels: Record<string, string> = {}): number {
  return seriesOf(t, metric, labels).reduce((a, c) => a + c.delta, 0);
}

export function histogramsOf(t: TargetEvidence, metric: string): HistogramDelta[] {
  return onePerGeneration(t.histograms.filter((h) => h.metric === metric));
}

/**
 * Why a set of targets cannot be trusted for a window, or null when they can: a target without a
 * before/after pair, with the scrape errors recorded for it.
 */
export function untrustedTargets(run: RunEvidence, targets: readonly TargetEvidence[]): string | null {
  const bad = targets.filter((t) => !t.complete);
  if (bad.length === 0) return null;
  const errors = (run.metrics?.sources ?? []).flatMap((s) => s.errors);
  const parts = bad.map((t) => {
    const e = errors.find((x) => x.target === t.name);
    return e ? `${t.name} (${e.phase}: ${e.message})` : `${t.name} (no before/after scrape pair)`;
  });
  return `scrape errors: ${parts.join('; ')}`;
}

/** Source-wide failures (discovery, Prometheus queries) that may hide targets entirely. */
export function sourceErrors(run: RunEvidence): string[] {
  return (run.metrics?.sources ?? []).flatMap((s) => s.errors.filter((e) => e.target === null).map((e) => `${s.name} ${e.phase}: ${e.message}`));
}

export const metricSource = (metric: string): string => `metrics:${metric}`;
