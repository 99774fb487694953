// Per-second timeline of a run: what was sent, finished, failed, streamed and in flight each second, and the
// median TTFT of the first tokens that arrived in that second. Updated in O(1) per event so the recorder stays
// cheap; the timeline covers every request on the wire, warm-up included, so the in-flight curve is true.
//
// TTFT per second is kept in sparse log bins (2% wide) rather than an HDR histogram per second: a long run has
// thousands of seconds, and an HDR array per second would cost tens of KB each. Bins add exactly, so merged
// timelines report the same per-second median as one run over both sets of requests (within the bin width).
import { z } from 'zod';

export const BUCKET_MS = 1000;
/** Width of a TTFT log bin: values within a bin differ by at most this factor. */
export const LOG_BIN_BASE = 1.02;
const LN_BASE = Math.log(LOG_BIN_BASE);
/** Values at or below this (ms) share the lowest bin. */
const LOG_BIN_FLOOR_MS = 0.01;
const LOWEST_BIN = Math.floor(Math.log(LOG_BIN_FLOOR_MS) / LN_BASE);
/** A week of seconds: events later than this land in the last bucket instead of growing arrays forever. */
const MAX_BUCKETS = 7 * 86_400;

export const TimeseriesBucketSchema = z.strictObject({
  /** Second index from run start (bucket covers [t, t+1) s). */
  t: z.number().int().nonnegative(),
  sent: z.number().int().nonnegative(),
  /** Requests that finished in this second, any status. */
  completed: z.number().int().nonnegative(),
  /** Requests that finished with status 'error' in this second. */
  errors: z.number().int().nonnegative(),
  /** Output tokens that arrived in this second (attributed to the chunk that carried them). */
  outputTokens: z.number().nonnegative(),
  /** Highest in-flight count seen in this second. In merged summaries: the sum of the parts (an upper bound). */
  inFlightMax: z.number().int().nonnegative(),
  /** Requests in flight at the end of this second (exact, also after a merge). */
  inFlightEnd: z.number().int(),
  /** Median TTFT (ms) of requests whose first token arrived in this second; null when none did. */
  ttftP50Ms: z.number().nullable(),
  /** Sparse TTFT log bins as flat pairs [bin, count, bin, count, …] (bin b holds values in [1.02^b, 1.02^(b+1)) ms). */
  ttftBins: z.array(z.number().int()),
});
export type TimeseriesBucket = z.infer<typeof TimeseriesBucketSchema>;

export const TimeseriesSchema = z.strictObject({
  bucketMs: z.literal(BUCKET_MS),
  buckets: z.array(TimeseriesBucketSchema),
});
export type Timeseries = z.infer<typeof TimeseriesSchema>;

// ---- sparse log bins ---------------------------------------------------------------------------------------

export type LogBins = Map<number, number>;

export function logBinOf(ms: number): number {
  if (!(ms > LOG_BIN_FLOOR_MS)) return LOWEST_BIN;
  return Math.floor(Math.log(ms) / LN_BASE);
}

export function addToLogBins(bins: LogBins, ms: number, count = 1): void {
  const b = logBinOf(ms);
  bins.set(b, (bins.get(b) ?? 0) + count);
}

/** Value at quantile q (0..1) as the geometric middle of the bin holding it; null for empty bins. */
export function logBinsQuantile(bins: LogBins, q: number): number | null {
  let total = 0;
  for (const c of bins.values()) total += c;
  if (total === 0) return null;
  const keys = [...bins.keys()].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const k of keys) {
    seen += bins.get(k)!;
    if (seen >= rank) return Math.pow(LOG_BIN_BASE, k + 0.5);
  }
  return Math.pow(LOG_BIN_BASE, keys[keys.length - 1] + 0.5);
}

export function logBinsToPairs(bins: LogBins | undefined): number[] {
  if (!bins) return [];
  const keys = [...bins.keys()].sort((a, b) => a - b);
  const out: number[] = [];
  for (const k of keys) out.push(k, bins.get(k)!);
  return out;
}

export function addPairsToLogBins(bins: LogBins, pairs: readonly number[]): void {
  for (let i = 0; i + 1 < pairs.length; i += 2) bins.set(pairs[i], (bins.get(pairs[i]) ?? 0) + pairs[i + 1]);
}

// ---- live accumulator --------------------------------------------------------------------------------------

export interface TimeseriesAccumulator {
  /** A request left the client at tMs; `inFlightAfter` = requests in flight counting this one. */
  noteSent(tMs: number, inFlightAfter: number): void;
  noteFinished(endMs: number, isError: boolean): void;
  noteOutputTokens(tMs: number, tokens: number): void;
  noteTtft(firstTokenMs: number, ttftMs: number): void;
  /**
   * Replace the live in-flight peaks with exact ones computed from every request's [sent, end] interval. Used when
   * a run is rebuilt from records, whose order is not the order events happened in.
   */
  setInFlightMaxFromIntervals(sends: readonly number[], ends: readonly number[]): void;
  toJSON(): Timeseries;
}

function bucketOf(tMs: number): number {
  if (!(tMs > 0)) return 0;
  return Math.min(MAX_BUCKETS - 1, Math.floor(tMs / BUCKET_MS));
}

export function createTimeseries(): TimeseriesAccumulator {
  const sent: number[] = [];
  const completed: number[] = [];
  const errors: number[] = [];
  const tokens: number[] = [];
  const peak: number[] = [];
  const ttft: (LogBins | undefined)[] = [];

  function ensure(b: number): void {
    while (sent.length <= b) {
      sent.push(0);
      completed.push(0);
      errors.push(0);
      tokens.push(0);
      peak.push(0);
      ttft.push(undefined);
    }
  }

  return {
    noteSent(tMs, inFlightAfter) {
      const b = bucketOf(tMs);
      ensure(b);
      sent[b]++;
      if (inFlightAfter > peak[b]) peak[b] = inFlightAfter;
    },
    noteFinished(endMs, isError) {
      const b = bucketOf(endMs);
      ensure(b);
      completed[b]++;
      if (isError) errors[b]++;
    },
    noteOutputTokens(tMs, n) {
      if (!(n > 0)) return;
      const b = bucketOf(tMs);
      ensure(b);
      tokens[b] += n;
    },
    noteTtft(firstTokenMs, ttftMs) {
      const b = bucketOf(firstTokenMs);
      ensure(b);
      addToLogBins((ttft[b] ??= new Map()), ttftMs);
    },
    setInFlightMaxFromIntervals(sends, ends) {
      for (let b = 0; b < peak.length; b++) peak[b] = 0;
      const events: number[] = [];
      for (const s of sends) events.push(s, +1);
      for (const e of ends) events.push(e, -1);
      const order = Array.from({ length: events.length / 2 }, (_, i) => i);
      // Ends before sends at equal times: a request that finishes as another starts did not overlap it.
      order.sort((i, j) => events[2 * i] - events[2 * j] || events[2 * i + 1] - events[2 * j + 1]);
      let inFlight = 0;
      for (const i of order) {
        inFlight += events[2 * i + 1];
        if (events[2 * i + 1] > 0) {
          const b = bucketOf(events[2 * i]);
          ensure(b);
          if (inFlight > peak[b]) peak[b] = inFlight;
        }
      }
    },
    toJSON() {
      return finishBuckets(
        sent.map((_, b) => ({
          t: b,
          sent: sent[b],
          completed: completed[b],
          errors: errors[b],
          outputTokens: tokens[b],
          inFlightMax: peak[b],
          inFlightEnd: 0,
          ttftP50Ms: null,
          ttftBins: logBinsToPairs(ttft[b]),
        })),
      );
    },
  };
}

/**
 * Fill the derived fields: in-flight at each second's end (cumulative sent − completed), a peak at least as high as
 * the in-flight count at either edge of the second, and the median TTFT from the bins.
 */
function finishBuckets(buckets: TimeseriesBucket[]): Timeseries {
  let inFlight = 0;
  for (const bk of buckets) {
    const atStart = inFlight;
    inFlight += bk.sent - bk.completed;
    bk.inFlightEnd = inFlight;
    bk.inFlightMax = Math.max(bk.inFlightMax, atStart, inFlight);
    const bins: LogBins = new Map();
    addPairsToLogBins(bins, bk.ttftBins);
    bk.ttftP50Ms = logBinsQuantile(bins, 0.5);
  }
  return { bucketMs: BUCKET_MS, buckets };
}

/**
 * Merge timelines whose runs started at different wall-clock times: `offsetS` is each part's start relative to the
 * earliest start, in whole seconds (sub-second start differences are rounded to the nearest second).
 */
export function mergeTimeseries(parts: readonly { series: Timeseries; offsetS: number }[]): Timeseries {
  const merged: TimeseriesBucket[] = [];
  const bins: LogBins[] = [];
  for (const { series, offsetS } of parts) {
    for (const bk of series.buckets) {
      const t = bk.t + offsetS;
      while (merged.length <= t) {
        merged.push({ t: merged.length, sent: 0, completed: 0, errors: 0, outputTokens: 0, inFlightMax: 0, inFlightEnd: 0, ttftP50Ms: null, ttftBins: [] });
        bins.push(new Map());
      }
      const m = merged[t];
      m.sent += bk.sent;
      m.completed += bk.completed;
      m.errors += bk.errors;
      m.outputTokens += bk.outputTokens;
      // The parts' peaks may fall at different instants of the second, so their sum is an upper bound.
      m.inFlightMax += bk.inFlightMax;
      addPairsToLogBins(bins[t], bk.ttftBins);
    }
  }
  for (let t = 0; t < merged.length; t++) merged[t].ttftBins = logBinsToPairs(bins[t]);
  return finishBuckets(merged);
}
