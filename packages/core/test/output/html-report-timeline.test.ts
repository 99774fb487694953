// The report's per-second ITL percentiles and stage starts, read from records: checked against values computed
// here directly from the records' chunk times.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildRunTimeline, readRunTimeline } from '../../src/output/html-report-timeline.ts';
import { LOG_BIN_BASE } from '../../src/record/timeseries.ts';
import { AGG_SPEC, syntheticRecords } from './synthetic-runs.ts';

const records = syntheticRecords({ ...AGG_SPEC, requests: 300, requestsPerStage: 100 });
for (const r of records.slice(0, 20)) r.phase = 'warmup';

/** Exact per-token ITL samples per second: synthetic chunks carry one token each, so sample k is chunk k's gap. */
function exactItlPerSecond(): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const r of records) {
    if (r.status !== 'ok' || r.times.firstToken === null) continue;
    for (let k = 1; k < r.chunks.length; k++) {
      const s = Math.floor((r.times.firstToken + r.chunks[k]![0]) / 1000);
      (out.get(s) ?? out.set(s, []).get(s)!).push(r.chunks[k]![0] - r.chunks[k - 1]![0]);
    }
  }
  return out;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(1, Math.ceil(q * s.length)) - 1]!;
}

describe('buildRunTimeline', () => {
  it('gives ITL percentiles per second within one log bin (2%) of the exact ones', () => {
    const tl = buildRunTimeline(records);
    const exact = exactItlPerSecond();
    expect(tl.itl.t).toEqual([...exact.keys()].sort((a, b) => a - b));
    expect(tl.itl.t.length).toBeGreaterThan(3);
    tl.itl.t.forEach((t, i) => {
      const xs = exact.get(t)!;
      for (const [q, series] of [[0.5, tl.itl.p50], [0.9, tl.itl.p90], [0.99, tl.itl.p99]] as const) {
        const v = series[i]!;
        const e = quantile(xs, q);
        expect(v / e).toBeGreaterThan(1 / LOG_BIN_BASE ** 1.01);
        expect(v / e).toBeLessThan(LOG_BIN_BASE ** 1.01);
      }
    });
  });

  it('finds each stage’s first send and where measuring began after the warm-up', () => {
    const tl = buildRunTimeline(records);
    const first = (pred: (r: (typeof records)[number]) => boolean) => Math.min(...records.filter(pred).map((r) => r.times.sent!)) / 1000;
    expect(tl.stageStarts).toEqual([0, 1, 2].map((stage) => ({ stage, t: first((r) => r.stage === stage) })));
    expect(tl.measureStart).toBe(first((r) => r.phase === 'measure'));
    expect(tl.records).toBe(records.length);
    // No warm-up: no measure line.
    expect(buildRunTimeline(records.map((r) => ({ ...r, phase: 'measure' }))).measureStart).toBeNull();
  });

  it('reads requests.jsonl from a run folder, skipping lines that do not parse, and is null without one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rb-timeline-'));
    expect(readRunTimeline(dir)).toBeNull();
    writeFileSync(join(dir, 'requests.jsonl'), `${records.map((r) => JSON.stringify(r)).join('\n')}\n{"seq": 9, "trunc`);
    expect(readRunTimeline(dir)).toEqual(buildRunTimeline(records));
  });
});
