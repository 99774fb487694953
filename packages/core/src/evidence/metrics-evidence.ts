// MetricsEvidence: what the collector hands to claims and attribution. Plain JSON (no Infinity/NaN:
// `le` is a string, missing gauge values are null) so it can be written next to requests.jsonl.
import { z } from 'zod';

const Labels = z.record(z.string(), z.string());

export const CounterDeltaSchema = z.strictObject({
  /** Canonical name (see metric-names.ts), e.g. `vllm:request_success`. */
  metric: z.string(),
  /** Name as the target exposed it, e.g. `vllm:request_success_total`. */
  exposedAs: z.string(),
  labels: Labels,
  /** Value at the first / last observation in the window (null: not seen then, or a query source). */
  before: z.number().nullable(),
  after: z.number().nullable(),
  /** Increase over the window, summed step by step; a decrease is a restart, so that step adds the new value. */
  delta: z.number(),
  /** Number of restarts (decreases) seen. */
  resets: z.number().int().nonnegative(),
});
export type CounterDelta = z.infer<typeof CounterDeltaSchema>;

export const HistogramDeltaSchema = z.strictObject({
  metric: z.string(),
  exposedAs: z.string(),
  /** Series labels without `le`. */
  labels: Labels,
  /** Cumulative bucket increases, ascending `le` ("+Inf" last). */
  buckets: z.array(z.strictObject({ le: z.string(), delta: z.number() })),
  countDelta: z.number(),
  sumDelta: z.number(),
  resets: z.number().int().nonnegative(),
  /** Approximate quantiles from bucket deltas (linear interpolation, as PromQL histogram_quantile); null when empty. */
  quantiles: z.strictObject({ p50: z.number().nullable(), p90: z.number().nullable(), p99: z.number().nullable() }),
});
export type HistogramDelta = z.infer<typeof HistogramDeltaSchema>;

export const GaugeSeriesSchema = z.strictObject({
  metric: z.string(),
  exposedAs: z.string(),
  labels: Labels,
  /** [time ms on the collector clock, value (null for NaN)]. */
  points: z.array(z.tuple([z.number(), z.number().nullable()])),
});
export type GaugeSeries = z.infer<typeof GaugeSeriesSchema>;

export const TargetEvidenceSchema = z.strictObject({
  name: z.string(),
  role: z.string().nullable(),
  /** host:port the target serves on (lets EPP `ip:port` be mapped to this name). */
  address: z.string().nullable(),
  url: z.string().nullable(),
  scrapesOk: z.number().int().nonnegative(),
  scrapesFailed: z.number().int().nonnegative(),
  /** False when the window has no usable before/after pair for this target: its deltas are not evidence. */
  complete: z.boolean(),
  counters: z.array(CounterDeltaSchema),
  histograms: z.array(HistogramDeltaSchema),
  gauges: z.array(GaugeSeriesSchema),
});
export type TargetEvidence = z.infer<typeof TargetEvidenceSchema>;

export const ScrapeErrorSchema = z.strictObject({
  /** null for source-wide failures (discovery, a Prometheus query). */
  target: z.string().nullable(),
  phase: z.enum(['discover', 'before', 'sample', 'after', 'query']),
  atMs: z.number(),
  message: z.string(),
});
export type ScrapeError = z.infer<typeof ScrapeErrorSchema>;

export const SourceEvidenceSchema = z.strictObject({
  name: z.string(),
  kind: z.enum(['static', 'kubernetes', 'prometheus']),
  targets: z.array(TargetEvidenceSchema),
  errors: z.array(ScrapeErrorSchema),
});
export type SourceEvidence = z.infer<typeof SourceEvidenceSchema>;

export const MetricsEvidenceSchema = z.strictObject({
  schemaVersion: z.literal(1),
  startedAtEpochMs: z.number(),
  /** Measured window on the collector clock (ms). */
  window: z.strictObject({ startMs: z.number(), endMs: z.number() }),
  intervalMs: z.number(),
  sources: z.array(SourceEvidenceSchema),
});
export type MetricsEvidence = z.infer<typeof MetricsEvidenceSchema>;
