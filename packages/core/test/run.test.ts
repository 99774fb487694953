import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../src/run.ts';
import type { RequestRecord } from '../src/record/request-record.ts';
import type { RequestSpecInput } from '../src/workload/request-spec.ts';
import { startChildFixtureServer, type ChildServer } from './fixtures/child-server.ts';
import { errorsAgainstTruth, isExactWrite, monotonicOffsetMs, startFixtureServer, type FixtureServer } from './fixtures/sse-server.ts';

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

function* specs(n: number, headers: (i: number) => Record<string, string>): Generator<RequestSpecInput> {
  for (let i = 0; i < n; i++) yield { model: 'm', messages: [{ role: 'user', content: `q${i}` }], maxTokens: 16, headers: headers(i) };
}

// Timing on shared vCPUs: one retry, so a single descheduled run does not fail CI; a real fault fails both.
describe('run() against a server with known timing (child process)', { retry: 1 }, () => {
  let server: ChildServer;
  beforeAll(async () => {
    server = await startChildFixtureServer();
  });
  afterAll(async () => {
    await server.close();
  });

  // 300 req/s of ~0.65 s streams (32 tokens, 20 ms apart): ~200 streams in flight, starting and ending
  // spread out as in steady traffic (a closed loop's 200 simultaneous starts make the client's own
  // per-request work bunch up and measure that burst instead).
  async function measureAgainstTruth(extraHeaders: Record<string, string>) {
    const records: RequestRecord[] = [];
    // The run clock's origin is known, so record times convert to the machine's monotonic clock, on
    // which the server process also reports its receive and write times.
    const origin = { perfMs: performance.now(), startedAt: new Date() };
    const mono = monotonicOffsetMs();
    const toAbs = (t: number) => mono + origin.perfMs + t;
    const result = await run({
      target: server.url,
      workload: specs(700, (i) => ({ 'x-fixture-ttft-ms': String(20 + (i % 20)), 'x-fixture-itl-ms': '20', 'x-fixture-tokens': '32', ...extraHeaders })),
      load: { type: 'constant', rate: 300, requests: 600, warmupRequests: 100 },
      clockOrigin: origin,
    }).on('request', (r) => r.phase === 'measure' && records.push(r));
    expect(result.stopped).toBe(false);
    expect(records).toHaveLength(600);
    expect(records.every((r) => r.status === 'ok')).toBe(true);
    const peakInFlight = Math.max(...result.summary.timeseries.buckets.map((b) => b.inFlightMax));
    expect(peakInFlight).toBeGreaterThanOrEqual(180);
    // TTFT runs from the client writing the request (stamped in undici's onRequestStart, right before the
    // write) to the first content token arriving. Its start cannot be checked from the server (a busy
    // server reads requests late, and that wait is real TTFT); its end is the client's part: how long after
    // the server wrote the first token did the client see it.
    // Checked against every exact write (errorsAgainstTruth leaves out writes whose call was paused, 1 in
    // 2,000 here): the stamp is never before the write began, and the stamp's window reaches back to the
    // write (stamp − window ≤ the write's end). Stamping at dispatch (late, narrow window) or at a poll batch's
    // start (early) both fail one of these; how close the stamps are is a bench figure (bench/fidelity-floor.ts,
    // `pnpm bench --only fidelity`), since it depends on how busy the shared cores are.
    const firstTokenErr: number[] = [];
    const itlErr: number[] = [];
    let writes = 0;
    let uncertain = 0;
    let early = 0;
    let uncovered = 0;
    let checked = 0;
    for (const r of records) {
      const truth = await server.truth(r.requestId);
      expect(truth).not.toBeNull();
      expect(truth!.monoOffsetMs + truth!.receivedAt).toBeGreaterThan(toAbs(r.times.sent) - 0.5); // shared clock sanity
      expect(r.chunks).toHaveLength(truth!.writes.length);
      writes += truth!.writes.length;
      uncertain += truth!.writes.filter((w) => !isExactWrite(w)).length;
      const arrivals = r.chunks.map(([dt]) => toAbs(r.times.firstToken!) + dt);
      expect(r.firstTokenWindowMs).not.toBeNull();
      for (const [k, w] of truth!.writes.entries()) {
        if (!isExactWrite(w)) continue;
        checked++;
        const writeEnd = truth!.monoOffsetMs + w.t;
        // 0.01 ms: record times are rounded to µs, and the two processes' clocks are converted through offsets.
        if (arrivals[k]! < writeEnd - w.uncertainMs - 0.01) early++;
        const window = k === 0 ? r.firstTokenWindowMs! : r.maxArrivalWindowMs!;
        if (arrivals[k]! - window > writeEnd + 0.5) uncovered++;
      }
      const e = errorsAgainstTruth(truth!, arrivals);
      if (e.firstTokenMs !== null) firstTokenErr.push(e.firstTokenMs);
      itlErr.push(...e.itlMs);
    }
    expect(uncertain / writes).toBeLessThan(0.01);
    expect(early, `${early} of ${checked} token stamps before the server wrote the token`).toBe(0);
    expect(uncovered / checked, `${uncovered} of ${checked} stamps whose window does not reach back to the write`).toBeLessThan(0.01);
    return { firstTokenErr, itlErr, checked };
  }

  // Figures only (printed): the medians and tails are `pnpm bench` figures, not bounds of a test CI runs beside
  // other work. Idle machine, before the per-read stamps: median 0.02-0.03 ms, p99 1.4-2.3 ms.
  function report(name: string, errs: { firstTokenErr: number[]; itlErr: number[]; checked: number }) {
    const f = (xs: number[], q: number) => quantile(xs, q).toFixed(2);
    console.log(`${name}: ${errs.checked} writes; first-token error p50 ${f(errs.firstTokenErr, 0.5)} p99 ${f(errs.firstTokenErr, 0.99)} ms; ITL error p50 ${f(errs.itlErr, 0.5)} p99 ${f(errs.itlErr, 0.99)} ms`);
    expect(errs.checked).toBeGreaterThan(15_000);
  }

  it("measures first-token arrival and ITL against the server's write times with 200 concurrent streams", async () => {
    report('independent streams', await measureAgainstTruth({}));
  });

  it('keeps that accuracy when all 200 streams get their tokens in the same instants (batch decoding)', async () => {
    // Every write on one 20 ms grid: the server writes ~130 sockets back to back each step, as vLLM emits
    // a decode step's tokens. Measured: first token median 0.02-0.04 ms, p90 0.06-0.14, p99 0.8-2.3 ms; ITL
    // median 0.15-0.21, p90 0.65-0.96, p99 2-3 ms (stamping each read when it is handled instead: p90
    // 2.1-2.7 ms, p99 4.5-7.7 ms).
    report('aligned streams', await measureAgainstTruth({ 'x-fixture-align-ms': '20' }));
  });

  it('starts each request of a 200 req/s constant-rate run on time (median within 1 ms of its intended time, no drift)', async () => {
    const records: RequestRecord[] = [];
    await run({
      target: server.url,
      workload: specs(1050, () => ({ 'x-fixture-ttft-ms': '5', 'x-fixture-itl-ms': '2', 'x-fixture-tokens': '4' })),
      // 50 warm-up requests (JIT, first connections) are recorded but, as in every run, kept out of statistics.
      load: { type: 'constant', rate: 200, requests: 1000, warmupRequests: 50 },
    }).on('request', (r) => r.phase === 'measure' && records.push(r));
    expect(records).toHaveLength(1000);
    const delays = records.map((r) => r.scheduleDelayMs);
    // Issue target: 2 ms at p99. Measured on an idle machine inside vitest: p50 0.2-0.3, p95 0.54-0.73, p99
    // 1.3-2.0 ms. Its tail is sends falling due while the client handles a response chunk that just arrived
    // (with the server's first token 1 ms earlier, landing on the next send time, p99 was 2.0-3.4 ms);
    // a bare sender under the same load (bench/fidelity-floor.ts) keeps p99 at 0.5-0.7 ms.
    // The median catches a scheduler that drifts or waits on responses; the tail is a bench figure
    // (it grows with whatever else runs on the machine).
    expect(quantile(delays, 0.5)).toBeLessThan(1);
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

  it('a failure while handling a record stops the run and the run rejects with it (open loop and closed loop)', async () => {
    for (const load of [
      { type: 'constant', rate: 200, requests: 200 },
      { type: 'concurrency', concurrency: 4, requests: 200 },
    ] as const) {
      let seen = 0;
      const inst = run({ target: server.url, workload: specs(200, () => ({})), load }).on('request', () => {
        if (++seen === 5) throw new Error('listener broke on record 5');
      });
      await expect(inst, load.type).rejects.toThrow('listener broke on record 5');
      // It stopped soon after: not every one of the 200 requests was sent and handled.
      expect(seen, load.type).toBeLessThan(200);
    }
  });
});

describe('run() start time', () => {
  it('waits for startAt (wall clock) before sending, so shards on several machines line up', async () => {
    const server = await startFixtureServer();
    try {
      const startAt = new Date(Date.now() + 400);
      const result = await run({ target: server.url, workload: specs(2, () => ({})), load: { type: 'concurrency', concurrency: 1, requests: 2 }, startAt });
      expect(Date.parse(result.summary.meta.startedAt)).toBeGreaterThanOrEqual(startAt.getTime() - 1);
      expect(result.summary.counts.ok).toBe(2);
    } finally {
      await server.close();
    }
  });
});
