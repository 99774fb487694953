// Read-side helpers over MetricsEvidence for claims and reports: per-target sums of counter deltas,
// gauge summaries, histogram lookups. Targets are keyed by name; EPP and prefill pods can be left out.
import type { GaugeSeries, HistogramDelta, MetricsEvidence, TargetEvidence } from './metrics-evidence.ts';

/**
 * Keep one generation per canonical metric. Servers in a deprecation window expose the same number
 * under both names (vLLM 0.9–0.10: gpu_prefix_cache_* and prefix_cache_*; llm-d: pd_decision_total
 * and disagg_decision_total), and summing both would count everything twice. The newest name wins.
 */
export function onePerGeneration<T extends { metric: string; exposedAs: string }>(series: readonly T[]): T[] {
  const rank = (s: { metric: string; exposedAs: string }) => (isNewestName(s) ? 0 : 1);
  const chosen = new Map<string, T>();
  for (const s of series) {
    const cur = chosen.get(s.metric);
    if (!cur || rank(s) < rank(cur) || (rank(s) === rank(cur) && s.exposedAs < cur.exposedAs)) chosen.set(s.metric, s);
  }
  return series.filter((s) => chosen.get(s.metric)!.exposedAs === s.exposedAs);
}

function isNewestName(s: { metric: string; exposedAs: string }): boolean {
  const base = s.exposedAs.replace(/_(total|bucket|sum|count)$/, '');
  return s.exposedAs === s.metric || base === s.metric;
}

export interface TargetFilter {
  /** Keep only targets with one of these roles (null role = unlabelled). */
  roles?: ReadonlyArray<string | null>;
  /** Drop the EPP (role 'epp' or name 'epp'). Default true. */
  excludeEpp?: boolean;
}

export function targetsOf(evidence: MetricsEvidence, filter: TargetFilter = {}): TargetEvidence[] {
  const excludeEpp = filter.excludeEpp ?? true;
  return evidence.sources
    .flatMap((s) => s.targets)
    .filter((t) => !(excludeEpp && (t.role === 'epp' || t.name === 'epp')))
    .filter((t) => !filter.roles || filter.roles.includes(t.role));
}

/** target → Σ delta of a canonical counter over series whose labels match `labels`. Targets without the metric are absent. */
export function counterDeltas(
  evidence: MetricsEvidence,
  metric: string,
  labels: Record<string, string> = {},
  filter: TargetFilter = {},
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of targetsOf(evidence, filter)) {
    const series = onePerGeneration(t.counters.filter((c) => c.metric === metric)).filter((c) => Object.entries(labels).every(([k, v]) => c.labels[k] === v));
    if (series.length > 0) out[t.name] = (out[t.name] ?? 0) + series.reduce((a, c) => a + c.delta, 0);
  }
  return out;
}

/** target → hits/queries over the window for two canonical counters (e.g. prefix cache), null when no queries. */
export function ratioOfDeltas(evidence: MetricsEvidence, numerator: string, denominator: string, filter: TargetFilter = {}): Record<string, number | null> {
  const num = counterDeltas(evidence, numerator, {}, filter);
  const den = counterDeltas(evidence, denominator, {}, filter);
  const out: Record<string, number | null> = {};
  for (const [t, d] of Object.entries(den)) out[t] = d > 0 ? (num[t] ?? 0) / d : null;
  return out;
}

export interface GaugeSummary {
  points: number;
  mean: number | null;
  max: number | null;
  last: number | null;
}

/** Summary of a gauge's samples per target (all label sets of the metric pooled). */
export function gaugeSummaries(evidence: MetricsEvidence, metric: string, filter: TargetFilter = {}): Record<string, GaugeSummary> {
  const out: Record<string, GaugeSummary> = {};
  for (const t of targetsOf(evidence, filter)) {
    const series: GaugeSeries[] = onePerGeneration(t.gauges.filter((g) => g.metric === metric));
    if (series.length === 0) continue;
    const values = series.flatMap((g) => g.points.map((p) => p[1])).filter((v): v is number => v !== null);
    const lastPoints = series.map((g) => g.points[g.points.length - 1]).filter((p) => p && p[1] !== null);
    out[t.name] = {
      points: values.length,
      mean: values.length ? values.reduce((a, b) => a + b, 0) / values.length : null,
      max: values.length ? Math.max(...values) : null,
      last: lastPoints.length ? lastPoints.reduce((a, p) => a + (p[1] as number), 0) : null,
    };
  }
  return out;
}

/** The histogram deltas of one target for a canonical metric (one per label set). */
export function histogramsOf(evidence: MetricsEvidence, target: string, metric: string): HistogramDelta[] {
  return evidence.sources
    .flatMap((s) => s.targets)
    .filter((t) => t.name === target)
    .flatMap((t) => onePerGeneration(t.histograms.filter((h) => h.metric === metric)));
}
