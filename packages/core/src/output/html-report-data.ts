// The numbers the HTML report draws, computed in Node from the summaries: percentile curves from the HDR
// histograms, the per-pod request split, the per-second timelines, and the verdicts. The browser only plots them.
import { z } from 'zod';
import { decodeHistogram } from '../record/histogram.ts';
import type { Summary } from '../record/summary.ts';
import { VerdictSchema, type Verdict } from '../claims/verdict.ts';

export const REPORT_LATENCY_METRICS = ['ttft', 'itl', 'tpot', 'e2e'] as const;
export type ReportLatencyMetric = (typeof REPORT_LATENCY_METRICS)[number];

/**
 * x positions of the percentile curves on a "nines" scale: x = −log10(1 − p/100), so p50 → 0.30, p90 → 1, p99 → 2,
 * p99.9 → 3. Tail percentiles get as much room as the body, which a linear percentile axis would squash.
 */
export const NINES_STEP = 0.05;
export const NINES_MAX = 3;
export const PERCENTILE_XS: readonly number[] = Array.from({ length: Math.round(NINES_MAX / NINES_STEP) + 1 }, (_, i) =>
  Math.round(i * NINES_STEP * 1000) / 1000,
);
export function percentileAtNines(x: number): number {
  return 100 * (1 - 10 ** -x);
}

export interface CurveSeries {
  run: string;
  /** 'overall' or the pod name. */
  dimension: string;
  /** ms at each PERCENTILE_XS point; null when the dimension has no data for this metric. */
  values: (number | null)[];
  count: number;
}

export interface TimeSeriesRun {
  run: string;
  t: number[];
  completedPerS: number[];
  outputTokensPerS: number[];
  inFlightMax: number[];
  /** Ready-pod samples from summary.extra.readyPods (the runner derives them from the EPP's inference_pool_ready_pods gauge) (t in seconds since run start), when present. */
  readyPods: { t: number[]; value: number[] } | null;
}

export interface RunInfo {
  name: string;
  scenario: string;
  target: string;
  startedAt: string;
  durationS: number;
  requests: number;
  ok: number;
  errors: number;
  /** Failed requests per error class, most first, with the first message seen (already redacted). */
  errorClasses: { errorClass: string; count: number; sample: string | null }[];
  requestsPerS: number;
  outputTokensPerS: number;
  verdicts: Verdict[];
  /** Why summary.extra.verdicts could not be read (the report then says so instead of hiding it). */
  verdictsProblem: string | null;
  readyPodsProblem: string | null;
}

export interface ReportData {
  percentileXs: readonly number[];
  runs: RunInfo[];
  /** metric → curves for `overall`, one per run. */
  overall: Record<ReportLatencyMetric, CurveSeries[]>;
  /** metric → curves per pod, one per (run, pod). */
  perPod: Record<ReportLatencyMetric, CurveSeries[]>;
  /** Every pod seen in any run, sorted, and each run's request count per pod (null = pod absent from the run). */
  pods: string[];
  podRequests: { run: string; counts: (number | null)[] }[];
  timeseries: TimeSeriesRun[];
}

const ReadyPodsSchema = z.array(z.strictObject({ t: z.number(), value: z.number() }));

function podOf(dimension: string): string | null {
  return dimension.startsWith('pod:') ? dimension.slice(4) : null;
}

function curve(run: string, dimension: string, hist: string, count: number): CurveSeries {
  if (count === 0) return { run, dimension, values: PERCENTILE_XS.map(() => null), count };
  const h = decodeHistogram(hist, 'ms');
  // 'ms' histograms hold integer µs; read the raw HDR value so no second rounding happens.
  const values = PERCENTILE_XS.map((x) => h.hdr.getValueAtPercentile(percentileAtNines(x)) / 1000);
  return { run, dimension, values, count };
}

/** Seconds since the run start; accepts run-relative seconds, or epoch seconds/ms (converted with meta.startedAt). */
function toRunSeconds(t: number, startedAtMs: number): number {
  if (t > 1e11) return (t - startedAtMs) / 1000; // epoch ms
  if (t > 1e8) return t - startedAtMs / 1000; // epoch s
  return t;
}

function readVerdicts(extra: Record<string, unknown>): { verdicts: Verdict[]; problem: string | null } {
  if (!('verdicts' in extra) || extra.verdicts === undefined) return { verdicts: [], problem: null };
  const r = z.array(VerdictSchema).safeParse(extra.verdicts);
  if (!r.success) return { verdicts: [], problem: `extra.verdicts is not a list of verdicts:\n${z.prettifyError(r.error)}` };
  return { verdicts: r.data, problem: null };
}

function readReadyPods(extra: Record<string, unknown>, startedAtMs: number): { series: TimeSeriesRun['readyPods']; problem: string | null } {
  if (!('readyPods' in extra) || extra.readyPods === undefined) return { series: null, problem: null };
  const r = ReadyPodsSchema.safeParse(extra.readyPods);
  if (!r.success) return { series: null, problem: `extra.readyPods is not [{t, value}]:\n${z.prettifyError(r.error)}` };
  const points = r.data.map((p) => ({ t: toRunSeconds(p.t, startedAtMs), value: p.value })).sort((a, b) => a.t - b.t);
  return { series: { t: points.map((p) => p.t), value: points.map((p) => p.value) }, problem: null };
}

export function buildReportData(runs: readonly { name: string; summary: Summary }[]): ReportData {
  const overall = Object.fromEntries(REPORT_LATENCY_METRICS.map((m) => [m, [] as CurveSeries[]])) as ReportData['overall'];
  const perPod = Object.fromEntries(REPORT_LATENCY_METRICS.map((m) => [m, [] as CurveSeries[]])) as ReportData['perPod'];
  const podSet = new Set<string>();
  for (const { summary } of runs) for (const d of Object.keys(summary.dimensions)) if (podOf(d) !== null) podSet.add(podOf(d)!);
  const pods = [...podSet].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));

  const infos: RunInfo[] = [];
  const timeseries: TimeSeriesRun[] = [];
  const podRequests: ReportData['podRequests'] = [];

  for (const { name, summary } of runs) {
    const startedAtMs = Date.parse(summary.meta.startedAt);
    const { verdicts, problem } = readVerdicts(summary.extra);
    const ready = readReadyPods(summary.extra, startedAtMs);
    infos.push({
      name,
      scenario: summary.meta.scenario,
      target: summary.meta.target,
      startedAt: summary.meta.startedAt,
      durationS: summary.meta.durationS,
      requests: summary.counts.finished,
      ok: summary.counts.ok,
      errors: summary.counts.error,
      errorClasses: Object.entries(summary.counters.errorsByClass)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .map(([errorClass, count]) => ({ errorClass, count, sample: summary.counters.errorSamples?.[errorClass] ?? null })),
      requestsPerS: summary.rates.requestsPerS,
      outputTokensPerS: summary.rates.outputTokensPerS,
      verdicts,
      verdictsProblem: problem,
      readyPodsProblem: ready.problem,
    });

    for (const m of REPORT_LATENCY_METRICS) {
      const o = summary.dimensions.overall;
      if (o) overall[m].push(curve(name, 'overall', o[m].hist, o[m].count));
      for (const pod of pods) {
        const d = summary.dimensions[`pod:${pod}`];
        if (d) perPod[m].push(curve(name, pod, d[m].hist, d[m].count));
      }
    }
    podRequests.push({ run: name, counts: pods.map((p) => summary.dimensions[`pod:${p}`]?.count ?? null) });

    const b = summary.timeseries.buckets;
    const perS = 1000 / summary.timeseries.bucketMs;
    timeseries.push({
      run: name,
      t: b.map((x) => (x.t * summary.timeseries.bucketMs) / 1000),
      completedPerS: b.map((x) => x.completed * perS),
      outputTokensPerS: b.map((x) => x.outputTokens * perS),
      inFlightMax: b.map((x) => x.inFlightMax),
      readyPods: ready.series,
    });
  }
  return { percentileXs: PERCENTILE_XS, runs: infos, overall, perPod, pods, podRequests, timeseries };
}
