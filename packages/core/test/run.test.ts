import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../src/run.ts';
import type { RequestRecord } from '../src/request-record.ts';
import type { RequestSpecInput } from '../src/request-spec.ts';
import { startChildFixtureServer, type ChildServer } from './fixtures/child-server.ts';
import { startFixtureServer, type FixtureServer } from './fixtures/sse-server.ts';

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

function* specs(n: number, headers: (i: number) => Record<string, string>): Generator<RequestSpecInput> {
  for (let i = 0; i < n; i++) yield { model: 'm', messages: [{ role: 'user', content: `q${i}` }], maxTokens: 16, headers: headers(i) };
}

describe('run() against a server with known timing (child process)', () => {
  let server: ChildServer;
  beforeAll(async () => {
    server = await startChildFixtureServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('measures first-token arrival and ITL within 1 ms of the server\'s write times at p99 with 200 concurrent streams', async () => {
    const records: RequestRecord[] = [];
    // The run clock's origin is known, so record times convert to the wall-anchored high-resolution
    // clock (timeOrigin + now) the server process also reports its write times on.
    const origin = { perfMs: performance.now(), startedAt: new Date() };
    const toAbs = (t: number) => performance.timeOrigin + origin.perfMs + t;
    const result = await run({
      target: server.url,
      workload: specs(400, (i) => ({ 'x-fixture-ttft-ms': String(20 + (i % 40)), 'x-fixture-itl-ms': '8', 'x-fixture-tokens': '16' })),
      load: { type: 'concurrency', concurrency: 200, requests: 400, warmupRequests: 0 },
      clockOrigin: origin,
    }).on('request', (r) => records.push(r));
    expect(result.stopped).toBe(false);
    expect(records).toHaveLength(400);
    expect(records.every((r) => r.status === 'ok')).toBe(true);
    const firstTokenErr: number[] = [];
    const itlErr: number[] = [];
    for (const r of records) {
      const truth = await server.truth(r.requestId);
      expect(truth).not.toBeNull();
      const firstWrite = truth!.timeOrigin + truth!.writes[0]!.t;
      // Arrival can never precede the write; the difference is what the client added (read + parse delay).
      firstTokenErr.push(toAbs(r.times.firstToken!) - firstWrite);
      expect(r.chunks).toHaveLength(truth!.writes.length);
      for (let i = 1; i < r.chunks.length; i++) {
        const measuredGap = r.chunks[i]![0] - r.chunks[i - 1]![0];
        const trueGap = truth!.writes[i]!.t - truth!.writes[i - 1]!.t;
        itlErr.push(Math.abs(measuredGap - trueGap));
      }
    }
    expect(quantile(firstTokenErr, 0)).toBeGreaterThan(-0.5); // clocks agree: nothing arrives before it is sent
    expect(quantile(firstTokenErr, 0.99)).toBeLessThan(1);
    expect(quantile(itlErr, 0.99)).toBeLessThan(1);
  });

  it('starts each request of a 200 req/s constant-rate run within 2 ms of its intended time at p99', async () => {
    const records: RequestRecord[] = [];
    await run({
      target: server.url,
      workload: specs(1050, () => ({ 'x-fixture-ttft-ms': '5', 'x-fixture-itl-ms': '2', 'x-fixture-tokens': '4' })),
      // 50 warm-up requests (JIT, first connections) are recorded but, as in every run, kept out of statistics.
      load: { type: 'constant', rate: 200, requests: 1000, warmupRequests: 50 },
    }).on('request', (r) => r.phase === 'measure' && records.push(r));
    expect(records).toHaveLength(1000);
    const delays = records.map((r) => r.scheduleDelayMs);
    expect(quantile(delays, 0.99)).toBeLessThan(2);
    // intended times are exactly 5 ms apart: no drift
    const intended = records.map((r) => r.times.intended).sort((a, b) => a - b);
    expect(intended[999]! - intended[0]!).toBeCloseTo(999 * 5, 0);
  });
});

describe('run() control flow (in-process server)', () => {
  let server: FixtureServer;
  beforeAll(async () => {
    server = await startFixtureServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('keeps going through failures and counts sent = ok + error + cancelled', async () => {
    const modes = ['ok', 'malformed', 'error-frame', 'status', 'reset', 'ok'];
    const records: RequestRecord[] = [];
    const sent: number[] = [];
    await run({
      target: server.url,
      workload: specs(30, (i) => ({ 'x-fixture-mode': modes[i % modes.length]!, 'x-fixture-status': '503' })),
      load: { type: 'concurrency', concurrency: 4, requests: 30 },
    })
      .on('request', (r) => records.push(r))
      .on('sent', (s) => sent.push(s.seq));
    expect(sent).toHaveLength(30);
    expect(records).toHaveLength(30);
    expect(records.filter((r) => r.status === 'ok')).toHaveLength(10);
    expect(new Set(records.filter((r) => r.status === 'error').map((r) => r.errorClass))).toEqual(new Set(['malformed', 'stream_error', 'http_5xx', 'reset']));
  });

  it('marks warm-up requests and stops on stop(), cancelling stragglers after the drain timeout', async () => {
    const records: RequestRecord[] = [];
    const inst = run({
      target: server.url,
      workload: specs(1000, () => ({ 'x-fixture-ttft-ms': '3000' })),
      load: { type: 'constant', rate: 50, durationS: 10, warmupRequests: 2, drainTimeoutMs: 100 },
    }).on('request', (r) => records.push(r));
    setTimeout(() => inst.stop('test'), 200);
    const result = await inst;
    expect(result.stopped).toBe(true);
    expect(result.stopReason).toBe('test');
    expect(records.length).toBeGreaterThan(3);
    expect(records.every((r) => r.status === 'cancelled')).toBe(true);
    expect(records.filter((r) => r.phase === 'warmup')).toHaveLength(2);
  });

  it('fail-fast stops at the first error', async () => {
    const result = await run({
      target: server.url,
      workload: specs(50, (i) => ({ 'x-fixture-mode': i === 3 ? 'status' : 'ok' })),
      load: { type: 'concurrency', concurrency: 1, requests: 50 },
      failFast: true,
    });
    expect(result.stopped).toBe(true);
    expect(result.stopReason).toContain('fail-fast');
  });
});
