import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyTransportError, createStreamingClient, describeTransportError, type StreamingClient } from '../../src/client/streaming-client.ts';
import { createRunClock } from '../../src/client/clock.ts';
import { RequestRecordSchema, type RequestRecord } from '../../src/record/request-record.ts';
import { RequestSpecSchema } from '../../src/workload/request-spec.ts';
import { startFixtureServer, type FixtureServer } from '../fixtures/sse-server.ts';

let server: FixtureServer;
let client: StreamingClient;
const clock = createRunClock();
let seq = 0;

beforeAll(async () => {
  server = await startFixtureServer();
  client = createStreamingClient({ target: server.url, connections: 16, apiKey: 'sk-secret-123456' }, clock);
});
afterAll(async () => {
  await client.close();
  await server.close();
});

async function send(headers: Record<string, string>, extra: { timeoutMs?: number; stallTimeoutMs?: number } = {}): Promise<RequestRecord> {
  const spec = RequestSpecSchema.parse({ model: 'm', messages: [{ role: 'user', content: 'hi' }], maxTokens: 8, headers });
  const rec = await client.send(spec, {
    seq: seq++,
    requestId: `req-${seq}`,
    phase: 'measure',
    stage: 0,
    intended: clock.now(),
    timeoutMs: extra.timeoutMs ?? 5000,
    stallTimeoutMs: extra.stallTimeoutMs ?? 2000,
  });
  RequestRecordSchema.parse(rec);
  return rec;
}

describe('streaming client', () => {
  it('records a normal stream: tokens, usage, served model, pod header, timings', async () => {
    const rec = await send({ 'x-fixture-ttft-ms': '20', 'x-fixture-itl-ms': '3', 'x-fixture-tokens': '6' });
    expect(rec.status).toBe('ok');
    expect(rec.errorClass).toBeNull();
    expect(rec.completionTokens).toBe(6);
    expect(rec.promptTokens).toBe(10);
    expect(rec.cachedTokens).toBe(0);
    expect(rec.servedModel).toBe('m');
    expect(rec.responseId).toBe(`chatcmpl-${rec.requestId}`);
    expect(rec.pod).toBe('fixture-pod-0');
    expect(rec.podSource).toBe('header:x-inference-pod');
    expect(rec.chunks).toHaveLength(6);
    expect(rec.tokenSource).toBe('final_usage');
    expect(rec.ttftMs!).toBeGreaterThanOrEqual(19);
    expect(rec.tpotMs!).toBeGreaterThan(2);
    expect(rec.finishReason).toBe('length');
    // headers arrive before the first token (sent at once, like vLLM)
    expect(rec.times.headers!).toBeLessThan(rec.times.firstToken!);
  });

  it('spreads final usage across chunks that carry several tokens', async () => {
    const rec = await send({ 'x-fixture-tokens': '12', 'x-fixture-tokens-per-chunk': '3', 'x-fixture-itl-ms': '4' });
    expect(rec.status).toBe('ok');
    expect(rec.chunks.map((c) => c[1])).toEqual([3, 3, 3, 3]);
    expect(rec.completionTokens).toBe(12);
  });

  const errorCases: [string, Record<string, string>, string, number | null][] = [
    ['malformed SSE JSON', { 'x-fixture-mode': 'malformed' }, 'malformed', 200],
    ['error frame (v0.10.1+ shape)', { 'x-fixture-mode': 'error-frame' }, 'stream_error', 200],
    ['error frame (legacy shape)', { 'x-fixture-mode': 'error-frame-legacy' }, 'stream_error', 200],
    ['429 with body', { 'x-fixture-mode': 'status', 'x-fixture-status': '429' }, 'http_429', 429],
    ['500 with body', { 'x-fixture-mode': 'status', 'x-fixture-status': '500' }, 'http_5xx', 500],
    ['404 legacy body', { 'x-fixture-mode': 'status', 'x-fixture-status': '404', 'x-fixture-shape': 'legacy' }, 'http_4xx', 404],
    ['connection reset mid-stream', { 'x-fixture-mode': 'reset' }, 'reset', 200],
    ['truncated stream', { 'x-fixture-mode': 'truncated' }, 'truncated', 200],
    ['wrong content type', { 'x-fixture-mode': 'wrong-content-type' }, 'malformed', 200],
  ];
  for (const [name, headers, cls, status] of errorCases) {
    it(`classifies ${name}`, async () => {
      const rec = await send(headers);
      expect(rec.status).toBe('error');
      expect(rec.errorClass).toBe(cls);
      expect(rec.httpStatus).toBe(status);
      expect(rec.errorMessage).toBeTruthy();
      expect(rec.errorMessage).not.toContain('sk-secret');
    });
  }

  it('keeps the error body message and retry-after of a 429', async () => {
    const rec = await send({ 'x-fixture-mode': 'status', 'x-fixture-status': '429' });
    expect(rec.errorMessage).toContain('fixture says 429');
    expect(rec.errorMessage).toContain('retry-after: 2');
  });

  it('fails a stalled stream after its stall timeout', async () => {
    const rec = await send({ 'x-fixture-mode': 'stall' }, { stallTimeoutMs: 150 });
    expect(rec.errorClass).toBe('stall');
    expect(rec.times.end - rec.times.sent).toBeGreaterThanOrEqual(140);
    expect(rec.chunks.length).toBe(2);
  });

  it('fails a request past its overall timeout', async () => {
    const rec = await send({ 'x-fixture-ttft-ms': '400' }, { timeoutMs: 100 });
    expect(rec.errorClass).toBe('timeout');
  });

  it('classifies connection refused', async () => {
    const dead = createStreamingClient({ target: 'http://127.0.0.1:1', connections: 1 }, clock);
    const spec = RequestSpecSchema.parse({ model: 'm', messages: [{ role: 'user', content: 'hi' }], maxTokens: 4 });
    const rec = await dead.send(spec, { seq: 0, requestId: 'x', phase: 'measure', stage: 0, intended: clock.now(), timeoutMs: 2000, stallTimeoutMs: 1000 });
    await dead.close();
    expect(rec.errorClass).toBe('connect');
  });

  it('accepts a giant (2 MB) chunk under the event size limit', async () => {
    const rec = await send({ 'x-fixture-mode': 'giant' });
    expect(rec.status).toBe('ok');
  });

  it('cancels in-flight requests on abort', async () => {
    const ac = new AbortController();
    const spec = RequestSpecSchema.parse({ model: 'm', messages: [{ role: 'user', content: 'hi' }], maxTokens: 4, headers: { 'x-fixture-ttft-ms': '2000' } });
    const p = client.send(spec, { seq: 0, requestId: 'c1', phase: 'measure', stage: 0, intended: clock.now(), timeoutMs: 5000, stallTimeoutMs: 5000, signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    const rec = await p;
    expect(rec.status).toBe('cancelled');
    expect(rec.errorClass).toBe('cancelled');
  });

  it('on abort cancels exactly the requests still in flight on the signal', async () => {
    // Requests finish in an order unrelated to their sends (the fast ones are interleaved with slow ones), so
    // the in-flight list is removed from in the middle; the abort must then reach every request left in it.
    const ac = new AbortController();
    const sendOn = (i: number, ttftMs: number) =>
      client.send(RequestSpecSchema.parse({ model: 'm', messages: [{ role: 'user', content: 'hi' }], maxTokens: 2, headers: { 'x-fixture-ttft-ms': String(ttftMs), 'x-fixture-tokens': '2' } }), {
        seq: 1000 + i,
        requestId: `sig-${i}`,
        phase: 'measure',
        stage: 0,
        intended: clock.now(),
        timeoutMs: 10_000,
        stallTimeoutMs: 10_000,
        signal: ac.signal,
      });
    const slow = new Set([0, 2, 3, 5, 8]);
    const pending = Array.from({ length: 9 }, (_, i) => sendOn(i, slow.has(i) ? 5_000 : 5));
    const fast = await Promise.all(pending.filter((_, i) => !slow.has(i)));
    for (const r of fast) expect(r.status).toBe('ok');
    ac.abort();
    const all = await Promise.all(pending);
    expect(all.filter((r) => r.status === 'cancelled').map((r) => r.requestId).sort()).toEqual(['sig-0', 'sig-2', 'sig-3', 'sig-5', 'sig-8']);
    expect(all.filter((r) => r.status === 'ok')).toHaveLength(4);
  });
});

describe('transport error classification', () => {
  it('calls running out of file descriptors a client limit, with the fix in the message', () => {
    const err = Object.assign(new Error('connect EMFILE 127.0.0.1:8000 - Local (undefined:undefined)'), { code: 'EMFILE' });
    expect(classifyTransportError(err, false)).toBe('client');
    expect(describeTransportError(err)).toContain('load.maxInFlight');
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(classifyTransportError(refused, false)).toBe('connect');
  });
});
