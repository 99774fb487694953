// The run summary (summary.json): a versioned, self-contained result that verdicts, comparisons and merges read.
// Every latency statistic carries its HDR histogram (compressed base64), so summaries from several workers can be
// merged exactly (merge.ts) and any percentile recomputed later without the per-request file.
import { z } from 'zod';
import { LoadSpecSchema } from '../load/load-spec.ts';
import { TimeseriesSchema } from './timeseries.ts';
import { RoutebenchError } from '../errors.ts';

export const SUMMARY_SCHEMA_VERSION = 1;

const count = z.number().int().nonnegative();
const stat = z.number().nullable();

/** One latency distribution, in ms. All statistics are null when count is 0. */
export const LatencyStatsSchema = z.strictObject({
  p50: stat,
  p90: stat,
  p95: stat,
  p99: stat,
  p999: stat,
  mean: stat,
  min: stat,
  max: stat,
  count,
  /** HDR histogram of the values in integer µs, compressed base64 (decode with decodeHistogram(s, 'ms')). */
  hist: z.string(),
});
export type LatencyStats = z.infer<typeof LatencyStatsSchema>;

export const TokenTotalsSchema = z.strictObject({ prompt: count, completion: count, cached: count });

/** The latency metrics kept per dimension, in the order outputs list them. */
export const LATENCY_METRICS = ['ttft', 'itl', 'tpot', 'e2e', 'scheduleDelay', 'latencyFromIntended'] as const;
export type LatencyMetric = (typeof LATENCY_METRICS)[number];

/**
 * Statistics of one dimension (overall, pod:<name>, model:<requested>, stage:<n>, tag:<key>=<value>).
 * ttft/itl/tpot/e2e/latencyFromIntended cover requests with status 'ok'; scheduleDelay covers every measured
 * request (it describes the client, not the server). itl is per token (see itl.ts).
 */
export const DimensionStatsSchema = z.strictObject({
  count,
  ok: count,
  errors: count,
  cancelled: count,
  tokens: TokenTotalsSchema,
  ttft: LatencyStatsSchema,
  itl: LatencyStatsSchema,
  tpot: LatencyStatsSchema,
  e2e: LatencyStatsSchema,
  scheduleDelay: LatencyStatsSchema,
  latencyFromIntended: LatencyStatsSchema,
});
export type DimensionStats = z.infer<typeof DimensionStatsSchema>;

export const SummaryMetaSchema = z.strictObject({
  scenario: z.string().min(1),
  /** Target base URL with any user:password removed. */
  target: z.string(),
  /** Wall-clock time of the run's monotonic 0 (record times are offsets from it). */
  startedAt: z.iso.datetime({ offset: true }),
  endedAt: z.iso.datetime({ offset: true }),
  durationS: z.number().nonnegative(),
  seed: z.union([z.number(), z.string()]).nullable().default(null),
  /** Tokenizer whose counts the run reports (prompt lengths, fallback output counts). */
  tokenizer: z.string().default('unknown'),
  load: LoadSpecSchema.nullable().default(null),
  workers: z.number().int().positive().default(1),
  /** Client self-diagnostics (event-loop lag, socket pool…), filled by the client. */
  client: z.record(z.string(), z.unknown()).default({}),
  /** How many summaries were merged into this one (1 = a single run). */
  mergedFrom: z.number().int().positive().default(1),
});
export type SummaryMeta = z.infer<typeof SummaryMetaSchema>;

export const SummarySchema = z.strictObject({
  schemaVersion: z.literal(SUMMARY_SCHEMA_VERSION),
  meta: SummaryMetaSchema,
  /** Measured-phase counts; warm-up requests only appear under `warmup`. sent = finished + inFlight. */
  counts: z.strictObject({
    sent: count,
    finished: count,
    ok: count,
    error: count,
    cancelled: count,
    inFlight: z.number().int(),
    warmup: z.strictObject({ sent: count, finished: count }),
  }),
  /** Run-relative ms spanning the measured requests (null before any finished). */
  window: z
    .strictObject({ firstSentMs: z.number(), lastSentMs: z.number(), lastEndMs: z.number() })
    .nullable(),
  rates: z.strictObject({
    /** lastEnd − firstSent of the measured requests, s. */
    durationS: z.number().nonnegative(),
    requestsPerS: z.number().nonnegative(),
    okPerS: z.number().nonnegative(),
    outputTokensPerS: z.number().nonnegative(),
    promptTokensPerS: z.number().nonnegative(),
    /** Requests/s the load spec asked for (open loop only; null for closed loop or no spec). */
    requestedRate: z.number().nullable(),
    /** Requests/s the client actually sent: (sent − 1) / (lastSent − firstSent). */
    achievedSendRate: z.number().nullable(),
  }),
  counters: z.strictObject({
    errorsByClass: z.record(z.string(), count),
    /** The first error message seen per class (as recorded: secrets already redacted), for reports. */
    errorSamples: z.record(z.string(), z.string()).default({}),
    errorsByHttpStatus: z.record(z.string(), count),
    finishReasons: z.record(z.string(), count),
    podSources: z.record(z.string(), count),
    tokens: TokenTotalsSchema,
  }),
  dimensions: z.record(z.string(), DimensionStatsSchema),
  /** Requests per pod per group (prefix-affinity evidence): groupId → pod → count. */
  groups: z.strictObject({
    byGroup: z.record(z.string(), z.record(z.string(), count)),
    /** Measured requests with a groupId that were not counted because the group cap was reached. */
    droppedRecords: count,
  }),
  limits: z.strictObject({
    maxDimensions: count,
    maxGroups: count,
    /** Record×dimension pairs not tracked because the dimension cap was reached. */
    dimensionsDropped: count,
  }),
  timeseries: TimeseriesSchema,
  /** Free space for later stages (claims, scraped metrics, attribution). */
  extra: z.record(z.string(), z.unknown()),
});
export type Summary = z.infer<typeof SummarySchema>;

/** Validate a summary read from disk; errors name the field path. */
export function parseSummary(value: unknown): Summary {
  const r = SummarySchema.safeParse(value);
  if (!r.success) throw new RoutebenchError('RB_INPUT_INVALID', `invalid summary:\n${z.prettifyError(r.error)}`);
  return r.data;
}
