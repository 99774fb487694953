// HTTP and SSE that a real gateway (Envoy, agentgateway) or engine (vLLM) can legitimately send, each
// against the loopback fault server: classified right, nothing lost, and through run() the summary's
// counts add up. Issue #16.
import { getEventListeners } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStreamingClient, type StreamingClient } from '../../src/client/streaming-client.ts';
import { createRunClock } from '../../src/client/clock.ts';
import { run } from '../../src/run.ts';
import { RequestRecordSchema, type RequestRecord } from '../../src/record/request-record.ts';
import { RequestSpecSchema, type RequestSpecInput } from '../../src/workload/request-spec.ts';
import type { LoadSpecInput } from '../../src/load/load-spec.ts';
import { startFaultServer, type FaultServer } from '../fixtures/fault-server.ts';

let server: FaultServer;
let client: StreamingClient;
const clock = createRunClock();
let seq = 0;

beforeAll(async () => {
  server = await startFaultServer();
  client = createStreamingClient({ target: server.url, connections: 16, apiKey: 'sk-secret-123456' }, clock);
});
afterAll(async () => {
  await client.close();
  await server.close();
});

async function send(headers: Record<string, string>, extra: { stallTimeoutMs?: number; signal?: AbortSignal; c?: StreamingClient } = {}): Promise<RequestRecord> {
  const spec = RequestSpecSchema.parse({ model: 'm', messages: [{ role: 'user', content: 'hi' }], maxTokens: 3, headers });
  const n = seq++;
  const rec = await (extra.c ?? client).send(spec, {
    seq: n,
    requestId: `edge-${n}`,
    phase: 'measure',
    stage: 0,
    intended: clock.now(),
    timeoutMs: 5000,
    stallTimeoutMs: extra.stallTimeoutMs ?? 2000,
    signal: extra.signal,
  });
  RequestRecordSchema.parse(rec);
  return rec;
}

/** The fault server's ok stream: three content chunks, usage 3 completion tokens, [DONE]. */
function expectOkStream(rec: RequestRecord, chunks = 3): void {
  expect(rec.errorMessage).toBeNull();
  expect(rec.status).toBe('ok');
  expect(rec.errorClass).toBeNull();
  expect(rec.httpStatus).toBe(200);
  expect(rec.chunks).toHaveLength(chunks);
  expect(rec.completionTokens).toBe(3);
  expect(rec.finishReason).toBe('length');
}

describe('content codings', () => {
  it('asks for identity, so a server that compresses when allowed sends plain SSE', async () => {
    const rec = await send({ 'x-fault': 'negotiate' });
    expectOkStream(rec);
    expect(server.completions().at(-1)!.headers['accept-encoding']).toBe('identity');
  });

  // The compressed stream is cut into HTTP chunks of 1, 7 and 4096 bytes: a decoder must keep its
  // state across them (RFC 9110 §8.4.1: gzip/x-gzip, deflate = zlib format; br = RFC 7932).
  for (const coding of ['gzip', 'x-gzip', 'deflate', 'deflate-raw', 'br']) {
    for (const piece of [1, 7, 4096]) {
      it(`decodes a ${coding} response cut into ${piece}-byte chunks`, async () => {
        expectOkStream(await send({ 'x-fault': 'encoded', 'x-fault-encoding': coding, 'x-fault-piece': String(piece) }));
      });
    }
  }

  it('times each token of a compressed stream when its bytes arrived, not when the body ended', async () => {
    const rec = await send({ 'x-fault': 'encoded-paced', 'x-fault-ms': '80' });
    expectOkStream(rec);
    const offsets = rec.chunks.map((c) => c[0]);
    expect(offsets[1]).toBeGreaterThanOrEqual(70);
    expect(offsets[2]! - offsets[1]!).toBeGreaterThanOrEqual(70);
    // Record times are rounded to µs each, so their sum may differ from another rounded time by one µs.
    expect(rec.times.end).toBeGreaterThanOrEqual(rec.times.firstToken! + offsets[2]! - 0.002);
  });

  it("decodes a gzipped error body and keeps the server's message", async () => {
    const rec = await send({ 'x-fault': 'encoded', 'x-fault-encoding': 'gzip', 'x-fault-status': '500' });
    expect(rec.errorClass).toBe('http_5xx');
    expect(rec.errorMessage).toBe('HTTP 500: fault server says 500');
  });

  it('calls an unknown content coding malformed, naming it', async () => {
    const rec = await send({ 'x-fault': 'encoded', 'x-fault-encoding': 'zstd' });
    expect(rec.status).toBe('error');
    expect(rec.errorClass).toBe('malformed');
    expect(rec.errorMessage).toMatch(/content-encoding "zstd"/);
  });
});

describe('redirects', () => {
  for (const status of [301, 302, 307, 308]) {
    it(`${status} is http_3xx with the (redacted) Location, not followed`, async () => {
      const before = server.completions().length;
      const rec = await send({ 'x-fault': 'redirect', 'x-fault-status': String(status), 'x-fault-location': 'https://user:pw@other.example/v1/chat/completions?key=s3cret#frag' });
      expect(rec.status).toBe('error');
      expect(rec.errorClass).toBe('http_3xx');
      expect(rec.httpStatus).toBe(status);
      expect(rec.errorMessage).toContain(`HTTP ${status}`);
      expect(rec.errorMessage).toContain('https://other.example/v1/chat/completions');
      expect(rec.errorMessage).not.toMatch(/pw|s3cret|frag/);
      expect(server.completions().length).toBe(before + 1);
    });
  }

  it('keeps a relative Location as sent, minus its query', async () => {
    const rec = await send({ 'x-fault': 'redirect', 'x-fault-status': '302', 'x-fault-location': '/login?next=/v1&token=abc' });
    expect(rec.errorClass).toBe('http_3xx');
    expect(rec.errorMessage).toContain('/login');
    expect(rec.errorMessage).not.toContain('token=abc');
  });

  it('redacts a scheme-relative Location too', async () => {
    const rec = await send({ 'x-fault': 'redirect', 'x-fault-status': '302', 'x-fault-location': '//user:pw@cdn.example/x?token=abc' });
    expect(rec.errorMessage).toContain('Location: //cdn.example/x');
    expect(rec.errorMessage).not.toMatch(/pw|token=abc/);
  });
});

describe('media type (RFC 9110 §8.3.1)', () => {
  for (const ct of ['Text/Event-Stream; Charset=UTF-8', 'text/event-stream;charset=utf-8', 'TEXT/EVENT-STREAM', ' text/event-stream ; x=1']) {
    it(`accepts ${JSON.stringify(ct)}`, async () => {
      expectOkStream(await send({ 'x-fault': 'media-type', 'x-fault-content-type': ct }), 2);
    });
  }
  for (const ct of ['text/event-streams', 'application/json; profile=text/event-stream']) {
    it(`rejects ${JSON.stringify(ct)}`, async () => {
      const rec = await send({ 'x-fault': 'media-type', 'x-fault-content-type': ct });
      expect(rec.errorClass).toBe('malformed');
    });
  }
});

describe('after data: [DONE]', () => {
  it('a reset after [DONE] does not fail the request', async () => {
    expectOkStream(await send({ 'x-fault': 'done-then-reset' }), 2);
  });

  it('a response left open after [DONE] ends at [DONE] (no stall) and its connection is closed', async () => {
    const rec = await send({ 'x-fault': 'done-then-linger' }, { stallTimeoutMs: 3000 });
    expectOkStream(rec, 2);
    expect(rec.times.end - rec.times.sent).toBeLessThan(1000);
    // The end is the arrival of the read that carried [DONE], the last content chunk's read here.
    expect(rec.times.end).toBeLessThanOrEqual(rec.times.firstToken! + rec.chunks.at(-1)![0] + 1);
    const deadline = Date.now() + 2500;
    while (!server.closedEarly.includes(rec.requestId) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(server.closedEarly).toContain(rec.requestId);
  });

  it('several responses left open after [DONE] at once are each recorded and each closed', async () => {
    // Seven at once linger together, so the sweep removes several in one pass (each removal moves the last
    // lingering request into the removed slot): none may be skipped or closed twice.
    const recs = await Promise.all(Array.from({ length: 7 }, () => send({ 'x-fault': 'done-then-linger' }, { stallTimeoutMs: 3000 })));
    for (const rec of recs) expectOkStream(rec, 2);
    const ids = recs.map((r) => r.requestId);
    const deadline = Date.now() + 2500;
    while (!ids.every((id) => server.closedEarly.includes(id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(ids.filter((id) => !server.closedEarly.includes(id))).toEqual([]);
    // The client still works on the connections that are left.
    expectOkStream(await send({}));
  });
});

describe('SSE framing (WHATWG HTML §9.2.6)', () => {
  const ok: [string, Record<string, string>][] = [
    ['CRLF line ends', { 'x-fault': 'line-ends', 'x-fault-eol': 'crlf' }],
    ['lone CR line ends', { 'x-fault': 'line-ends', 'x-fault-eol': 'cr' }],
    ['a UTF-8 BOM split across reads', { 'x-fault': 'bom' }],
    ['data: without a space', { 'x-fault': 'no-space' }],
    ['comments, retry:, id:, event: message', { 'x-fault': 'sse-fields' }],
    ['one event over several data: lines', { 'x-fault': 'multiline-data' }],
    ['trailers after the last chunk', { 'x-fault': 'trailers' }],
    ['a close-delimited body (Connection: close, no framing)', { 'x-fault': 'close-delimited' }],
    ['a 103 Early Hints before the 200', { 'x-fault': 'early-hints' }],
  ];
  for (const [name, headers] of ok) {
    it(`reads ${name}`, async () => {
      const rec = await send(headers);
      expectOkStream(rec, 2);
    });
  }

  it('reads multi-byte UTF-8 split between chunks, one byte per HTTP chunk', async () => {
    expectOkStream(await send({ 'x-fault': 'byte-by-byte' }));
  });

  it('a close-delimited body without [DONE] is truncated, not reset', async () => {
    const rec = await send({ 'x-fault': 'close-delimited', 'x-fault-done': '0' });
    expect(rec.errorClass).toBe('truncated');
  });
});

describe('error shapes', () => {
  it("HTTP 200 application/json with an error body is a stream_error keeping the server's message", async () => {
    const rec = await send({ 'x-fault': 'json-200', 'x-fault-json': 'error' });
    expect(rec.errorClass).toBe('stream_error');
    expect(rec.httpStatus).toBe(200);
    expect(rec.errorMessage).toContain('fault server: model overloaded');
  });

  it("HTTP 200 text/event-stream whose body is a JSON error (no SSE event) is a stream_error with the server's message", async () => {
    const rec = await send({ 'x-fault': 'json-200', 'x-fault-json': 'error', 'x-fault-ct': 'text/event-stream' });
    expect(rec.errorClass).toBe('stream_error');
    expect(rec.errorMessage).toContain('fault server: model overloaded');
    expect(rec.errorMessage).toMatch(/a JSON error body, not SSE events/);
  });

  it('HTTP 200 text/event-stream with a body that holds no SSE event says what the body began with', async () => {
    const rec = await send({ 'x-fault': 'json-200', 'x-fault-json': 'completion', 'x-fault-ct': 'text/event-stream' });
    expect(rec.errorClass).toBe('truncated');
    expect(rec.errorMessage).toMatch(/without any SSE event; the body began: "\{\\"id\\":\\"cmpl-fault/);
  });

  it('HTTP 200 application/json with a whole completion says the server ignored stream: true', async () => {
    const rec = await send({ 'x-fault': 'json-200', 'x-fault-json': 'completion' });
    expect(rec.errorClass).toBe('malformed');
    expect(rec.errorMessage).toMatch(/non-streaming/);
    expect(rec.errorMessage).toMatch(/stream: ?true/);
  });

  it("Envoy's plain-text 503 is kept verbatim", async () => {
    const rec = await send({ 'x-fault': 'envoy' });
    expect(rec.errorClass).toBe('http_5xx');
    expect(rec.errorMessage).toBe('HTTP 503: upstream connect error or disconnect/reset before headers. reset reason: connection failure');
  });

  it('an HTML 503 is reduced to its text, with retry-after', async () => {
    const rec = await send({ 'x-fault': 'envoy', 'x-fault-body': 'html' });
    expect(rec.errorClass).toBe('http_5xx');
    expect(rec.errorMessage).toBe('HTTP 503: 503 Service Temporarily Unavailable (retry-after: 3)');
  });

  it('HTTP 200 then event: error with a JSON error is a stream_error', async () => {
    const rec = await send({ 'x-fault': 'event-error', 'x-fault-json': 'error' });
    expect(rec.errorClass).toBe('stream_error');
    expect(rec.errorMessage).toBe('fault server: overloaded');
  });

  it('HTTP 200 then event: error with plain text is a stream_error keeping the text', async () => {
    const rec = await send({ 'x-fault': 'event-error', 'x-fault-json': 'text' });
    expect(rec.errorClass).toBe('stream_error');
    expect(rec.errorMessage).toBe('upstream request timeout');
  });

  it('204 No Content is malformed, saying the body was empty', async () => {
    const rec = await send({ 'x-fault': 'empty', 'x-fault-status': '204' });
    expect(rec.errorClass).toBe('malformed');
    expect(rec.errorMessage).toMatch(/HTTP 204.*empty body/);
  });

  it('an empty 200 event stream is truncated', async () => {
    const rec = await send({ 'x-fault': 'empty', 'x-fault-status': '200', 'x-fault-content-type': 'text/event-stream' });
    expect(rec.errorClass).toBe('truncated');
  });
});

describe('abort listeners', () => {
  it('60 concurrent requests on one shared signal add no MaxListenersExceededWarning', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    const c = createStreamingClient({ target: server.url, connections: 64 }, clock);
    try {
      const ac = new AbortController(); // default limit (10 listeners) left as it is
      const pending = Array.from({ length: 60 }, () => send({ 'x-fault': 'slow-headers', 'x-fault-ms': '100' }, { c, signal: ac.signal }));
      expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1);
      const recs = await Promise.all(pending);
      expect(recs.filter((r) => r.status === 'ok')).toHaveLength(60);
      // Nothing in flight: nothing left on a signal that may outlive the client.
      expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
      // The shared signal still cancels what is in flight.
      const slow = Array.from({ length: 20 }, () => send({ 'x-fault': 'slow-headers', 'x-fault-ms': '3000' }, { c, signal: ac.signal }));
      setTimeout(() => ac.abort(), 50);
      const cancelled = await Promise.all(slow);
      expect(cancelled.map((r) => r.errorClass)).toEqual(new Array(20).fill('cancelled'));
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
      await c.close();
    }
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });

  it('12 runs on one stop signal add no MaxListenersExceededWarning', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const ac = new AbortController();
      for (let i = 0; i < 12; i++) {
        const r = await run({ target: server.url, workload: [{ model: 'm', messages: [{ role: 'user', content: 'q' }], maxTokens: 3 }], load: { type: 'concurrency', concurrency: 1, requests: 1 }, signal: ac.signal });
        expect(r.summary.counts.ok).toBe(1);
      }
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});

describe('through run(): one record per request, counts add up', () => {
  // Every edge case above, interleaved with plain requests, at concurrency 4.
  const cases: { headers: Record<string, string>; errorClass: string | null }[] = [
    { headers: { 'x-fault': 'ok' }, errorClass: null },
    { headers: { 'x-fault': 'encoded', 'x-fault-encoding': 'gzip', 'x-fault-piece': '5' }, errorClass: null },
    { headers: { 'x-fault': 'encoded', 'x-fault-encoding': 'br', 'x-fault-piece': '3' }, errorClass: null },
    { headers: { 'x-fault': 'encoded', 'x-fault-encoding': 'zstd' }, errorClass: 'malformed' },
    { headers: { 'x-fault': 'redirect', 'x-fault-status': '307' }, errorClass: 'http_3xx' },
    { headers: { 'x-fault': 'media-type', 'x-fault-content-type': 'Text/Event-Stream; Charset=UTF-8' }, errorClass: null },
    { headers: { 'x-fault': 'done-then-reset' }, errorClass: null },
    { headers: { 'x-fault': 'done-then-linger' }, errorClass: null },
    { headers: { 'x-fault': 'json-200' }, errorClass: 'stream_error' },
    { headers: { 'x-fault': 'event-error', 'x-fault-json': 'text' }, errorClass: 'stream_error' },
    { headers: { 'x-fault': 'close-delimited' }, errorClass: null },
    { headers: { 'x-fault': 'envoy' }, errorClass: 'http_5xx' },
  ];

  it('classifies each as expected', async () => {
    const n = cases.length * 3;
    function* workload(): Generator<RequestSpecInput> {
      for (let i = 0; i < n; i++) yield { model: 'm', messages: [{ role: 'user', content: `q${i}` }], maxTokens: 3, headers: cases[i % cases.length]!.headers };
    }
    const records: RequestRecord[] = [];
    const t0 = Date.now();
    const result = await run({ target: server.url, workload: workload(), load: { type: 'concurrency', concurrency: 4, requests: n, timeoutMs: 5000, stallTimeoutMs: 3000 } as LoadSpecInput }).on('request', (r) => records.push(r));
    // No response left open after [DONE] may hold the run until a stall timeout.
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(records).toHaveLength(n);
    expect(new Set(records.map((r) => r.seq)).size).toBe(n);
    const want = new Map<string, number>();
    for (const r of records) {
      RequestRecordSchema.parse(r);
      const c = cases[r.seq % cases.length]!;
      expect(r.errorClass, JSON.stringify(r)).toBe(c.errorClass);
      if (c.errorClass) want.set(c.errorClass, (want.get(c.errorClass) ?? 0) + 1);
    }
    const s = result.summary;
    expect(s.counts.sent).toBe(n);
    expect(s.counts.finished).toBe(n);
    expect(s.counts.inFlight).toBe(0);
    expect(s.counts.ok + s.counts.error + s.counts.cancelled).toBe(n);
    expect(s.counts.ok).toBe(records.filter((r) => r.status === 'ok').length);
    expect(s.counters.errorsByClass).toEqual(Object.fromEntries(want));
  });
});
