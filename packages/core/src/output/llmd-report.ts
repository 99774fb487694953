// Export a run summary as an llm-d-benchmark Benchmark Report v0.2.1 (`--format llmd-report`), so routebench runs
// sit next to inference-perf / guidellm / vllm-benchmark results in llm-d-benchmark's analysis tooling and in
// llm-d-prism. The schema (and where it was read) is in llmd-report-schema.ts; every export is validated against it.
//
// Mapping choices:
// - Latencies are in s and s/token. Upstream accepts ms or s, but llm-d-prism reads every latency as seconds and
//   multiplies by 1000 without looking at `units` (llm-d/llm-d-prism @ e8c1fce8b99b6c59ddd3c3fca70858e9664b4976,
//   src/utils/benchmarkReportV02Parser.js, toMs: "v0.2 latency values are in seconds"), so ms would show 1000× off.
//   TTFT and E2E → time_to_first_token / request_latency (s); TPOT → time_per_output_token (s/token); our per-token
//   ITL → inter_token_latency (s/token). normalized_time_per_output_token is left out: the summary does not keep
//   e2e / output tokens per request.
// - Every percentile upstream has (p0.1 … p99.9, stddev) is recomputed from the HDR histogram.
// - requests.total = measured requests sent; failures = errors; incomplete = cancelled + still in flight.
// - input/output lengths are means (total tokens / requests): the summary keeps totals, not distributions.
// - Throughputs are means over the report's window; the per-second series go under time_series
//   (request_rate = completions/s).
// - Per-pod observability (`observability.components[].time_series`) comes from the gauges the run scraped
//   (summary.extra.metrics); see podComponents() for the clip and downsampling rule, which is upstream's.
// - The same in-window samples give each component's `aggregate` (kv_cache_usage, running/waiting_requests) and
//   upstream's ad-hoc per-metric entries (`observability.vllm_kv_cache_usage_perc` …), which llm-d-prism reads.
// - Component health comes from the same scrapes; see componentHealth() for what is and is not known.
// - Verdicts are not part of the schema and are not exported.
import { createHash } from 'node:crypto';
import { stringify as toYaml } from 'yaml';
import { z } from 'zod';
import { decodeHistogram } from '../record/histogram.ts';
import type { DimensionStats, LatencyStats, Summary } from '../record/summary.ts';
import { MetricsEvidenceSchema, type MetricsEvidence, type TargetEvidence } from '../evidence/metrics-evidence.ts';
import { phasesOf } from '../load/schedule.ts';
import {
  ComponentSchema,
  LLMD_REPORT_VERSION,
  validateLlmdReport,
  type LlmdBenchmarkReport,
  type LlmdStatistics,
  type LlmdTimeSeriesPoint,
  type LlmdTimeSeriesResourceMetrics,
} from './llmd-report-schema.ts';
import { RoutebenchError } from '../errors.ts';

export {
  LLMD_REPORT_VERSION,
  LLMD_REPORT_VERSIONS,
  LlmdBenchmarkReportSchema,
  LlmdBenchmarkReportV02Schema,
  validateLlmdReport,
  validateAnyLlmdReport,
  type LlmdBenchmarkReport,
  type LlmdBenchmarkReportV02,
} from './llmd-report-schema.ts';

export const ROUTEBENCH_TOOL = 'routebench';
export const ROUTEBENCH_VERSION = '0.1.0';

/**
 * Points kept per embedded series: llm-d-benchmark's default (METRICS_TS_MAX_POINTS, `_DEFAULT_TS_MAX_POINTS = 256`
 * in llmdbenchmark/analysis/benchmark_report/metrics_processor.py @ 8bc9f1ddd873a24f1657d6cca2e0d0fb6947dd36).
 */
export const LLMD_TS_MAX_POINTS = 256;

export const LlmdReportOptionsSchema = z.strictObject({
  /** run.uid; default: a hash of scenario, start time, target and seed (and the stage, for a stage's report). */
  uid: z.string().min(1).optional(),
  /** run.eid: groups reports of one experiment; default: a UUID5 of the run's identity (all its stages share it). */
  eid: z.string().min(1).optional(),
  /** run.description (llm-d-prism's run label); default: `<model> [<scenario> <start time>]`. */
  description: z.string().optional(),
  keywords: z.array(z.string()).optional(),
  /** How prompts were made: synthetic token soup → 'random', a dataset → 'sampled'. */
  source: z.enum(['random', 'sampled', 'unknown']).default('unknown'),
  toolVersion: z.string().min(1).default(ROUTEBENCH_VERSION),
  /** scenario.stack components, when the caller knows the deployment (model server image, accelerators, EPP config). */
  stack: z.array(ComponentSchema).optional(),
  /** Report on one load stage only (a `stages` load); default: the whole measured run. */
  stage: z.number().int().nonnegative().optional(),
  /** Points kept per embedded observability series. */
  maxPoints: z.number().int().min(2).default(LLMD_TS_MAX_POINTS),
});
export type LlmdReportOptions = z.input<typeof LlmdReportOptionsSchema>;

export type LlmdReportFormat = 'json' | 'yaml';

function sha256Hex(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

/** RFC 4122 name-based UUID (version 5, SHA-1), as Python's uuid.uuid5. */
export function uuid5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const h = createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16);
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
/** Python's uuid.NAMESPACE_URL, which upstream uses for run.eid (native_to_br0_2.py: uuid5(NAMESPACE_URL, experiment_id)). */
export const UUID_NAMESPACE_URL = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

/** JSON with object keys sorted at every level, so a hash of a config does not depend on key order. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** Upstream's percentile names → percentiles. */
const PERCENTILES: readonly [keyof LlmdStatistics, number][] = [
  ['p0p1', 0.1], ['p1', 1], ['p5', 5], ['p10', 10], ['p25', 25], ['p50', 50],
  ['p75', 75], ['p90', 90], ['p95', 95], ['p99', 99], ['p99p9', 99.9],
];

/** Statistics (in s) of one latency distribution from its HDR histogram (µs); undefined when it holds no value. */
function latencyStatistics<U extends string>(stats: LatencyStats | undefined, units: U): (LlmdStatistics & { units: U }) | undefined {
  if (!stats || stats.count === 0 || stats.mean === null) return undefined;
  const h = decodeHistogram(stats.hist, 'ms').hdr;
  const out: Record<string, number | string> = { units, mean: stats.mean / 1000, stddev: h.stdDeviation / 1e6 };
  out.min = h.getValueAtPercentile(0) / 1e6;
  for (const [key, p] of PERCENTILES) out[key] = h.getValueAtPercentile(p) / 1e6;
  out.max = h.getValueAtPercentile(100) / 1e6;
  return out as LlmdStatistics & { units: U };
}

function isoDuration(seconds: number): string {
  return `PT${Math.round(seconds * 1000) / 1000}S`;
}

// ---- the window a report covers ----------------------------------------------------------------------------

/** A report's window on the run clock (ms from meta.startedAt), half-open [startMs, endMs). */
interface ReportWindow {
  stage: number;
  startMs: number;
  endMs: number;
  /** The load stage's own rate / concurrency, for a stage's report. */
  rate?: number;
  concurrency?: number;
}

/** The stages of the run's load spec: more than one only for a `stages` load. */
export function llmdReportStages(summary: Summary): number[] {
  const load = summary.meta.load;
  return load?.type === 'stages' && load.stages ? load.stages.map((_, i) => i) : [0];
}

/**
 * The window a report covers. The whole run: the measured window [first measured send, last measured end), so
 * warm-up is out. One stage: that stage's scheduled [start, end) from the load spec (load/schedule.ts phasesOf),
 * narrowed to the measured window; the last stage ends at the last measured end. Half-open as upstream's clip_to_window (timeseries.py), "so a sample landing on
 * the boundary between two consecutive stages is attributed to one of them, not to both".
 */
function reportWindow(summary: Summary, stage: number | undefined): ReportWindow {
  const w = summary.window;
  const m0 = w ? w.firstSentMs : 0;
  const m1 = w ? w.lastEndMs : summary.meta.durationS * 1000;
  if (stage === undefined) return { stage: 0, startMs: m0, endMs: m1 };
  const load = summary.meta.load;
  const phase = load ? phasesOf(load).find((p) => p.stage === stage) : undefined;
  if (!phase) throw new RoutebenchError('RB_CONFIG_INVALID', `llmd-report: stage ${stage} is not a stage of this run's load (it has ${llmdReportStages(summary).length})`, { field: 'stage' });
  const startMs = Math.max(phase.startMs, m0);
  // The last stage runs on to the last measured end: its requests finish after its schedule does, and no stage follows.
  const last = phase.stage === llmdReportStages(summary).length - 1;
  const endMs = last ? m1 : Math.min(phase.endMs, m1);
  return { stage, startMs, endMs: Math.max(startMs, endMs), rate: phase.rate, concurrency: phase.concurrency };
}

// ---- scenario.load -----------------------------------------------------------------------------------------

function loadSection(summary: Summary, win: ReportWindow, stageReport: boolean, dim: Counts, source: 'random' | 'sampled' | 'unknown', toolVersion: string) {
  const { meta, rates } = summary;
  const load = meta.load;
  const standardized: Record<string, unknown> = {
    tool: ROUTEBENCH_TOOL,
    tool_version: toolVersion,
    parallelism: meta.workers,
    source,
    stage: win.stage,
    input_seq_len: { distribution: 'other', value: dim.finished > 0 ? dim.promptTokens / dim.finished : 0 },
  };
  if (dim.ok > 0) standardized.output_seq_len = { distribution: 'other', value: dim.completionTokens / dim.ok };
  const rate = stageReport
    ? win.rate
    : (rates.requestedRate ?? (load && (load.type === 'constant' || load.type === 'poisson') ? load.rate : undefined));
  if (rate !== undefined && rate !== null && rate > 0) standardized.rate_qps = rate;
  const concurrency = stageReport ? win.concurrency : load?.type === 'concurrency' ? load.concurrency : undefined;
  if (concurrency) standardized.concurrency = concurrency;
  else if (load && load.maxInFlight > 0) standardized.concurrency = load.maxInFlight;
  return {
    metadata: {
      schema_version: '0.0.1',
      ...(load ? { cfg_id: sha256Hex(canonicalJson(load)) } : {}),
      description: meta.scenario,
    },
    standardized,
    native: {
      args: { scenario: meta.scenario, seed: meta.seed, tokenizer: meta.tokenizer, workers: meta.workers },
      ...(load ? { config: load } : {}),
    },
  };
}

// ---- results.request_performance ---------------------------------------------------------------------------

interface Counts {
  sent: number;
  finished: number;
  ok: number;
  errors: number;
  incomplete: number;
  promptTokens: number;
  completionTokens: number;
}

function countsOf(summary: Summary, dim: DimensionStats | undefined, stageReport: boolean): Counts {
  if (!stageReport) {
    const c = summary.counts;
    return {
      sent: c.sent,
      finished: c.finished,
      ok: c.ok,
      errors: c.error,
      incomplete: c.cancelled + Math.max(0, c.inFlight),
      promptTokens: summary.counters.tokens.prompt,
      completionTokens: summary.counters.tokens.completion,
    };
  }
  // A stage's dimension holds its finished measured requests; the in-flight count is run-wide only.
  const d = dim;
  return {
    sent: d?.count ?? 0,
    finished: d?.count ?? 0,
    ok: d?.ok ?? 0,
    errors: d?.errors ?? 0,
    incomplete: d?.cancelled ?? 0,
    promptTokens: d?.tokens.prompt ?? 0,
    completionTokens: d?.tokens.completion ?? 0,
  };
}

/**
 * The per-second series (timeseries.csv) over the report's window: a one-second bucket [t, t+1) s is kept when it
 * overlaps the window, so the seconds at the edges also hold traffic from just outside it (warm-up, the next stage).
 */
function requestTimeSeries(summary: Summary, win: ReportWindow) {
  const start = Date.parse(summary.meta.startedAt);
  const bucketMs = summary.timeseries.bucketMs;
  const perS = 1000 / bucketMs;
  const tsOf = (t: number) => new Date(start + t * bucketMs).toISOString();
  const buckets = summary.timeseries.buckets.filter((b) => b.t * bucketMs < win.endMs && (b.t + 1) * bucketMs > win.startMs);
  if (buckets.length === 0) return undefined;
  const ttft = buckets.filter((b) => b.ttftP50Ms !== null).map((b) => ({ ts: tsOf(b.t), p50: (b.ttftP50Ms as number) / 1000 }));
  return {
    ...(ttft.length ? { latency: { time_to_first_token: { units: 's' as const, series: ttft } } } : {}),
    throughput: {
      output_token_rate: { units: 'tokens/s' as const, series: buckets.map((b) => ({ ts: tsOf(b.t), value: b.outputTokens * perS })) },
      request_rate: { units: 'queries/s' as const, series: buckets.map((b) => ({ ts: tsOf(b.t), value: b.completed * perS })) },
    },
  };
}

// ---- results.observability: per-pod time series ------------------------------------------------------------

/**
 * Scraped gauge → v0.2.1 TimeSeriesResourceMetrics field, with upstream's units (metrics_processor.py
 * _EMBED_TIME_SERIES @ 8bc9f1ddd873a24f1657d6cca2e0d0fb6947dd36). `combine` is how several label sets of one gauge
 * on one target (e.g. one EPP serving two pools) become one series: counts add up, fractions and averages average.
 * Counters are not here: the run keeps their deltas over the window, not a series, so prompt_tokens,
 * generation_tokens, prefix_cache_* and num_preemptions are left out rather than made up.
 */
const GAUGE_FIELDS: readonly {
  metric: string;
  field: keyof LlmdTimeSeriesResourceMetrics;
  units: 'fraction' | 'count';
  combine: 'sum' | 'mean';
  /** The ResourceMetrics statistic of a component's `aggregate` this gauge also fills. */
  aggregate?: 'kv_cache_usage' | 'running_requests' | 'waiting_requests';
  /** Upstream's ad-hoc observability key for this metric (metrics_processor.py GRAPHED_METRICS). */
  reportKey: string;
}[] = [
  { metric: 'vllm:kv_cache_usage_perc', field: 'kv_cache_usage', units: 'fraction', combine: 'mean', aggregate: 'kv_cache_usage', reportKey: 'vllm_kv_cache_usage_perc' },
  { metric: 'vllm:num_requests_running', field: 'num_requests_running', units: 'count', combine: 'sum', aggregate: 'running_requests', reportKey: 'vllm_num_requests_running' },
  { metric: 'vllm:num_requests_waiting', field: 'num_requests_waiting', units: 'count', combine: 'sum', aggregate: 'waiting_requests', reportKey: 'vllm_num_requests_waiting' },
  { metric: 'inference_pool_average_kv_cache_utilization', field: 'pool_avg_kv_cache_utilization', units: 'fraction', combine: 'mean', reportKey: 'epp_pool_avg_kv_cache_utilization' },
  { metric: 'inference_pool_average_queue_size', field: 'pool_avg_queue_size', units: 'count', combine: 'mean', reportKey: 'epp_pool_avg_queue_size' },
  { metric: 'inference_pool_average_running_requests', field: 'pool_avg_running_requests', units: 'count', combine: 'mean', reportKey: 'epp_pool_avg_running_requests' },
  { metric: 'inference_pool_ready_pods', field: 'pool_ready_pods', units: 'count', combine: 'sum', reportKey: 'epp_pool_ready_pods' },
];

/** Linear-interpolation percentile of sorted values: upstream's percentile() (workload/harnesses/process_metrics.py). */
function percentileOf(sorted: readonly number[], p: number): number {
  const n = sorted.length;
  if (n === 1) return sorted[0]!;
  const k = ((n - 1) * p) / 100;
  const f = Math.floor(k);
  const c = Math.min(f + 1, n - 1);
  return sorted[f]! + (k - f) * (sorted[c]! - sorted[f]!);
}

/**
 * Statistics of gauge samples as upstream's _compute_stats (process_metrics.py @ 8bc9f1dd: mean, sample stddev (0 for
 * one value), min, p25…p99, max), over the samples inside the report's window (before downsampling).
 */
function sampleStatistics<U extends string>(values: readonly number[], units: U) {
  const sorted = [...values].sort((a, b) => a - b);
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const stddev = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return {
    units, mean, stddev, min: sorted[0]!,
    p25: percentileOf(sorted, 25), p50: percentileOf(sorted, 50), p75: percentileOf(sorted, 75),
    p90: percentileOf(sorted, 90), p95: percentileOf(sorted, 95), p99: percentileOf(sorted, 99), max: sorted[n - 1]!,
  };
}

/**
 * Uniform-stride decimation to at most maxPoints, keeping the first and the last: a port of upstream's downsample
 * (timeseries.py @ 8bc9f1ddd873a24f1657d6cca2e0d0fb6947dd36), including Python's round-half-to-even.
 */
export function downsample<T>(points: readonly T[], maxPoints: number): T[] {
  const n = points.length;
  if (maxPoints <= 0 || n <= maxPoints) return [...points];
  const stride = (n - 1) / (maxPoints - 1);
  const idx = new Set<number>([0, n - 1]);
  for (let i = 0; i < maxPoints; i++) idx.add(roundHalfEven(i * stride));
  return [...idx].sort((a, b) => a - b).map((i) => points[i]!);
}

function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** The run's scraped metrics, or null when it scraped none (a URL target without `metrics.sources`). */
function metricsOf(summary: Summary): MetricsEvidence | null {
  const m = summary.extra.metrics;
  if (m === undefined || m === null) return null;
  const r = MetricsEvidenceSchema.safeParse(m);
  if (!r.success) throw new RoutebenchError('RB_INPUT_INVALID', `llmd-report: summary extra.metrics is not the metrics evidence routebench writes:\n${z.prettifyError(r.error)}`, { field: 'extra.metrics' });
  return r.data;
}

type Role = 'epp' | 'prefill' | 'decode' | 'both' | null;

function roleOf(summary: Summary, t: TargetEvidence): Role {
  const roles = (summary.extra.podRoles ?? {}) as Record<string, string>;
  const r = t.role ?? roles[t.name] ?? null;
  return r === 'epp' || r === 'prefill' || r === 'decode' || r === 'both' ? r : null;
}

/** component_label per role: upstream's _component_id (metrics_processor.py) for engines; the EPP is `epp`. */
function componentLabel(role: Role): string {
  if (role === 'epp') return 'epp';
  if (role === 'prefill' || role === 'decode') return `${role}-engine`;
  return 'inference-engine';
}

interface Clip {
  /** Points inside the window, before downsampling (upstream's `datapoints`). */
  kept: number;
  /** Points scraped, before the clip (upstream's `datapoints_available`). */
  available: number;
  scrapedFromMs: number | null;
  scrapedToMs: number | null;
}

/**
 * One component per scraped target (pod or EPP) with at least one point in the window, replica_id = its name, as
 * upstream's _build_embedded_time_series does. Rule, as upstream's: points are clipped to the report's half-open
 * window [start, end), then decimated to at most maxPoints by uniform stride keeping the first and last point.
 * Scrape times (collector clock) are placed on the run clock through the collector's epoch (startedAtEpochMs).
 */
function podComponents(summary: Summary, metrics: MetricsEvidence, win: ReportWindow, maxPoints: number, clip: Clip) {
  const runStartEpoch = Date.parse(summary.meta.startedAt);
  const toEpoch = (t: number) => metrics.startedAtEpochMs + (t - metrics.window.startMs);
  type Series = { units: string; series: LlmdTimeSeriesPoint[] };
  const components: { component_label: string; replica_id: string; aggregate?: Record<string, unknown>; time_series: Record<string, Series> }[] = [];
  /** Per metric: each target's in-window samples, for upstream's per-metric entries. */
  const samples = new Map<(typeof GAUGE_FIELDS)[number], { target: string; role: Role; values: number[] }[]>();
  for (const source of metrics.sources) {
    for (const target of source.targets) {
      const role = roleOf(summary, target);
      const timeSeries: Record<string, Series> = {};
      const aggregate: Record<string, unknown> = {};
      for (const spec of GAUGE_FIELDS) {
        const series = target.gauges.filter((g) => g.metric === spec.metric);
        if (series.length === 0) continue;
        // Label sets combined per scrape time (one scrape stamps all of a target's series with one time).
        const byTime = new Map<number, number[]>();
        for (const g of series) for (const [t, v] of g.points) if (v !== null) (byTime.get(t) ?? byTime.set(t, []).get(t)!).push(v);
        const points = [...byTime.entries()]
          .sort(([a], [b]) => a - b)
          .map(([t, vs]) => [toEpoch(t), spec.combine === 'sum' ? vs.reduce((a, b) => a + b, 0) : vs.reduce((a, b) => a + b, 0) / vs.length] as const);
        if (points.length === 0) continue;
        clip.available += points.length;
        clip.scrapedFromMs = Math.min(clip.scrapedFromMs ?? Infinity, points[0]![0]);
        clip.scrapedToMs = Math.max(clip.scrapedToMs ?? -Infinity, points[points.length - 1]![0]);
        const inWindow = points.filter(([e]) => e - runStartEpoch >= win.startMs && e - runStartEpoch < win.endMs);
        if (inWindow.length === 0) continue;
        clip.kept += inWindow.length;
        timeSeries[spec.field] = { units: spec.units, series: downsample(inWindow, maxPoints).map(([e, value]) => ({ ts: new Date(e).toISOString(), value })) };
        const values = inWindow.map(([, v]) => v);
        if (spec.aggregate) aggregate[spec.aggregate] = sampleStatistics(values, spec.units);
        (samples.get(spec) ?? samples.set(spec, []).get(spec)!).push({ target: target.name, role, values });
      }
      if (Object.keys(timeSeries).length > 0) {
        components.push({
          component_label: componentLabel(role),
          replica_id: target.name,
          ...(Object.keys(aggregate).length > 0 && { aggregate }),
          time_series: timeSeries,
        });
      }
    }
  }
  components.sort((a, b) => (a.replica_id < b.replica_id ? -1 : a.replica_id > b.replica_id ? 1 : 0));
  return { components, perMetric: perMetricEntries(samples) };
}

/**
 * Upstream's ad-hoc per-metric observability entries (metrics_processor.py _build_per_metric_entries and
 * _build_aggregated_entries @ 8bc9f1dd), which are what llm-d-prism reads for observability
 * (benchmarkReportV02Parser.js: `observability.vllm_kv_cache_usage_perc.aggregated.{mean,p50,p99}`, …):
 * `{ components: [{ component_id, pod, role, statistics }], aggregated }`, statistics as _make_stats_dict
 * (mean, p50, p99, stddev, units), `aggregated` over every target's samples pooled, as process_metrics.py does.
 * Observability allows extra keys upstream, so these validate; their window is the report's, like the series.
 */
function perMetricEntries(samples: Map<(typeof GAUGE_FIELDS)[number], { target: string; role: Role; values: number[] }[]>) {
  const stats = (values: readonly number[], units: string) => {
    const s = sampleStatistics(values, units);
    return { mean: s.mean, p50: s.p50, p99: s.p99, stddev: s.stddev, units };
  };
  const out: Record<string, unknown> = {};
  for (const spec of GAUGE_FIELDS) {
    const list = samples.get(spec);
    if (!list || list.length === 0) continue;
    const sorted = [...list].sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
    out[spec.reportKey] = {
      components: sorted.map((x) => ({
        component_id: componentLabel(x.role),
        pod: x.target,
        // upstream's _detect_role vocabulary (prefill, decode, replica); the EPP is `epp`.
        role: x.role === 'prefill' || x.role === 'decode' || x.role === 'epp' ? x.role : 'replica',
        statistics: stats(x.values, spec.units),
      })),
      aggregated: stats(sorted.flatMap((x) => x.values), spec.units),
    };
  }
  return out;
}

/**
 * results.component_health from the scrapes, per scraped target, grouped by component_label. What the run knows:
 * - restarts: counter resets seen during the run (a restarted process starts its counters from 0; the collector
 *   counts each decrease). A lower bound: a restart between two scrapes that leaves a counter above its last value
 *   is not seen, nor is one before the run.
 * - healthy ("healthy status at completion of benchmark", schema_v0_2.py ReplicaHealth): the target's metrics
 *   endpoint answered the run's final scrape. Left out for query sources (Prometheus), which do not scrape pods.
 * - a replica counts in failed_replicas when it restarted, missed any scrape, or was not healthy at the end.
 * Unknown, so left out: Kubernetes readiness and restart counts (the run does not read pod status), `logs`, and
 * pods that served requests but were never scraped (a URL target with only response-header attribution).
 */
function componentHealth(summary: Summary, metrics: MetricsEvidence) {
  const groups = new Map<string, { replica_id: string; restarts: number; healthy?: boolean; failed: boolean }[]>();
  for (const source of metrics.sources) {
    for (const t of source.targets) {
      const restarts = Math.max(0, ...t.counters.map((c) => c.resets), ...t.histograms.map((h) => h.resets));
      const scraped = source.kind !== 'prometheus';
      const healthy = scraped ? t.scrapesOk > 0 && !source.errors.some((e) => e.target === t.name && e.phase === 'after') : undefined;
      const failed = restarts > 0 || t.scrapesFailed > 0 || healthy === false;
      const label = componentLabel(roleOf(summary, t));
      const list = groups.get(label) ?? groups.set(label, []).get(label)!;
      list.push({ replica_id: t.name, restarts, ...(healthy !== undefined && { healthy }), failed });
    }
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([label, replicas]) => ({
      component_label: label,
      total_restarts: replicas.reduce((n, r) => n + r.restarts, 0),
      failed_replicas: replicas.filter((r) => r.failed).length,
      replica_health: replicas
        .sort((a, b) => (a.replica_id < b.replica_id ? -1 : a.replica_id > b.replica_id ? 1 : 0))
        .map(({ failed: _failed, ...r }) => r),
    }));
}

// ---- the report --------------------------------------------------------------------------------------------

/** The run's identity: what uid and eid are derived from (stable for one run, different for any other). */
function runIdentity(summary: Summary): string {
  const { meta } = summary;
  return `${meta.scenario}|${meta.startedAt}|${meta.target}|${String(meta.seed)}`;
}

function defaultDescription(summary: Summary): string {
  // Upstream's default is `<model> [<experiment id>]` (benchmark_report/README.md: the ID keeps runs apart in
  // llm-d-prism, which uses description as the run label).
  const models = Object.keys(summary.dimensions).filter((d) => d.startsWith('model:')).map((d) => d.slice('model:'.length));
  const id = `${summary.meta.scenario} ${summary.meta.startedAt}`;
  return models.length > 0 ? `${models.join(', ')} [${id}]` : `[${id}]`;
}

/** Build (and validate) the Benchmark Report v0.2.1 for one summary (or, with `stage`, one stage of it). */
export function summaryToLlmdReport(summary: Summary, options: LlmdReportOptions = {}): LlmdBenchmarkReport {
  const parsed = LlmdReportOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new RoutebenchError('RB_CONFIG_INVALID', `llmd-report: invalid options:\n${z.prettifyError(parsed.error)}`, { field: first?.path.map(String).join('.') });
  }
  const opts = parsed.data;
  const { meta } = summary;
  const stageReport = opts.stage !== undefined;
  const win = reportWindow(summary, opts.stage);
  const identity = runIdentity(summary);
  const uid = opts.uid ?? sha256Hex(stageReport ? `${identity}|stage:${win.stage}` : identity).slice(0, 32);
  const eid = opts.eid ?? uuid5(UUID_NAMESPACE_URL, `routebench:${identity}`);

  const dim = stageReport ? summary.dimensions[`stage:${win.stage}`] : summary.dimensions.overall;
  const counts = countsOf(summary, dim, stageReport);
  const latency = dim
    ? dropUndefined({
        time_to_first_token: latencyStatistics(dim.ttft, 's'),
        time_per_output_token: latencyStatistics(dim.tpot, 's/token'),
        inter_token_latency: latencyStatistics(dim.itl, 's/token'),
        request_latency: latencyStatistics(dim.e2e, 's'),
      })
    : undefined;

  const requests: Record<string, unknown> = { total: counts.sent, failures: counts.errors, incomplete: counts.incomplete };
  if (counts.finished > 0) requests.input_length = { units: 'count', mean: counts.promptTokens / counts.finished };
  if (counts.ok > 0) requests.output_length = { units: 'count', mean: counts.completionTokens / counts.ok };

  // The whole run keeps the summary's rates (measured window); a stage divides its totals by its window.
  const stageS = (win.endMs - win.startMs) / 1000;
  const perS = (n: number) => (stageS > 0 ? n / stageS : 0);
  const r = stageReport
    ? { prompt: perS(counts.promptTokens), output: perS(counts.completionTokens), requests: perS(counts.finished) }
    : { prompt: summary.rates.promptTokensPerS, output: summary.rates.outputTokensPerS, requests: summary.rates.requestsPerS };

  const metrics = metricsOf(summary);
  const clip: Clip = { kept: 0, available: 0, scrapedFromMs: null, scrapedToMs: null };
  const { components, perMetric } = metrics ? podComponents(summary, metrics, win, opts.maxPoints, clip) : { components: [], perMetric: {} };
  const runStart = Date.parse(meta.startedAt);
  // Upstream records the clip beside the series (metrics_processor.py add_metrics_to_benchmark_report,
  // `observability.time_series_interval`), "so an empty series is never mistaken for a quiet stage".
  const interval = metrics
    ? {
        scope: stageReport ? 'stage' : 'run',
        // Upstream's scalar statistics cover the whole run ('run'); ours (components[].aggregate and the per-metric
        // entries) cover the same window as the series.
        statistics_scope: stageReport ? 'stage' : 'run',
        start: new Date(runStart + win.startMs).toISOString(),
        end: new Date(runStart + win.endMs).toISOString(),
        datapoints: clip.kept,
        datapoints_available: clip.available,
        ...(clip.scrapedFromMs !== null && { scraped_from: new Date(clip.scrapedFromMs).toISOString() }),
        ...(clip.scrapedToMs !== null && { scraped_to: new Date(clip.scrapedToMs).toISOString() }),
      }
    : { scope: 'unavailable' };
  const health = metrics ? componentHealth(summary, metrics) : [];
  const reqSeries = requestTimeSeries(summary, win);

  const report = {
    version: LLMD_REPORT_VERSION,
    run: {
      uid,
      eid,
      time: stageReport
        ? { start: new Date(runStart + win.startMs).toISOString(), end: new Date(runStart + win.endMs).toISOString(), duration: isoDuration(stageS) }
        : { start: meta.startedAt, end: meta.endedAt, duration: isoDuration(meta.durationS) },
      description: opts.description ?? defaultDescription(summary),
      ...(opts.keywords ? { keywords: opts.keywords } : {}),
    },
    scenario: {
      ...(opts.stack ? { stack: opts.stack } : {}),
      load: loadSection(summary, win, stageReport, counts, opts.source, opts.toolVersion),
    },
    results: {
      request_performance: {
        aggregate: {
          requests,
          ...(latency ? { latency } : {}),
          throughput: {
            input_token_rate: { units: 'tokens/s', mean: r.prompt },
            output_token_rate: { units: 'tokens/s', mean: r.output },
            total_token_rate: { units: 'tokens/s', mean: r.prompt + r.output },
            request_rate: { units: 'queries/s', mean: r.requests },
          },
        },
        ...(reqSeries ? { time_series: reqSeries } : {}),
      },
      observability: { ...(components.length > 0 ? { components } : {}), ...perMetric, time_series_interval: interval },
      ...(health.length > 0 ? { component_health: health } : {}),
    },
  };
  // Validation also fills upstream's defaults (schema_version, parallelism…), as pydantic would.
  return validateLlmdReport(report);
}

/** One report per load stage for a `stages` load (as upstream writes one per stage), else one for the run. */
export function summaryToLlmdReports(summary: Summary, options: Omit<LlmdReportOptions, 'stage' | 'uid'> = {}): LlmdBenchmarkReport[] {
  const stages = llmdReportStages(summary);
  if (stages.length === 1) return [summaryToLlmdReport(summary, options)];
  return stages.map((stage) => summaryToLlmdReport(summary, { ...options, stage }));
}

function dropUndefined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A report as text: JSON (2-space indent, like upstream's export_json) or YAML. */
export function llmdReportText(report: LlmdBenchmarkReport, format: LlmdReportFormat = 'json'): string {
  return format === 'yaml' ? toYaml(report, { indent: 2 }) : `${JSON.stringify(report, null, 2)}\n`;
}

/** The report as text: JSON (2-space indent, like upstream's export_json) or YAML. */
export function formatLlmdReport(summary: Summary, format: LlmdReportFormat = 'json', options: LlmdReportOptions = {}): string {
  return llmdReportText(summaryToLlmdReport(summary, options), format);
}
