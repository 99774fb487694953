// The numbers the HTML report draws, computed in Node from the summaries: percentile curves from the HDR
// histograms, the per-pod request split, the per-second timelines, and the verdicts. The browser only plots them.
//
// One time origin for every chart over time: seconds since the run started (meta.startedAt, the monotonic 0 of
// the records and of summary.timeseries); a per-second value is drawn at the start of its second. Epoch-stamped
// series (ready pods) are converted to it; several runs are overlaid each from its own start.
import { z } from 'zod';
import { decodeHistogram } from '../record/histogram.ts';
import type { DimensionStats, Summary } from '../record/summary.ts';
import { addPairsToLogBins, logBinsQuantile, type LogBins } from '../record/timeseries.ts';
import { VerdictSchema, type Verdict } from '../claims/verdict.ts';
import { TIMELINE_QUANTILES, type RunTimeline, type TimelineQuantile } from './html-report-timeline.ts';

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
  errorsPerS: number[];
  /** TTFT percentiles of the first tokens that arrived in each second (summary.timeseries' 2% log bins). */
  ttft: Record<TimelineQuantile, (number | null)[]>;
  /** ITL percentiles per second from requests.jsonl; null when the report was given no records for this run. */
  itl: ({ t: number[] } & Record<TimelineQuantile, (number | null)[]>) | null;
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
  /** Failed requests per HTTP status, most first. */
  errorsByHttpStatus: { status: string; count: number }[];
  requestsPerS: number;
  outputTokensPerS: number;
  verdicts: Verdict[];
  /** Why summary.extra.verdicts could not be read (the report then says so instead of hiding it). */
  verdictsProblem: string | null;
  readyPodsProblem: string | null;
}

/** A vertical line on every time chart: a stage began, or the measured phase after a warm-up. */
export interface TimeMark {
  run: string;
  label: string;
  /** Seconds since the run's start. */
  t: number;
}

/** Key figures of a scenario's control run (the same scenario with one thing changed, e.g. a random picker). */
export interface ControlInfo {
  name: string;
  scenario: string;
  requests: number;
  errorRate: number | null;
  ttftP50: number | null;
  ttftP99: number | null;
  itlP50: number | null;
  e2eP99: number | null;
  requestsPerS: number;
  outputTokensPerS: number;
  verdicts: { claim: string; status: string }[];
  verdictsProblem: string | null;
}

/** How one run's prefix groups landed on pods (summary.groups.byGroup): prefix-affinity at a glance. */
export interface GroupPlacement {
  run: string;
  groups: number;
  /** Share of grouped requests that went to their group's most used pod (1 = perfect affinity). */
  topPodShare: number | null;
  /** The groups with the most requests, first `REPORT_MAX_GROUP_ROWS`. */
  rows: { group: string; requests: number; pods: { pod: string; count: number }[] }[];
  /** Requests not counted because the summary's group cap was reached. */
  droppedRecords: number;
}

/** One tag value's figures in one run (e.g. class=long): the short/long split agg-vs-pd is about. */
export interface TagRow {
  run: string;
  /** `<key>=<value>` */
  tag: string;
  count: number;
  errors: number;
  ttft: { p50: number | null; p90: number | null; p99: number | null };
  itlP50: number | null;
  itlP99: number | null;
  e2eP99: number | null;
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
  /** [min, max] seconds over every time series of every run: all time charts share this x range. */
  timeRange: [number, number];
  marks: TimeMark[];
  /** TTFT curves per tag value, one per (run, tag). */
  tagCurves: CurveSeries[];
  tags: TagRow[];
  groups: GroupPlacement[];
  controls: ControlInfo[];
}

export const REPORT_MAX_GROUP_ROWS = 20;

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
  const sorted = r.data.map((p) => ({ t: toRunSeconds(p.t, startedAtMs), value: p.value })).sort((a, b) => a.t - b.t);
  // Charts start at the run's start: the collector may have sampled for seconds before it (while workers came up),
  // so a sample before 0 enters as the value at 0 rather than widening every time chart to the left.
  const before = sorted.filter((p) => p.t < 0);
  const points = sorted.filter((p) => p.t >= 0);
  if (before.length > 0 && points[0]?.t !== 0) points.unshift({ t: 0, value: before[before.length - 1].value });
  return { series: { t: points.map((p) => p.t), value: points.map((p) => p.value) }, problem: null };
}

function perSecondTtft(summary: Summary): TimeSeriesRun['ttft'] {
  const out: TimeSeriesRun['ttft'] = { p50: [], p90: [], p99: [] };
  for (const b of summary.timeseries.buckets) {
    const bins: LogBins = new Map();
    addPairsToLogBins(bins, b.ttftBins);
    for (const q of TIMELINE_QUANTILES) out[q].push(logBinsQuantile(bins, Number(q.slice(1)) / 100));
  }
  return out;
}

function marksOf(run: string, summary: Summary, timeline: RunTimeline | undefined): TimeMark[] {
  const marks: TimeMark[] = [];
  // Without records the summary still says where measuring began (its window's first send) after a warm-up.
  const measure = timeline ? timeline.measureStart : summary.counts.warmup.sent > 0 && summary.window ? summary.window.firstSentMs / 1000 : null;
  if (measure !== null) marks.push({ run, label: 'measure', t: measure });
  const stages = timeline?.stageStarts ?? [];
  if (stages.length > 1) for (const st of stages.slice(1)) marks.push({ run, label: `stage ${st.stage}`, t: st.t });
  return marks;
}

function groupPlacement(run: string, summary: Summary): GroupPlacement | null {
  const byGroup = Object.entries(summary.groups.byGroup);
  if (byGroup.length === 0) return null;
  let total = 0;
  let top = 0;
  const rows = byGroup.map(([group, pods]) => {
    const list = Object.entries(pods)
      .map(([pod, count]) => ({ pod, count }))
      .sort((a, b) => b.count - a.count || a.pod.localeCompare(b.pod, 'en', { numeric: true }));
    const requests = list.reduce((a, p) => a + p.count, 0);
    total += requests;
    top += list[0]?.count ?? 0;
    return { group, requests, pods: list };
  });
  rows.sort((a, b) => b.requests - a.requests || a.group.localeCompare(b.group, 'en', { numeric: true }));
  return { run, groups: rows.length, topPodShare: total > 0 ? top / total : null, rows: rows.slice(0, REPORT_MAX_GROUP_ROWS), droppedRecords: summary.groups.droppedRecords };
}

function tagRow(run: string, tag: string, d: DimensionStats): TagRow {
  return {
    run,
    tag,
    count: d.count,
    errors: d.errors,
    ttft: { p50: d.ttft.p50, p90: d.ttft.p90, p99: d.ttft.p99 },
    itlP50: d.itl.p50,
    itlP99: d.itl.p99,
    e2eP99: d.e2e.p99,
  };
}

/**
 * A control's key figures. Its verdicts are its own summary's when it has them; else the rows the scenario runner
 * wrote among the main run's verdicts for it (feature `… [control: <label>]`, the label being the control folder's
 * name).
 */
function controlInfo(name: string, summary: Summary, runVerdicts: readonly Verdict[]): ControlInfo {
  const o = summary.dimensions.overall;
  const read = readVerdicts(summary.extra);
  const label = name.split('/').pop();
  const { verdicts, problem } =
    read.verdicts.length > 0 || read.problem ? read : { verdicts: runVerdicts.filter((v) => v.feature.endsWith(`[control: ${label}]`)), problem: null };
  return {
    name,
    scenario: summary.meta.scenario,
    requests: summary.counts.finished,
    errorRate: summary.counts.finished > 0 ? summary.counts.error / summary.counts.finished : null,
    ttftP50: o?.ttft.p50 ?? null,
    ttftP99: o?.ttft.p99 ?? null,
    itlP50: o?.itl.p50 ?? null,
    e2eP99: o?.e2e.p99 ?? null,
    requestsPerS: summary.rates.requestsPerS,
    outputTokensPerS: summary.rates.outputTokensPerS,
    verdicts: verdicts.map((v) => ({ claim: v.claim, status: v.status })),
    verdictsProblem: problem,
  };
}

export interface ReportDataInput {
  /** Per run name: what its records add (ITL over time, stage starts); runs without one use the summary alone. */
  timelines?: Record<string, RunTimeline>;
  controls?: readonly { name: string; summary: Summary }[];
}

export function buildReportData(runs: readonly { name: string; summary: Summary }[], input: ReportDataInput = {}): ReportData {
  const overall = Object.fromEntries(REPORT_LATENCY_METRICS.map((m) => [m, [] as CurveSeries[]])) as ReportData['overall'];
  const perPod = Object.fromEntries(REPORT_LATENCY_METRICS.map((m) => [m, [] as CurveSeries[]])) as ReportData['perPod'];
  const podSet = new Set<string>();
  for (const { summary } of runs) for (const d of Object.keys(summary.dimensions)) if (podOf(d) !== null) podSet.add(podOf(d)!);
  const pods = [...podSet].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));

  const infos: RunInfo[] = [];
  const timeseries: TimeSeriesRun[] = [];
  const podRequests: ReportData['podRequests'] = [];
  const marks: TimeMark[] = [];
  const tagCurves: CurveSeries[] = [];
  const tags: TagRow[] = [];
  const groups: GroupPlacement[] = [];
  const tagKeys = [
    ...new Set(runs.flatMap((r) => Object.keys(r.summary.dimensions).filter((d) => d.startsWith('tag:')))),
  ].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));

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
      errorsByHttpStatus: Object.entries(summary.counters.errorsByHttpStatus)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .map(([status, count]) => ({ status, count })),
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

    for (const key of tagKeys) {
      const d = summary.dimensions[key];
      if (!d) continue;
      tags.push(tagRow(name, key.slice(4), d));
      tagCurves.push(curve(name, key.slice(4), d.ttft.hist, d.ttft.count));
    }
    const gp = groupPlacement(name, summary);
    if (gp) groups.push(gp);

    const timeline = input.timelines?.[name];
    marks.push(...marksOf(name, summary, timeline));
    const b = summary.timeseries.buckets;
    const perS = 1000 / summary.timeseries.bucketMs;
    timeseries.push({
      run: name,
      t: b.map((x) => (x.t * summary.timeseries.bucketMs) / 1000),
      completedPerS: b.map((x) => x.completed * perS),
      outputTokensPerS: b.map((x) => x.outputTokens * perS),
      inFlightMax: b.map((x) => x.inFlightMax),
      errorsPerS: b.map((x) => x.errors * perS),
      ttft: perSecondTtft(summary),
      itl: timeline ? timeline.itl : null,
      readyPods: ready.series,
    });
  }
  // A per-second value covers [t, t + 1): the range ends one second after the last start. (A loop, not
  // Math.max(...xs): a day-long run has more points than a call may take arguments.)
  const lo = 0;
  let hi = 0;
  const extend = (xs: readonly number[]) => {
    for (const x of xs) if (x + 1 > hi) hi = x + 1;
  };
  for (const r of timeseries) [r.t, r.itl?.t ?? [], r.readyPods?.t ?? []].forEach(extend);
  extend(marks.map((m) => m.t));
  const timeRange: [number, number] = [lo, Math.max(hi, lo + 1)];
  const runVerdicts = infos.flatMap((i) => i.verdicts);
  const controls = (input.controls ?? []).map((c) => controlInfo(c.name, c.summary, runVerdicts));
  return { percentileXs: PERCENTILE_XS, runs: infos, overall, perPod, pods, podRequests, timeseries, timeRange, marks, tagCurves, tags, groups, controls };
}
