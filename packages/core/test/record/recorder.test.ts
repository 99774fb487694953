import { describe, expect, it } from 'vitest';
import { createRecorder, requestedRateOf } from '../../src/record/recorder.ts';
import { SummarySchema } from '../../src/record/summary.ts';
import { LoadSpecSchema } from '../../src/load/load-spec.ts';
import type { RequestRecord } from '../../src/record/request-record.ts';
import { makeRecord, randomRecords } from './record-fixtures.ts';

const META = {
  scenario: 'unit',
  target: 'http://127.0.0.1:1/',
  startedAt: '2026-01-01T00:00:00.000Z',
  endedAt: '2026-01-01T00:01:00.000Z',
};

/** HDR reports the highest value equivalent to a bucket: within 0.1% of what was recorded. */
function near(actual: number | null, expected: number): void {
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(expected * 1e-3 + 1e-3);
}

function feed(records: RequestRecord[], opts = {}) {
  const rec = createRecorder(opts);
  for (const r of records) rec.onSent(r.times.sent, { phase: r.phase });
  for (const r of records) rec.onFinished(r);
  return rec;
}

describe('recorder', () => {
  it('reports the share of ITL tokens that were read bunched with another event', () => {
    const bunched = makeRecord({ seq: 1, chunks: [[0, 1], [20, 1], [20, 1], [30, 1]] });
    const plain = makeRecord({ seq: 2, chunks: [[0, 1], [10, 1], [20, 1], [30, 1]] });
    const s = feed([bunched, plain]).summary(META);
    expect(s.meta.client).toMatchObject({ itlTokens: 6, bunchedTokens: 2, bunchedTokenShare: 0.3333 });
  });

  it('keeps warm-up records out of every statistic but counts them separately', () => {
    const measured = [makeRecord({ seq: 1, ttftMs: 100 }), makeRecord({ seq: 2, ttftMs: 200 })];
    const warm = makeRecord({ seq: 0, phase: 'warmup', ttftMs: 90_000, e2eMs: 95_000, model: 'warm-only', pod: 'warm-pod', groupId: 'gw' });
    const s = feed([warm, ...measured]).summary(META);
    expect(s.counts.warmup).toEqual({ sent: 1, finished: 1 });
    expect(s.counts.sent).toBe(2);
    expect(s.counts.finished).toBe(2);
    expect(s.dimensions.overall.count).toBe(2);
    near(s.dimensions.overall.ttft.max, 200);
    expect(s.dimensions['model:warm-only']).toBeUndefined();
    expect(s.dimensions['pod:warm-pod']).toBeUndefined();
    expect(s.groups.byGroup).toEqual({});
    expect(s.counters.tokens.prompt).toBe(100);
  });

  it('populates overall, pod, model, stage and tag dimensions', () => {
    const s = feed([
      makeRecord({ seq: 0, pod: 'pod-a', model: 'llama', stage: 0, tags: { class: 'short', tenant: 't1' }, ttftMs: 10 }),
      makeRecord({ seq: 1, pod: 'pod-b', model: 'llama', stage: 1, tags: { class: 'long' }, ttftMs: 20 }),
      makeRecord({ seq: 2, pod: null, model: 'qwen', stage: 1, tags: { class: 'long' }, ttftMs: 30 }),
    ]).summary(META);
    expect(Object.keys(s.dimensions)).toEqual([
      'overall',
      'model:llama',
      'model:qwen',
      'pod:pod-a',
      'pod:pod-b',
      'pod:unknown',
      'stage:0',
      'stage:1',
      'tag:class=long',
      'tag:class=short',
      'tag:tenant=t1',
    ]);
    expect(s.dimensions['tag:class=long'].count).toBe(2);
    near(s.dimensions['tag:class=long'].ttft.min, 20);
    near(s.dimensions['tag:class=long'].ttft.max, 30);
    near(s.dimensions['pod:unknown'].ttft.p50, 30);
    expect(s.dimensions['stage:1'].count).toBe(2);
    near(s.dimensions['model:llama'].ttft.p50, 10);
    near(s.dimensions['model:llama'].ttft.p99, 20);
  });

  it('records ITL per token from the chunks, and latency only for ok requests', () => {
    const okRec = makeRecord({ chunks: [[0, 1], [40, 4], [49, 3]], ttftMs: 50, completionTokens: 8 });
    const failed = makeRecord({ seq: 1, status: 'error', errorClass: 'stall', httpStatus: 200, ttftMs: 7, chunks: [[0, 1], [1000, 1]] });
    const s = feed([okRec, failed]).summary(META);
    const itl = s.dimensions.overall.itl;
    expect(itl.count).toBe(7);
    near(itl.min, 3);
    near(itl.max, 10);
    near(itl.p50, 10);
    expect(s.dimensions.overall.ttft.count).toBe(1);
    expect(s.dimensions.overall.scheduleDelay.count).toBe(2); // client-side: all measured requests
  });

  it('counts statuses, error classes and HTTP statuses so that sent = ok + error + cancelled', () => {
    const records = randomRecords(600, 'counts');
    const measured = records.filter((r) => r.phase === 'measure');
    const s = feed(records).summary(META);
    const c = s.counts;
    expect(c.sent).toBe(measured.length);
    expect(c.ok + c.error + c.cancelled).toBe(c.sent);
    expect(c.inFlight).toBe(0);
    expect(c.ok).toBe(measured.filter((r) => r.status === 'ok').length);
    const byClass: Record<string, number> = {};
    const byHttp: Record<string, number> = {};
    for (const r of measured) {
      if (r.errorClass) byClass[r.errorClass] = (byClass[r.errorClass] ?? 0) + 1;
      if (r.status !== 'ok' && r.httpStatus !== null) byHttp[r.httpStatus] = (byHttp[r.httpStatus] ?? 0) + 1;
    }
    expect(s.counters.errorsByClass).toEqual(byClass);
    expect(s.counters.errorsByHttpStatus).toEqual(byHttp);
    expect(Object.keys(byClass).length).toBeGreaterThan(2);
    // per-pod dimensions partition the overall one
    const pods = Object.entries(s.dimensions).filter(([k]) => k.startsWith('pod:'));
    expect(pods.reduce((n, [, d]) => n + d.count, 0)).toBe(s.dimensions.overall.count);
    expect(pods.reduce((n, [, d]) => n + d.errors, 0)).toBe(c.error);
    expect(s.counters.tokens.completion).toBe(measured.reduce((n, r) => n + (r.completionTokens ?? 0), 0));
    expect(SummarySchema.safeParse(s).success).toBe(true);
  });

  it('counts requests per pod per group, capped at maxGroups', () => {
    const recs = [
      makeRecord({ seq: 0, groupId: 'g1', pod: 'pod-a' }),
      makeRecord({ seq: 1, groupId: 'g1', pod: 'pod-a' }),
      makeRecord({ seq: 2, groupId: 'g1', pod: 'pod-b' }),
      makeRecord({ seq: 3, groupId: 'g2', pod: null }),
      makeRecord({ seq: 4, groupId: 'g3', pod: 'pod-a' }),
      makeRecord({ seq: 5, groupId: null, pod: 'pod-a' }),
    ];
    const s = feed(recs, { maxGroups: 2 }).summary(META);
    expect(s.groups.byGroup).toEqual({ g1: { 'pod-a': 2, 'pod-b': 1 }, g2: { unknown: 1 } });
    expect(s.groups.droppedRecords).toBe(1);
  });

  it('caps dimensions and reports what was dropped', () => {
    const recs = Array.from({ length: 5 }, (_, i) => makeRecord({ seq: i, pod: `pod-${i}`, tags: { session: `s${i}` } }));
    const s = feed(recs, { maxDimensions: 4 }).summary(META);
    expect(Object.keys(s.dimensions).length).toBe(5); // overall + 4
    // each record feeds pod, model, stage, tag → 20 pairs; 4 kept as new dims + repeated model/stage hits
    const tracked = Object.entries(s.dimensions)
      .filter(([k]) => k !== 'overall')
      .reduce((n, [, d]) => n + d.count, 0);
    expect(tracked + s.limits.dimensionsDropped).toBe(20);
    expect(s.limits.dimensionsDropped).toBeGreaterThan(0);
  });

  it('builds a per-second timeline with in-flight counts and token arrivals', () => {
    const recs = [
      // sent at 0.5 s, first token 1.2 s, chunks over 1.2–2.1 s, ends at 2.1 s
      makeRecord({ seq: 0, times: { intended: 500, sent: 500, headers: 600, firstToken: 1200, end: 2100 }, ttftMs: 700, chunks: [[0, 1], [500, 2], [900, 3]] }),
      // sent at 0.7 s, fails at 0.9 s
      makeRecord({ seq: 1, status: 'error', errorClass: 'http_5xx', httpStatus: 503, times: { intended: 700, sent: 700, headers: 900, firstToken: null, end: 900 }, ttftMs: null, chunks: [], completionTokens: null }),
      // sent at 1.5 s, ends at 3.2 s
      makeRecord({ seq: 2, times: { intended: 1500, sent: 1500, headers: 1550, firstToken: 1600, end: 3200 }, ttftMs: 100, chunks: [[0, 4]] }),
    ];
    const rec = createRecorder();
    rec.onSent(500);
    rec.onSent(700);
    rec.onFinished(recs[1]);
    rec.onSent(1500);
    rec.onFinished(recs[0]);
    rec.onFinished(recs[2]);
    const ts = rec.summary(META).timeseries;
    expect(ts.buckets.map((b) => [b.t, b.sent, b.completed, b.errors, b.outputTokens, b.inFlightMax, b.inFlightEnd])).toEqual([
      [0, 2, 1, 1, 0, 2, 1],
      [1, 1, 0, 0, 1 + 2 + 4, 2, 2],
      [2, 0, 1, 0, 3, 2, 1],
      [3, 0, 1, 0, 0, 1, 0],
    ]);
    expect(ts.buckets[1].ttftP50Ms).toBeGreaterThan(100 / 1.02);
    expect(ts.buckets[1].ttftP50Ms).toBeLessThan(100 * 1.02);
    expect(ts.buckets[0].ttftP50Ms).toBeNull();
  });

  it('snapshot reports live counts and rolling rates over the last seconds only', () => {
    const rec = createRecorder({ rollingWindowS: 10 });
    // 5 old completions at ~2 s with TTFT 1000 ms, then 20 recent ones at 25–29 s with TTFT 50 ms
    let seq = 0;
    const mk = (end: number, ttft: number) =>
      makeRecord({ seq: seq++, times: { intended: end - 200, sent: end - 200, headers: end - 150, firstToken: end - 100, end }, ttftMs: ttft, completionTokens: 10 });
    for (let i = 0; i < 5; i++) {
      rec.onSent(1800);
      rec.onFinished(mk(2000 + i, 1000));
    }
    for (let i = 0; i < 20; i++) {
      rec.onSent(25_000);
      rec.onFinished(mk(25_000 + i * 200, 50));
    }
    rec.onSent(29_500); // still in flight
    const snap = rec.snapshot(30_000);
    expect(snap.sent).toBe(26);
    expect(snap.completed).toBe(25);
    expect(snap.inFlight).toBe(1);
    expect(snap.windowS).toBeCloseTo(9, 6);
    expect(snap.rps).toBeCloseTo(20 / 9, 6);
    expect(snap.outputTokensPerS).toBeCloseTo(200 / 9, 6);
    expect(snap.ttftP99Ms).toBeLessThan(52); // the 1000 ms ones rolled out of the window
    expect(snap.ttftP50Ms).toBeGreaterThan(49);
  });

  it('fills meta defaults, redacts credentials from the target and derives rates', () => {
    const load = LoadSpecSchema.parse({ type: 'constant', rate: 20, requests: 100 });
    const s = feed(randomRecords(200, 'rates')).summary({ ...META, target: 'https://user:secret@gw.example:8443/v1?api_key=abc', load });
    expect(s.meta.target).toBe('https://gw.example:8443/v1');
    expect(JSON.stringify(s)).not.toContain('secret');
    expect(s.meta.durationS).toBe(60);
    expect(s.meta.workers).toBe(1);
    expect(s.rates.requestedRate).toBe(20);
    // fixture sends every 40 ms → ~25 req/s
    expect(s.rates.achievedSendRate!).toBeGreaterThan(23);
    expect(s.rates.achievedSendRate!).toBeLessThan(27);
    expect(s.rates.outputTokensPerS).toBeCloseTo(s.counters.tokens.completion / s.rates.durationS, 9);
    expect(SummarySchema.parse(s)).toBeTruthy();
    expect(() => createRecorder().summary({ ...META, startedAt: 'yesterday' })).toThrow(/meta.startedAt/);
  });

  it('requestedRateOf: open loop rates, time-weighted stages, null for closed loop', () => {
    expect(requestedRateOf(LoadSpecSchema.parse({ type: 'poisson', rate: 3, durationS: 5 }))).toBe(3);
    expect(requestedRateOf(LoadSpecSchema.parse({ type: 'concurrency', concurrency: 3, durationS: 5 }))).toBeNull();
    const stages = LoadSpecSchema.parse({
      type: 'stages',
      stages: [
        { type: 'constant', rate: 10, durationS: 30 },
        { type: 'poisson', rate: 40, durationS: 10 },
      ],
    });
    expect(requestedRateOf(stages)).toBe((10 * 30 + 40 * 10) / 40);
  });
});
