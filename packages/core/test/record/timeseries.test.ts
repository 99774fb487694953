import { describe, expect, it } from 'vitest';
import {
  LOG_BIN_BASE,
  addPairsToLogBins,
  addToLogBins,
  createTimeseries,
  logBinsQuantile,
  logBinsToPairs,
  mergeTimeseries,
  type LogBins,
} from '../../src/record/timeseries.ts';
import { createRng, exponential } from '../../src/workload/rng.ts';

describe('log bins', () => {
  it('quantiles are within one bin width of the exact value', () => {
    const rng = createRng(3);
    const bins: LogBins = new Map();
    const values: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const v = 1 + exponential(rng, 300);
      values.push(v);
      addToLogBins(bins, v);
    }
    values.sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.99]) {
      const exact = values[Math.ceil(q * values.length) - 1];
      const got = logBinsQuantile(bins, q)!;
      expect(got / exact).toBeGreaterThan(1 / LOG_BIN_BASE);
      expect(got / exact).toBeLessThan(LOG_BIN_BASE);
    }
    expect(logBinsQuantile(new Map(), 0.5)).toBeNull();
  });

  it('pairs round-trip and add', () => {
    const a: LogBins = new Map();
    addToLogBins(a, 10);
    addToLogBins(a, 10);
    addToLogBins(a, 500);
    const pairs = logBinsToPairs(a);
    expect(pairs.length).toBe(4);
    const b: LogBins = new Map();
    addPairsToLogBins(b, pairs);
    addPairsToLogBins(b, pairs);
    expect([...b.values()].sort()).toEqual([2, 4]);
  });
});

describe('timeseries', () => {
  it('merges parts shifted by their start offsets, summing counts and recomputing in-flight at each end', () => {
    const a = createTimeseries();
    a.noteSent(100, 1);
    a.noteTtft(400, 300);
    a.noteOutputTokens(400, 5);
    a.noteFinished(1500, false);
    const b = createTimeseries();
    b.noteSent(200, 1); // b started 1 s after a → absolute second 1
    b.noteFinished(2500, true);
    const m = mergeTimeseries([
      { series: a.toJSON(), offsetS: 0 },
      { series: b.toJSON(), offsetS: 1 },
    ]);
    expect(m.buckets.map((x) => [x.t, x.sent, x.completed, x.errors, x.outputTokens, x.inFlightEnd])).toEqual([
      [0, 1, 0, 0, 5, 1],
      [1, 1, 1, 0, 0, 1],
      [2, 0, 0, 0, 0, 1],
      [3, 0, 1, 1, 0, 0],
    ]);
    expect(m.buckets[0].ttftP50Ms! / 300).toBeGreaterThan(1 / LOG_BIN_BASE);
    expect(m.buckets[0].ttftP50Ms! / 300).toBeLessThan(LOG_BIN_BASE);
  });

  it('replaces live peaks with exact ones from intervals (ends before sends at equal times)', () => {
    const ts = createTimeseries();
    // three requests: [0,1000) [1000,2000) [500,1500)
    const sends = [0, 1000, 500];
    const ends = [1000, 2000, 1500];
    for (const s of sends) ts.noteSent(s, 1); // arrival order unknown: live peaks would be wrong
    for (const e of ends) ts.noteFinished(e, false);
    ts.setInFlightMaxFromIntervals(sends, ends);
    expect(ts.toJSON().buckets.map((b) => b.inFlightMax)).toEqual([2, 2, 1]);
  });
});
