import { describe, expect, it } from 'vitest';
import { mergeSummaries } from '../../src/record/merge.ts';
import { SummarySchema, LATENCY_METRICS, type Summary } from '../../src/record/summary.ts';
import { summarizeRecords } from '../../src/record/summarize-records.ts';
import { HDR_RELATIVE_PRECISION } from '../../src/record/histogram.ts';
import type { RequestRecord } from '../../src/record/request-record.ts';
import { randomRecords } from './record-fixtures.ts';

const META = {
  scenario: 'merge-test',
  target: 'http://127.0.0.1:1/',
  startedAt: '2026-01-01T00:00:00.000Z',
  endedAt: '2026-01-01T00:02:00.000Z',
  seed: 11,
};

function exactPercentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1];
}

function expectSameStats(merged: Summary, union: Summary): void {
  expect(Object.keys(merged.dimensions)).toEqual(Object.keys(union.dimensions));
  for (const [name, u] of Object.entries(union.dimensions)) {
    const m = merged.dimensions[name];
    expect({ count: m.count, ok: m.ok, errors: m.errors, cancelled: m.cancelled, tokens: m.tokens }, name).toEqual({
      count: u.count,
      ok: u.ok,
      errors: u.errors,
      cancelled: u.cancelled,
      tokens: u.tokens,
    });
    for (const k of LATENCY_METRICS) {
      const { hist: _h1, mean: mm, ...mp } = m[k];
      const { hist: _h2, mean: um, ...up } = u[k];
      // Bucket counts add exactly, so every percentile is the one of a single histogram over all requests.
      expect(mp, `${name}.${k}`).toEqual(up);
      if (um === null) expect(mm).toBeNull();
      else expect(Math.abs(mm! - um)).toBeLessThanOrEqual(Math.abs(um) * 1e-9 + 1e-9);
    }
  }
}

describe('mergeSummaries', () => {
  const records = randomRecords(1500, 'merge');

  it('two interleaved halves merge into the summary of the union', async () => {
    const a = records.filter((r) => r.seq % 3 === 0);
    const b = records.filter((r) => r.seq % 3 !== 0);
    const [sa, sb, union] = await Promise.all([summarizeRecords(a, META), summarizeRecords(b, META), summarizeRecords(records, META)]);
    const merged = mergeSummaries([sa, sb]);
    expect(SummarySchema.safeParse(merged).success).toBe(true);
    expect(merged.counts).toEqual(union.counts);
    expect(merged.counters).toEqual(union.counters);
    expect(merged.groups).toEqual(union.groups);
    expect(merged.window).toEqual(union.window);
    expect(merged.rates.durationS).toBe(union.rates.durationS);
    expect(merged.rates.outputTokensPerS).toBeCloseTo(union.rates.outputTokensPerS, 9);
    expectSameStats(merged, union);

    // and within HDR precision of the exact percentile over the raw values
    const ttfts = records.filter((r) => r.phase === 'measure' && r.status === 'ok').map((r) => r.ttftMs!);
    for (const [p, key] of [[50, 'p50'], [90, 'p90'], [99, 'p99']] as const) {
      const exact = exactPercentile(ttfts, p);
      expect(Math.abs(merged.dimensions.overall.ttft[key]! - exact)).toBeLessThanOrEqual(exact * HDR_RELATIVE_PRECISION + 0.001);
    }

    // timelines: everything adds exactly; peaks of the parts add up to at least the true peak
    expect(merged.timeseries.buckets.length).toBe(union.timeseries.buckets.length);
    merged.timeseries.buckets.forEach((m, i) => {
      const u = union.timeseries.buckets[i];
      expect({ ...m, inFlightMax: 0 }).toEqual({ ...u, inFlightMax: 0 });
      expect(m.inFlightMax).toBeGreaterThanOrEqual(u.inFlightMax);
    });
    expect(merged.meta.mergedFrom).toBe(2);
    expect(merged.meta.workers).toBe(2);
    expect(merged.meta.seed).toBe(11);
  });

  it('aligns timelines and windows by wall-clock start when workers started at different times', async () => {
    const early = records.filter((r) => r.seq < 700);
    const late = records.filter((r) => r.seq >= 700);
    const shiftMs = 3000;
    // the late worker started 3 s after the early one: its times are 3 s smaller on its own clock
    const lateOwnClock: RequestRecord[] = late.map((r) => ({
      ...r,
      times: {
        intended: r.times.intended - shiftMs,
        sent: r.times.sent - shiftMs,
        headers: r.times.headers === null ? null : r.times.headers - shiftMs,
        firstToken: r.times.firstToken === null ? null : r.times.firstToken - shiftMs,
        end: r.times.end - shiftMs,
      },
    }));
    const [se, sl, union] = await Promise.all([
      summarizeRecords(early, META),
      summarizeRecords(lateOwnClock, { ...META, startedAt: '2026-01-01T00:00:03.000Z', seed: 12 }),
      summarizeRecords(records, META),
    ]);
    const merged = mergeSummaries([sl, se]);
    expect(merged.meta.startedAt).toBe(META.startedAt);
    expect(merged.meta.seed).toBeNull();
    expect(merged.window!.firstSentMs).toBeCloseTo(union.window!.firstSentMs, 9);
    expect(merged.window!.lastEndMs).toBeCloseTo(union.window!.lastEndMs, 9);
    expectSameStats(merged, union);
    const strip = (s: Summary) => s.timeseries.buckets.map((b) => ({ ...b, inFlightMax: 0 }));
    expect(strip(merged)).toEqual(strip(union));
  });

  it('merging one summary gives it back, and bad input is named', async () => {
    const s = await summarizeRecords(records.slice(0, 100), META);
    const m = mergeSummaries([s]);
    expect(m.counts).toEqual(s.counts);
    expectSameStats(m, s);
    expect(() => mergeSummaries([])).toThrow(/at least one/);
    const broken = JSON.parse(JSON.stringify(s)) as Summary;
    broken.dimensions.overall.e2e.hist = '%%%';
    expect(() => mergeSummaries([s, broken])).toThrow(/summary 1 dimensions\["overall"\]\.e2e\.hist/);
  });

  it('refuses an aggregate-only import (empty histograms), named by its label when given', async () => {
    const s = await summarizeRecords(records.slice(0, 100), META);
    const imported = { ...s, extra: { ...s.extra, aggregateOnly: true } } as Summary;
    expect(() => mergeSummaries([s, imported])).toThrow(/mergeSummaries: summary 1 is an aggregate-only import/);
    expect(() => mergeSummaries([s, imported], ['runs/a', 'runs/report'])).toThrow(/^runs\/report is an aggregate-only import/);
  });
});
