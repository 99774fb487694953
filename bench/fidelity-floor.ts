// Timing fidelity against the floor: how close routebench's token arrival times come to the ground truth,
// next to the best a bare Node.js reader does under the same load on the same machine. NOT a CI test.
//   tsx bench/fidelity-floor.ts [--reps 3] [--rate 300] [--requests 600] [--schedule-rate 200]
// Load: the ground-truth SSE server (packages/core/test/fixtures/sse-server.ts) in a child process,
// open loop at --rate req/s of 32-token streams 20 ms apart (~200 streams in flight at 300 req/s), the
// first 100 requests as warm-up. Truth: when the server's write returned (writes whose call was paused
// for more than 0.25 ms are not ground truth and are left out). Three clients, one after another:
//   routebench  run() with its undici client: HTTP parsing, SSE and JSON parsing, recording
//   bare        raw sockets, no parsing beyond finding the token text, each read stamped when handled
//   bare+batch  the same, stamped with the poll batch's start (what routebench did before #15; it can be early)
// If the bare reader misses a bound too, the machine (cores shared with the server, GC pauses, the
// scheduler) sets the floor, not routebench's code.
// Then the same for keeping an open-loop schedule (1,000 requests at --schedule-rate req/s, 4-token
// responses, 50 warm-up): routebench's schedule delay (intended → undici writes the request) beside a
// bare sender that waits with routebench's own pacer (sleepUntil) and writes a raw request on an
// idle keep-alive socket (intended → its write returned).
import { connect, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { arrivalNow, observeReads } from '../packages/core/src/client/arrival.ts';
import { run } from '@routebench/core';
import { sleepUntil } from '../packages/core/src/load/schedule.ts';
import type { RequestRecord } from '@routebench/core';
import { startChildFixtureServer, type ChildServer } from '../packages/core/test/fixtures/child-server.ts';
import { errorsAgainstTruth, monotonicOffsetMs } from '../packages/core/test/fixtures/sse-server.ts';
import { quantileSorted } from './stats.ts';

const FlagsSchema = z.strictObject({
  reps: z.coerce.number().int().positive(),
  rate: z.coerce.number().positive(),
  requests: z.coerce.number().int().positive(),
  'schedule-rate': z.coerce.number().positive(),
});
function usageError(message: string): never {
  console.error(`fidelity-floor: ${message}`);
  process.exit(2);
}
let values: Record<string, unknown> = {};
try {
  ({ values } = parseArgs({
    options: { reps: { type: 'string', default: '3' }, rate: { type: 'string', default: '300' }, requests: { type: 'string', default: '600' }, 'schedule-rate': { type: 'string', default: '200' } },
  }));
} catch (err) {
  usageError((err as Error).message.split('\n')[0]!);
}
const flags = FlagsSchema.safeParse(values);
if (!flags.success) usageError(flags.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '));
const { reps, rate, requests: measured, 'schedule-rate': scheduleRate } = flags.data;
const WARMUP = 100;
const fixtureHeaders = (i: number) => ({ 'x-fixture-ttft-ms': String(20 + (i % 20)), 'x-fixture-itl-ms': '20', 'x-fixture-tokens': '32' });

/** A raw HTTP/1.1 chat-completions request for the bare clients (keep-alive; the fixture reads x-fixture-*). */
function rawRequest(headers: Record<string, string>, maxTokens: number): string {
  const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'q' }], max_tokens: maxTokens, stream: true });
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  return `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n${head}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** Per request: arrival time of each token on the monotonic clock (NaN where one read held two tokens). */
type Arrivals = Map<string, number[]>;

async function routebenchClient(server: ChildServer): Promise<Arrivals> {
  const origin = { perfMs: performance.now(), startedAt: new Date() };
  const mono = monotonicOffsetMs() + origin.perfMs;
  const out: Arrivals = new Map();
  function* specs() {
    for (let i = 0; i < WARMUP + measured; i++) yield { model: 'm', messages: [{ role: 'user' as const, content: `q${i}` }], maxTokens: 32, headers: fixtureHeaders(i) };
  }
  await run({ target: server.url, workload: specs(), load: { type: 'constant', rate, requests: measured, warmupRequests: WARMUP }, clockOrigin: origin }).on('request', (r: RequestRecord) => {
    if (r.phase === 'measure' && r.status === 'ok') out.set(r.requestId, r.chunks.map(([dt, k]) => (k === 1 ? mono + r.times.firstToken! + dt : Number.NaN)));
  });
  return out;
}

async function bareClient(server: ChildServer, batch: boolean): Promise<Arrivals> {
  const port = Number(new URL(server.url).port);
  const mono = monotonicOffsetMs();
  const out: Arrivals = new Map();
  const start = performance.now() + 50;
  let done = 0;
  await new Promise<void>((resolve) => {
    for (let i = 0; i < WARMUP + measured; i++) {
      setTimeout(() => {
        const id = `bare-${batch}-${i}`;
        const times: number[] = [];
        if (i >= WARMUP) out.set(id, times);
        const socket = connect(port, '127.0.0.1', () => socket.write(rawRequest({ ...fixtureHeaders(i), 'x-request-id': id }, 32)));
        if (batch) observeReads(socket);
        socket.setNoDelay(true);
        socket.on('data', (b: Buffer) => {
          const t = batch ? arrivalNow() : performance.now();
          const text = b.toString('latin1');
          let k = 0;
          for (let at = text.indexOf('"content":" tok"'); at >= 0; at = text.indexOf('"content":" tok"', at + 1)) k++;
          for (let j = 0; j < k; j++) times.push(k === 1 ? mono + t : Number.NaN);
          if (text.includes('[DONE]')) {
            socket.destroy();
            if (++done === WARMUP + measured) resolve();
          }
        });
      }, Math.max(0, start + (i * 1000) / rate - performance.now()));
    }
  });
  return out;
}

/** p50 / p90 / p99 (and count) of a series, sorted once. */
function percentiles(xs: readonly number[]) {
  const s = Float64Array.from(xs).sort();
  const at = (q: number) => +quantileSorted(s, q).toFixed(2);
  return { p50: at(0.5), p90: at(0.9), p95: at(0.95), p99: at(0.99), max: at(1), n: s.length };
}

async function errors(server: ChildServer, arrivals: Arrivals) {
  const firstToken: number[] = [];
  const itl: number[] = [];
  for (const [id, a] of arrivals) {
    const truth = await server.truth(id);
    if (!truth || truth.writes.length !== a.length) continue;
    const e = errorsAgainstTruth(truth, a);
    if (e.firstTokenMs !== null) firstToken.push(e.firstTokenMs);
    itl.push(...e.itlMs);
  }
  return { firstTokenMs: percentiles(firstToken), itlMs: percentiles(itl) };
}

const SCHEDULE_REQUESTS = 1000;
const SCHEDULE_WARMUP = 50;
const shortHeaders = { 'x-fixture-ttft-ms': '5', 'x-fixture-itl-ms': '2', 'x-fixture-tokens': '4' };

async function routebenchSchedule(server: ChildServer): Promise<number[]> {
  const delays: number[] = [];
  function* specs() {
    for (let i = 0; i < SCHEDULE_WARMUP + SCHEDULE_REQUESTS; i++) yield { model: 'm', messages: [{ role: 'user' as const, content: `q${i}` }], maxTokens: 4, headers: shortHeaders };
  }
  await run({ target: server.url, workload: specs(), load: { type: 'constant', rate: scheduleRate, requests: SCHEDULE_REQUESTS, warmupRequests: SCHEDULE_WARMUP } }).on('request', (r: RequestRecord) => {
    if (r.phase === 'measure') delays.push(r.scheduleDelayMs);
  });
  return delays;
}

async function bareSchedule(server: ChildServer): Promise<number[]> {
  const port = Number(new URL(server.url).port);
  const request = rawRequest(shortHeaders, 4);
  const idle: Socket[] = [];
  const all: Socket[] = [];
  const open = () =>
    new Promise<Socket>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => resolve(socket));
      socket.setNoDelay(true);
      let tail = '';
      socket.on('data', (b: Buffer) => {
        tail = (tail + b.toString('latin1')).slice(-5);
        if (tail === '0\r\n\r\n') {
          tail = '';
          idle.push(socket); // response complete: free for the next request
        }
      });
      all.push(socket);
    });
  for (let i = 0; i < 16; i++) idle.push(await open());
  const delays: number[] = [];
  const t0 = performance.now() + 20;
  for (let i = 0; i < SCHEDULE_WARMUP + SCHEDULE_REQUESTS; i++) {
    const due = t0 + (i * 1000) / scheduleRate;
    await sleepUntil(() => performance.now(), due); // routebench's own pacer
    const socket = idle.pop() ?? (await open());
    socket.write(request);
    if (i >= SCHEDULE_WARMUP) delays.push(performance.now() - due);
  }
  await new Promise((r) => setTimeout(r, 100));
  for (const s of all) s.destroy();
  return delays;
}

const server = await startChildFixtureServer();
try {
  for (let rep = 1; rep <= reps; rep++) {
    for (const [name, client] of [
      ['routebench', () => routebenchClient(server)],
      ['bare', () => bareClient(server, false)],
      ['bare+batch', () => bareClient(server, true)],
    ] as const) {
      const e = await errors(server, await client());
      const f = (x: { p50: number; p90: number; p99: number }) => `${x.p50} / ${x.p90} / ${x.p99}`;
      console.log(`rep ${rep}  ${name.padEnd(11)} first token p50/p90/p99 ${f(e.firstTokenMs)} ms   ITL ${f(e.itlMs)} ms   (${e.firstTokenMs.n} requests, ${e.itlMs.n} gaps)`);
    }
  }
  for (let rep = 1; rep <= reps; rep++) {
    for (const [name, sender] of [
      ['routebench', () => routebenchSchedule(server)],
      ['bare', () => bareSchedule(server)],
    ] as const) {
      const d = percentiles(await sender());
      console.log(`rep ${rep}  ${name.padEnd(11)} schedule delay at ${scheduleRate} req/s p50/p95/p99/max ${d.p50} / ${d.p95} / ${d.p99} / ${d.max} ms   (${d.n} requests)`);
    }
  }
} finally {
  await server.close();
}
