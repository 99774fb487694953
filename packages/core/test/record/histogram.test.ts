import { describe, expect, it } from 'vitest';
import {
  HDR_RELATIVE_PRECISION,
  createCountHistogram,
  createMsHistogram,
  decodeHistogram,
  mergeHistograms,
  recordInAll,
} from '../../src/record/histogram.ts';
import { createRng, exponential } from '../../src/workload/rng.ts';

/** Exact nearest-rank percentile of sorted values. */
function exactPercentile(sorted: number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

function expectWithinHdr(actual: number | null, exact: number): void {
  expect(actual).not.toBeNull();
  // HDR reports the highest value equivalent to the bucket: within 0.1% (plus 1 µs of rounding to integer µs).
  expect(Math.abs(actual! - exact)).toBeLessThanOrEqual(exact * HDR_RELATIVE_PRECISION * 1.01 + 0.0011);
}

describe('ms histogram', () => {
  it('percentiles match exact nearest-rank values within HDR precision', () => {
    const rng = createRng(7);
    const h = createMsHistogram();
    const values: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const v = 0.5 + exponential(rng, 80) + (rng() < 0.01 ? 30_000 : 0);
      values.push(v);
      h.record(v);
    }
    values.sort((a, b) => a - b);
    const p = h.percentiles();
    expect(p.count).toBe(5000);
    expectWithinHdr(p.p50, exactPercentile(values, 50));
    expectWithinHdr(p.p90, exactPercentile(values, 90));
    expectWithinHdr(p.p95, exactPercentile(values, 95));
    expectWithinHdr(p.p99, exactPercentile(values, 99));
    expectWithinHdr(p.p999, exactPercentile(values, 99.9));
    expectWithinHdr(p.max, values[values.length - 1]);
    expect(Math.abs(p.min! - values[0])).toBeLessThanOrEqual(values[0] * HDR_RELATIVE_PRECISION + 0.0011);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(Math.abs(p.mean! - mean) / mean).toBeLessThan(HDR_RELATIVE_PRECISION);
  });

  it('single-pass statistics equal the library getters (getValueAtPercentile, mean)', () => {
    const rng = createRng('lib');
    for (const n of [1, 2, 3, 7, 100, 4321]) {
      const h = createMsHistogram();
      for (let i = 0; i < n; i++) h.record(exponential(rng, 40) + (i % 97 === 0 ? 9000 : 0), 1 + (i % 3));
      const p = h.percentiles();
      const lib = (q: number) => h.hdr.getValueAtPercentile(q) / 1000;
      expect([p.p50, p.p90, p.p95, p.p99, p.p999, p.max, p.min]).toEqual([lib(50), lib(90), lib(95), lib(99), lib(99.9), lib(100), lib(0)]);
      expect(p.mean!).toBeCloseTo(h.hdr.mean / 1000, 9);
    }
  });

  it('keeps microsecond resolution for small values and clamps negatives to 0', () => {
    const h = createMsHistogram();
    h.record(1.234);
    h.record(-3);
    h.record(Number.NaN); // ignored
    const p = h.percentiles();
    expect(p.count).toBe(2);
    expect(p.min).toBe(0);
    expect(p.max).toBe(1.234);
  });

  it('an empty histogram reports null statistics and count 0', () => {
    expect(createMsHistogram().percentiles()).toEqual({
      p50: null, p90: null, p95: null, p99: null, p999: null, mean: null, min: null, max: null, count: 0,
    });
  });

  it('encode/decode round-trips every statistic, and a decoded histogram can still grow', () => {
    const h = createMsHistogram();
    const rng = createRng('enc');
    for (let i = 0; i < 1000; i++) h.record(exponential(rng, 50));
    const s = h.encode();
    expect(typeof s).toBe('string');
    const d = decodeHistogram(s);
    expect(d.percentiles()).toEqual(h.percentiles());
    d.record(3_600_000); // an hour: far above anything recorded before the encode
    expect(d.percentiles().max).toBeGreaterThanOrEqual(3_600_000);
    expect(() => decodeHistogram('not base64 hdr')).toThrow(/HDR/);
  });

  it('merge is exact: equal to one histogram over both sets of values', () => {
    const rng = createRng(99);
    const a = createMsHistogram();
    const b = createMsHistogram();
    const both = createMsHistogram();
    for (let i = 0; i < 3000; i++) {
      const v = exponential(rng, i % 2 ? 20 : 400);
      (rng() < 0.3 ? a : b).record(v);
      both.record(v);
    }
    const m = mergeHistograms(decodeHistogram(a.encode()), decodeHistogram(b.encode()));
    const pm = m.percentiles();
    const pb = both.percentiles();
    expect({ ...pm, mean: 0 }).toEqual({ ...pb, mean: 0 });
    expect(pm.mean).toBeCloseTo(pb.mean!, 6);
    expect(a.count + b.count).toBe(3000); // inputs untouched
  });

  it('count histograms store integers as is and refuse to merge with ms histograms', () => {
    const c = createCountHistogram();
    for (const v of [1, 2, 3, 4, 100]) c.record(v);
    expect(c.percentiles().p50).toBe(3);
    expect(c.percentiles().max).toBe(100);
    expect(decodeHistogram(c.encode(), 'count').percentiles().p50).toBe(3);
    expect(() => mergeHistograms(c, createMsHistogram())).toThrow(/cannot merge/);
  });

  it('recordInAll gives the same histograms as recording into each, also across resizes and decoded inputs', () => {
    const rng = createRng('all');
    const fresh = [createMsHistogram(), createMsHistogram(), createMsHistogram()];
    const seeded = createMsHistogram();
    seeded.record(5); // small: must grow when recordInAll brings large values
    const decoded = decodeHistogram(seeded.encode());
    const targets = [...fresh, decoded];
    const refs = [createMsHistogram(), createMsHistogram(), createMsHistogram(), decodeHistogram(seeded.encode())];
    for (let i = 0; i < 3000; i++) {
      const v = i % 500 === 0 ? 100_000 * rng() : exponential(rng, 30);
      const k = 1 + Math.floor(rng() * 4);
      recordInAll(targets, v, k);
      for (const r of refs) r.record(v, k);
    }
    targets.forEach((t, i) => {
      expect(t.percentiles()).toEqual(refs[i].percentiles());
      expect(t.encode()).toBe(refs[i].encode());
    });
    expect(() => recordInAll([createMsHistogram(), createCountHistogram()], 1)).toThrow(/mixed units/);
  });
});
