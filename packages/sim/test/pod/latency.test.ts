// Latency model seen on the wire: TTFT and ITL measured from the pod's recorded emission times
// (ground truth written at each content-chunk write) against the configured per-token model,
// including the load factor. Emissions can never be early, so lower bounds are tight and do the
// discriminating; upper bounds allow for a loaded 2-core machine (the process may be descheduled).
import { describe, it, expect, afterAll } from 'vitest';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startPod, type SimPod } from '../../src/pod/index.ts';
import { createLatencyModel } from '../../src/pod/latency.ts';
import { PodLatencySchema } from '../../src/pod/pod-spec.ts';
import { encode, renderChat } from '@routebench/core';
import { rawRequest, chatBody } from './raw-http.ts';

const pods: SimPod[] = [];
afterAll(async () => {
  await Promise.all(pods.map((p) => p.stop()));
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const diffs = (xs: number[]) => xs.slice(1).map((x, i) => x - xs[i]!);

describe('latency model (unit)', () => {
  it('load factor, TTFT and ITL formulas; jitter stays within [0.3, 1.7]·mean and is seeded', () => {
    const lat = PodLatencySchema.parse({ prefillOverheadMs: 10, prefillTimePerTokenMs: 0.5, interTokenLatencyMs: 8, timeFactorUnderLoad: 3, kvTransferTimePerTokenMs: 0.2 });
    const m = createLatencyModel(lat, 5);
    expect(m.loadFactor(1)).toBe(1);
    expect(m.loadFactor(3)).toBe(2);
    expect(m.loadFactor(5)).toBe(3);
    expect(m.prefillMs(100, 1)).toBeCloseTo(60);
    expect(m.prefillMs(100, 5)).toBeCloseTo(180);
    expect(m.itlMs(3)).toBeCloseTo(16);
    expect(m.itlMs(3, 2)).toBeCloseTo(32); // slowFactor
    expect(m.kvTransferMs(100)).toBeCloseTo(20); // no load factor
    const j = { ...lat, jitterFraction: 0.3, seed: 7 };
    const a = createLatencyModel(j, 5);
    const b = createLatencyModel(j, 5);
    const xs = Array.from({ length: 2000 }, () => a.itlMs(1));
    expect(xs).toEqual(Array.from({ length: 2000 }, () => b.itlMs(1)));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0.3 * 8);
    expect(Math.max(...xs)).toBeLessThanOrEqual(1.7 * 8);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(7.5);
    expect(mean).toBeLessThan(8.5);
    expect(Math.max(...xs) - Math.min(...xs)).toBeGreaterThan(4); // it really varies
  });
});

describe('latency on the wire', () => {
  it('TTFT and ITL of lone and concurrent streams follow the model incl. load factor', async () => {
    const latency = { prefillOverheadMs: 20, prefillTimePerTokenMs: 0.5, interTokenLatencyMs: 10, timeFactorUnderLoad: 2 };
    const p = await startPod({ name: 'lat', models: ['m'], maxNumSeqs: 4, latency, recordEmissions: true });
    pods.push(p);
    const content = 'the quick brown fox jumps over the lazy dog';
    const n = encode(renderChat([{ role: 'user', content }])).length;
    const body = chatBody(content, { max_tokens: 12, stream: true });

    // Upper bounds get the worst event-loop stall recorded during the test added (a descheduled
    // process delays every timer; that is the machine, not the model).
    const loopDelay = monitorEventLoopDelay({ resolution: 2 });
    loopDelay.enable();
    const slack = () => 15 + loopDelay.max / 1e6;
    // Warm-up (first-call compilation of the stream path would otherwise land in the first TTFT).
    await rawRequest(p.url, '/v1/chat/completions', { body: chatBody('warm up', { max_tokens: 3, stream: true }) });
    // Alone: load factor 1.
    await rawRequest(p.url, '/v1/chat/completions', { body, headers: { 'x-request-id': 'solo' } });
    const solo = p.emissions('solo')!;
    const soloT = p.requestTimes('solo')!;
    expect(solo).toHaveLength(12);
    expect(solo[0]! - soloT.startedAt!).toBeGreaterThan(20 + n * 0.5 - 0.5);
    expect(solo[0]! - soloT.startedAt!).toBeLessThan(20 + n * 0.5 + slack());
    expect(median(diffs(solo))).toBeGreaterThan(9);
    expect(median(diffs(solo))).toBeLessThan(12);
    // Absolute scheduling: the last token is due at start + TTFT + 11 ITLs; lateness does not accumulate.
    expect(solo.at(-1)! - soloT.startedAt!).toBeGreaterThan(20 + n * 0.5 + 110 - 0.5);
    expect(solo.at(-1)! - solo[0]!).toBeLessThan(110 + slack());

    // Four at once, with prompts differing in their first block (so no prefix hits): the k-th to start sees load 1+(k−1)/3.
    const ids = ['c0', 'c1', 'c2', 'c3'];
    await Promise.all(
      ids.map((id, i) =>
        rawRequest(p.url, '/v1/chat/completions', {
          body: chatBody(`${'amber '.repeat(i + 1)}${content}`, { max_tokens: 12, stream: true }),
          headers: { 'x-request-id': id },
        }),
      ),
    );
    const started = ids.map((id) => ({ id, t: p.requestTimes(id)! })).sort((a, b) => a.t.startedAt! - b.t.startedAt!);
    started.forEach(({ id, t }, k) => {
      const promptN = encode(renderChat([{ role: 'user', content: `${'amber '.repeat(Number(id[1]) + 1)}${content}` }])).length;
      const expected = (20 + promptN * 0.5) * (1 + k / 3);
      const e = p.emissions(id)!;
      const ttft = e[0]! - t.startedAt!;
      expect(ttft).toBeGreaterThan(expected - 0.5);
      expect(ttft).toBeLessThan(expected + slack());
      // All four run by the time any first token is out and the first-started stream finishes first,
      // so each of its later tokens is due 10 × 2 = 20 ms after the previous TARGET: its last token
      // can be late but never early. (The others' last gaps shrink as streams finish and load drops.)
      if (k === 0) expect(e.at(-1)! - t.startedAt!).toBeGreaterThan(expected + 11 * 20 - 0.5);
      expect(e.at(-1)! - t.startedAt!).toBeLessThan(expected + 11 * 20 + slack());
    });
    // Typical gap ≈ 20 ms (a stall shortens the gaps after it, since targets are absolute).
    for (const id of ids) {
      const e = p.emissions(id)!;
      expect(median(diffs(e))).toBeGreaterThan(15);
      expect(median(diffs(e))).toBeLessThan(25);
    }
    loopDelay.disable();
  });
});
