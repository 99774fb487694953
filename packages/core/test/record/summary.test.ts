import { describe, expect, it } from 'vitest';
import { createRecorder } from '../../src/record/recorder.ts';
import { parseSummary, SummarySchema, LATENCY_METRICS, type Summary } from '../../src/record/summary.ts';
import { summarizeRecords } from '../../src/record/summarize-records.ts';
import { createRng, shuffle } from '../../src/workload/rng.ts';
import type { RequestRecord } from '../../src/record/request-record.ts';
import { randomRecords } from './record-fixtures.ts';

const META = {
  scenario: 'summary-test',
  target: 'http://127.0.0.1:1/',
  startedAt: '2026-01-01T00:00:00.000Z',
  endedAt: '2026-01-01T00:02:00.000Z',
  seed: 5,
};

/** Feed a recorder the way a live run does: sends and finishes in the order they happened. */
function liveSummary(records: RequestRecord[]): Summary {
  const events: [number, 0 | 1, RequestRecord][] = [];
  for (const r of records) events.push([r.times.sent, 1, r], [r.times.end, 0, r]);
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const rec = createRecorder();
  for (const [, kind, r] of events) {
    if (kind === 1) rec.onSent(r.times.sent, { phase: r.phase });
    else rec.onFinished(r);
  }
  return rec.summary(META);
}

function withoutHist(s: Summary) {
  return Object.fromEntries(
    Object.entries(s.dimensions).map(([k, d]) => [k, { ...d, ...Object.fromEntries(LATENCY_METRICS.map((m) => [m, { ...d[m], hist: '' }])) }]),
  );
}

describe('summarizeRecords', () => {
  const records = randomRecords(800, 'summary');

  it('rebuilds from records in any order the same summary a live recorder produced', async () => {
    const live = liveSummary(records);
    const shuffled = shuffle([...records], createRng(1));
    const rebuilt = await summarizeRecords(shuffled, META);
    expect(SummarySchema.safeParse(rebuilt).success).toBe(true);
    expect(rebuilt.counts).toEqual(live.counts);
    expect(rebuilt.counters).toEqual(live.counters);
    expect(rebuilt.groups).toEqual(live.groups);
    expect(rebuilt.window).toEqual(live.window);
    expect(rebuilt.rates).toEqual(live.rates);
    expect(withoutHist(rebuilt)).toEqual(withoutHist(live));
    // in-flight peaks recomputed from the intervals equal the live ones
    expect(rebuilt.timeseries).toEqual(live.timeseries);
  });

  it('in-flight peaks match a brute-force count over the request intervals', async () => {
    const s = await summarizeRecords(records, META);
    for (const b of s.timeseries.buckets) {
      const lo = b.t * 1000;
      const hi = lo + 1000;
      let peak = 0;
      // at each send inside the second, and at both edges
      const probes = [lo, ...records.filter((r) => r.times.sent >= lo && r.times.sent < hi).map((r) => r.times.sent), hi];
      for (const t of probes) {
        const n = records.filter((r) => r.times.sent <= t && r.times.end > t).length;
        if (n > peak) peak = n;
      }
      expect(b.inFlightMax, `second ${b.t}`).toBe(peak);
      expect(b.inFlightEnd, `second ${b.t}`).toBe(records.filter((r) => r.times.sent < hi && r.times.end >= hi).length);
    }
  });

  it('accepts an async iterable', async () => {
    async function* gen() {
      for (const r of records.slice(0, 50)) yield r;
    }
    const s = await summarizeRecords(gen(), META);
    expect(s.counts.sent + s.counts.warmup.sent).toBe(50);
  });
});

describe('SummarySchema', () => {
  it('names the field path and what was expected on a wrong or unknown field', async () => {
    const s = await summarizeRecords(randomRecords(20, 'schema'), META);
    expect(parseSummary(JSON.parse(JSON.stringify(s)))).toEqual(s);
    const bad = JSON.parse(JSON.stringify(s));
    bad.counts.ok = -1;
    expect(() => parseSummary(bad)).toThrow(/counts\.ok/);
    const extraKey = JSON.parse(JSON.stringify(s));
    extraKey.dimensions.overall.ttft.p75 = 3;
    expect(() => parseSummary(extraKey)).toThrow(/p75/);
    const wrongVersion = { ...JSON.parse(JSON.stringify(s)), schemaVersion: 2 };
    expect(() => parseSummary(wrongVersion)).toThrow(/schemaVersion/);
  });
});
