// Export a run summary as an llm-d-benchmark Benchmark Report v0.2 (`--format llmd-report`), so routebench runs
// can sit next to inference-perf / guidellm / vllm-benchmark results in llm-d-benchmark's analysis tooling.
// The schema (and where it was read) is in report/llmd-report-schema.ts; every export is validated against it.
//
// Mapping choices:
// - Latencies are in ms (upstream accepts ms or s). TTFT and E2E → time_to_first_token / request_latency (ms);
//   TPOT → time_per_output_token (ms/token); our per-token ITL → inter_token_latency (ms/token).
//   normalized_time_per_output_token is left out: the summary does not keep e2e / output tokens per request.
// - Every percentile upstream has (p0.1 … p99.9, stddev) is recomputed from the HDR histogram.
// - requests.total = measured requests sent; failures = errors; incomplete = cancelled + still in flight.
// - input/output lengths are means (total tokens / requests): the summary keeps totals, not distributions.
// - Throughputs are run means; the per-second series go under time_series (request_rate = completions/s).
// - Verdicts are not part of the schema and are not exported.
import { createHash } from 'node:crypto';
import { stringify as toYaml } from 'yaml';
import { z } from 'zod';
import { decodeHistogram } from '../record/histogram.ts';
import type { LatencyStats, Summary } from '../record/summary.ts';
import {
  ComponentSchema,
  LLMD_REPORT_VERSION,
  validateLlmdReport,
  type LlmdBenchmarkReport,
  type LlmdStatistics,
} from './llmd-report-schema.ts';
import { RoutebenchError } from '../errors.ts';

export { LLMD_REPORT_VERSION, LlmdBenchmarkReportSchema, validateLlmdReport, type LlmdBenchmarkReport } from './llmd-report-schema.ts';

export const ROUTEBENCH_TOOL = 'routebench';
export const ROUTEBENCH_VERSION = '0.1.0';

export const LlmdReportOptionsSchema = z.strictObject({
  /** run.uid; default: a hash of scenario, start time, target and seed (stable for one run). */
  uid: z.string().min(1).optional(),
  /** run.eid: groups reports of one experiment (e.g. the agg and P/D runs of one comparison). */
  eid: z.string().min(1).optional(),
  description: z.string().optional(),
  keywords: z.array(z.string()).optional(),
  /** How prompts were made: synthetic token soup → 'random', a dataset → 'sampled'. */
  source: z.enum(['random', 'sampled', 'unknown']).default('unknown'),
  toolVersion: z.string().min(1).default(ROUTEBENCH_VERSION),
  /** scenario.stack components, when the caller knows the deployment (model server image, accelerators, EPP config). */
  stack: z.array(ComponentSchema).optional(),
});
export type LlmdReportOptions = z.input<typeof LlmdReportOptionsSchema>;

export type LlmdReportFormat = 'json' | 'yaml';

function sha256Hex(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

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

/** Statistics of one latency distribution from its HDR histogram; undefined when it holds no value. */
function latencyStatistics<U extends string>(stats: LatencyStats, units: U): (LlmdStatistics & { units: U }) | undefined {
  if (stats.count === 0 || stats.mean === null) return undefined;
  const h = decodeHistogram(stats.hist, 'ms').hdr;
  const out: Record<string, number | string> = { units, mean: stats.mean, stddev: h.stdDeviation / 1000 };
  out.min = h.getValueAtPercentile(0) / 1000;
  for (const [key, p] of PERCENTILES) out[key] = h.getValueAtPercentile(p) / 1000;
  out.max = h.getValueAtPercentile(100) / 1000;
  return out as LlmdStatistics & { units: U };
}

function isoDuration(seconds: number): string {
  return `PT${Math.round(seconds * 1000) / 1000}S`;
}

function loadSection(summary: Summary, source: 'random' | 'sampled' | 'unknown', toolVersion: string) {
  const { meta, counts, counters, rates } = summary;
  const load = meta.load;
  const requestsWithPrompt = counts.finished;
  const standardized: Record<string, unknown> = {
    tool: ROUTEBENCH_TOOL,
    tool_version: toolVersion,
    parallelism: meta.workers,
    source,
    stage: 0,
    input_seq_len: { distribution: 'other', value: requestsWithPrompt > 0 ? counters.tokens.prompt / requestsWithPrompt : 0 },
  };
  if (counts.ok > 0) standardized.output_seq_len = { distribution: 'other', value: counters.tokens.completion / counts.ok };
  const rate = rates.requestedRate ?? (load && (load.type === 'constant' || load.type === 'poisson') ? load.rate : undefined);
  if (rate !== undefined && rate !== null && rate > 0) standardized.rate_qps = rate;
  if (load?.type === 'concurrency' && load.concurrency) standardized.concurrency = load.concurrency;
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

function timeSeries(summary: Summary) {
  const start = Date.parse(summary.meta.startedAt);
  const perS = 1000 / summary.timeseries.bucketMs;
  const tsOf = (t: number) => new Date(start + t * summary.timeseries.bucketMs).toISOString();
  const buckets = summary.timeseries.buckets;
  if (buckets.length === 0) return undefined;
  const ttft = buckets.filter((b) => b.ttftP50Ms !== null).map((b) => ({ ts: tsOf(b.t), p50: b.ttftP50Ms as number }));
  return {
    ...(ttft.length ? { latency: { time_to_first_token: { units: 'ms' as const, series: ttft } } } : {}),
    throughput: {
      output_token_rate: { units: 'tokens/s' as const, series: buckets.map((b) => ({ ts: tsOf(b.t), value: b.outputTokens * perS })) },
      request_rate: { units: 'queries/s' as const, series: buckets.map((b) => ({ ts: tsOf(b.t), value: b.completed * perS })) },
    },
  };
}

/** Build (and validate) the Benchmark Report v0.2 for one summary. */
export function summaryToLlmdReport(summary: Summary, options: LlmdReportOptions = {}): LlmdBenchmarkReport {
  const parsed = LlmdReportOptionsSchema.safeParse(options);
  if (!parsed.success) throw new RoutebenchError('RB_CONFIG_INVALID', `llmd-report: invalid options:\n${z.prettifyError(parsed.error)}`);
  const opts = parsed.data;
  const { meta, counts, rates } = summary;
  const overall = summary.dimensions.overall;
  const uid = opts.uid ?? sha256Hex(`${meta.scenario}|${meta.startedAt}|${meta.target}|${String(meta.seed)}`).slice(0, 32);

  const latency = overall
    ? {
        time_to_first_token: latencyStatistics(overall.ttft, 'ms'),
        time_per_output_token: latencyStatistics(overall.tpot, 'ms/token'),
        inter_token_latency: latencyStatistics(overall.itl, 'ms/token'),
        request_latency: latencyStatistics(overall.e2e, 'ms'),
      }
    : undefined;

  const requests: Record<string, unknown> = {
    total: counts.sent,
    failures: counts.error,
    incomplete: counts.cancelled + Math.max(0, counts.inFlight),
  };
  if (counts.finished > 0) requests.input_length = { units: 'count', mean: summary.counters.tokens.prompt / counts.finished };
  if (counts.ok > 0) requests.output_length = { units: 'count', mean: summary.counters.tokens.completion / counts.ok };

  const report = {
    version: LLMD_REPORT_VERSION,
    run: {
      uid,
      ...(opts.eid ? { eid: opts.eid } : {}),
      time: { start: meta.startedAt, end: meta.endedAt, duration: isoDuration(meta.durationS) },
      ...(opts.description !== undefined ? { description: opts.description } : {}),
      ...(opts.keywords ? { keywords: opts.keywords } : {}),
    },
    scenario: {
      ...(opts.stack ? { stack: opts.stack } : {}),
      load: loadSection(summary, opts.source, opts.toolVersion),
    },
    results: {
      request_performance: {
        aggregate: {
          requests,
          ...(latency ? { latency: dropUndefined(latency) } : {}),
          throughput: {
            input_token_rate: { units: 'tokens/s', mean: rates.promptTokensPerS },
            output_token_rate: { units: 'tokens/s', mean: rates.outputTokensPerS },
            total_token_rate: { units: 'tokens/s', mean: rates.promptTokensPerS + rates.outputTokensPerS },
            request_rate: { units: 'queries/s', mean: rates.requestsPerS },
          },
        },
        ...(() => {
          const ts = timeSeries(summary);
          return ts ? { time_series: ts } : {};
        })(),
      },
    },
  };
  // Validation also fills upstream's defaults (schema_version, parallelism…), as pydantic would.
  return validateLlmdReport(report);
}

function dropUndefined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The report as text: JSON (2-space indent, like upstream's export_json) or YAML. */
export function formatLlmdReport(summary: Summary, format: LlmdReportFormat = 'json', options: LlmdReportOptions = {}): string {
  const report = summaryToLlmdReport(summary, options);
  return format === 'yaml' ? toYaml(report, { indent: 2 }) : `${JSON.stringify(report, null, 2)}\n`;
}
