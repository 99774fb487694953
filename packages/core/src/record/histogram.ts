// HDR histograms for latencies (ms) and token counts, over hdr-histogram-js's pure-JS build.
//
// Why HDR: percentiles from two workers' histograms can be merged exactly (counts add bucket by bucket), which a
// list of per-worker p99s cannot. Latencies are recorded as integer MICROseconds with 3 significant digits, so a
// value is kept to within 0.1% (±1 µs below 2 ms). Arrays auto-resize, so no upper bound has to be guessed.
// We never use the wasm build: it needs async init and its memory must be freed by hand.
import * as hdr from 'hdr-histogram-js';

export const SIGNIFICANT_DIGITS = 3;
/** Relative precision of a recorded value: 10^-SIGNIFICANT_DIGITS. */
export const HDR_RELATIVE_PRECISION = 1e-3;

/** 'ms': values in milliseconds stored as integer µs. 'count': non-negative integers (tokens) stored as is. */
export type HistogramUnit = 'ms' | 'count';

export interface Percentiles {
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  p999: number | null;
  mean: number | null;
  min: number | null;
  max: number | null;
  count: number;
}

export interface ValueHistogram {
  readonly unit: HistogramUnit;
  /** The underlying hdr-histogram-js histogram (integer µs for 'ms'). */
  readonly hdr: hdr.Histogram;
  /** Record `value` (ms or count) `count` times. Negative values are clamped to 0; NaN/±Infinity are ignored. */
  record(value: number, count?: number): void;
  /** Percentiles in the histogram's unit; every statistic is null while the histogram is empty. */
  percentiles(): Percentiles;
  /** Compressed base64 (HdrHistogram's standard V2 compressed encoding). */
  encode(): string;
  readonly count: number;
}

const SCALE: Record<HistogramUnit, number> = { ms: 1000, count: 1 };

const PERCENTILES = [50, 90, 95, 99, 99.9, 100] as const;

/** hdr-histogram-js's ulp(), used the same way so ranks match its getValueAtPercentile exactly. */
const ulp = (x: number) => Math.pow(2, Math.floor(Math.log2(x)) - 52);

/**
 * All statistics in ONE pass over the counts, in raw histogram units. Gives the same values as the library's
 * getValueAtPercentile (highest equivalent value of the bucket holding the nearest-rank value; lowest equivalent for
 * the minimum) and `mean` (median-equivalent values weighted by count) — but the library rescans the counts per
 * percentile and its `mean` getter walks an iterator that takes ~30 ms per histogram, which made a summary with a
 * few dozen dimensions take seconds.
 */
function rawStats(h: hdr.JsHistogram): { pct: number[]; min: number; mean: number } {
  const total = h.totalCount;
  const ranks = PERCENTILES.map((p) => {
    const fp = (p / 100) * total;
    return Math.max(Math.ceil(fp - ulp(fp)), 1);
  });
  const pct: number[] = [];
  let min = Number.NaN;
  let sum = 0;
  let seen = 0;
  // Bucket geometry as in JsHistogram.valueFromIndex / sizeOfEquivalentValueRange, computed inline: the library's
  // per-index helpers each call log2/pow, which dominated the cost. The test pins these values to the library's.
  const half = h.subBucketHalfCount;
  const halfMag = h.subBucketHalfCountMagnitude;
  for (let i = 0; i < h.countsArrayLength && seen < total; i++) {
    const c = h.getCountAtIndex(i);
    if (c === 0) continue;
    let bucketIndex = (i >> halfMag) - 1;
    let subBucketIndex = (i & (half - 1)) + half;
    if (bucketIndex < 0) {
      subBucketIndex -= half;
      bucketIndex = 0;
    }
    const width = 2 ** (bucketIndex + h.unitMagnitude);
    const lowest = subBucketIndex * width;
    if (seen === 0) min = lowest;
    sum += (lowest + Math.floor(width / 2)) * c;
    seen += c;
    while (pct.length < ranks.length && seen >= ranks[pct.length]) pct.push(lowest + width - 1);
  }
  return { pct, min, mean: sum / total };
}

function newHdr(): hdr.Histogram {
  return hdr.build({ numberOfSignificantValueDigits: SIGNIFICANT_DIGITS, autoResize: true, bitBucketSize: 32 });
}

function wrap(h: hdr.Histogram, unit: HistogramUnit): ValueHistogram {
  const scale = SCALE[unit];
  return {
    unit,
    hdr: h,
    record(value: number, count = 1): void {
      if (!Number.isFinite(value) || !(count > 0)) return;
      const v = value <= 0 ? 0 : Math.round(value * scale);
      if (count === 1) h.recordValue(v);
      else h.recordValueWithCount(v, count);
    },
    percentiles(): Percentiles {
      const n = h.totalCount;
      if (n === 0) {
        return { p50: null, p90: null, p95: null, p99: null, p999: null, mean: null, min: null, max: null, count: 0 };
      }
      if (!(h instanceof hdr.JsHistogram)) throw new Error('only the pure-JS hdr-histogram-js build is supported');
      // min/max from the buckets (not h.maxValue, which is exact only before a decode): a merged histogram and a
      // histogram over the union of values then report identical extremes.
      const { pct, min, mean } = rawStats(h);
      return {
        p50: pct[0] / scale,
        p90: pct[1] / scale,
        p95: pct[2] / scale,
        p99: pct[3] / scale,
        p999: pct[4] / scale,
        mean: mean / scale,
        min: min / scale,
        max: pct[5] / scale,
        count: n,
      };
    },
    encode(): string {
      return hdr.encodeIntoCompressedBase64(h);
    },
    get count(): number {
      return h.totalCount;
    },
  };
}

export function createMsHistogram(): ValueHistogram {
  return wrap(newHdr(), 'ms');
}

export function createCountHistogram(): ValueHistogram {
  return wrap(newHdr(), 'count');
}

/** Decode a string made by `encode()`; `unit` must be the unit it was recorded in (encodings carry no unit). */
export function decodeHistogram(encoded: string, unit: HistogramUnit = 'ms'): ValueHistogram {
  let h: hdr.Histogram;
  try {
    h = hdr.decodeFromCompressedBase64(encoded, 32, false);
  } catch (err) {
    throw new Error(`not an HDR compressed-base64 histogram: ${(err as Error).message}`);
  }
  // Decoded histograms come back with autoResize off; merging a wider histogram into them must not throw.
  h.autoResize = true;
  return wrap(h, unit);
}

/** A new histogram holding both inputs' counts (exact: bucket counts add). Inputs are left untouched. */
export function mergeHistograms(a: ValueHistogram, b: ValueHistogram): ValueHistogram {
  if (a.unit !== b.unit) throw new Error(`cannot merge a '${a.unit}' histogram with a '${b.unit}' histogram`);
  const out = newHdr();
  out.add(a.hdr);
  out.add(b.hdr);
  return wrap(out, a.unit);
}

/**
 * Record one value `count` times into several histograms of one unit (the same ITL sample goes to the overall,
 * pod, model, stage and tag dimensions). The bucket index is computed once and reused: every histogram made here
 * has the same geometry (lowest value 1, same significant digits), and the index computation is most of the cost of
 * a record (~0.5 µs in hdr-histogram-js). Any histogram that differs, or is not yet wide enough, takes the normal
 * path, so the result is always identical to calling record() on each.
 */
export function recordInAll(hists: readonly ValueHistogram[], value: number, count = 1): void {
  if (hists.length === 0 || !Number.isFinite(value) || !(count > 0)) return;
  const unit = hists[0].unit;
  const v = value <= 0 ? 0 : Math.round(value * SCALE[unit]);
  const first = hists[0].hdr;
  if (!(first instanceof hdr.JsHistogram)) {
    for (const h of hists) h.record(value, count);
    return;
  }
  const index = first.countsArrayIndex(v);
  for (let i = 0; i < hists.length; i++) {
    const h = hists[i].hdr;
    if (hists[i].unit !== unit) throw new Error(`recordInAll: mixed units '${unit}' and '${hists[i].unit}'`);
    if (
      h instanceof hdr.JsHistogram &&
      index < h.countsArrayLength &&
      h.unitMagnitude === first.unitMagnitude &&
      h.subBucketHalfCountMagnitude === first.subBucketHalfCountMagnitude
    ) {
      // What JsHistogram.recordCountAtValue does, minus recomputing the index.
      h.addToCountAtIndex(index, count);
      h.updateMinAndMax(v);
      h.addToTotalCount(count);
    } else {
      h.recordValueWithCount(v, count);
    }
  }
}

/** Add `from` into `into` in place (exact). */
export function addInto(into: ValueHistogram, from: ValueHistogram): void {
  if (into.unit !== from.unit) throw new Error(`cannot merge a '${from.unit}' histogram into a '${into.unit}' histogram`);
  into.hdr.add(from.hdr);
}
