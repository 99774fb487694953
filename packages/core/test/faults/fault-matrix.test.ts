// Every transport and protocol fault a gateway can throw at us, each driven through run() (not just the
// client): the run goes on (or stops cleanly with failFast), every failed request carries an error
// class and a message, and the summary's counters add up.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, type RunOptions } from '../../src/run.ts';
import type { RequestRecord } from '../../src/record/request-record.ts';
import type { RequestSpecInput } from '../../src/workload/request-spec.ts';
import type { Summary } from '../../src/record/summary.ts';
import type { LoadSpecInput } from '../../src/load/load-spec.ts';
import { startFaultServer, type FaultServer } from '../fixtures/fault-server.ts';
import { selfSignedCert } from '../fixtures/self-signed.ts';

function* specs(n: number, headers: (i: number) => Record<string, string>): Generator<RequestSpecInput> {
  for (let i = 0; i < n; i++) yield { model: 'm', messages: [{ role: 'user', content: `q${i}` }], maxTokens: 3, headers: headers(i) };
}

interface CaseResult {
  records: RequestRecord[];
  summary: Summary;
  stopped: boolean;
  stopReason: string | null;
}

/** The bookkeeping every case must satisfy, whatever went wrong. */
function expectCountsAddUp(summary: Summary, records: RequestRecord[]): void {
  const c = summary.counts;
  expect(c.sent).toBe(records.length);
  expect(c.finished).toBe(c.sent);
  expect(c.inFlight).toBe(0);
  expect(c.ok + c.error + c.cancelled).toBe(c.sent);
  expect(c.ok).toBe(records.filter((r) => r.status === 'ok').length);
  const byClass = summary.counters.errorsByClass;
  expect(Object.values(byClass).reduce((a, b) => a + b, 0)).toBe(c.error + c.cancelled);
  for (const r of records) {
    if (r.status === 'ok') {
      expect(r.errorClass).toBeNull();
      continue;
    }
    expect(r.errorClass, JSON.stringify(r)).not.toBeNull();
    expect(r.errorMessage, JSON.stringify(r)).toBeTruthy();
  }
  const classes = new Map<string, number>();
  for (const r of records) if (r.errorClass) classes.set(r.errorClass, (classes.get(r.errorClass) ?? 0) + 1);
  expect(Object.fromEntries(classes)).toEqual(byClass);
}

async function runCase(target: string, n: number, headers: (i: number) => Record<string, string>, load: Partial<LoadSpecInput> = {}, extra: Partial<RunOptions> = {}): Promise<CaseResult> {
  const records: RequestRecord[] = [];
  const result = await run({
    target,
    workload: specs(n, headers),
    load: { type: 'concurrency', concurrency: 2, requests: n, timeoutMs: 5000, stallTimeoutMs: 2000, ...load } as LoadSpecInput,
    ...extra,
  }).on('request', (r) => records.push(r));
  expectCountsAddUp(result.summary, records);
  return { records, summary: result.summary, stopped: result.stopped, stopReason: result.stopReason };
}

/** Odd requests get the fault, even ones succeed: the run must carry on past every fault. */
const alternating = (fault: Record<string, string>) => (i: number) => (i % 2 === 1 ? fault : { 'x-fault': 'ok' });

function failed(c: CaseResult): RequestRecord[] {
  return c.records.filter((r) => r.status !== 'ok');
}

describe('fault matrix through run()', () => {
  let server: FaultServer;
  beforeAll(async () => {
    server = await startFaultServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('connection refused: every request is a connect error, and the run still ends with a summary', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const c = await runCase(`http://127.0.0.1:${port}`, 6, () => ({}));
    expect(c.summary.counts.error).toBe(6);
    expect(c.summary.counters.errorsByClass).toEqual({ connect: 6 });
    expect(c.records[0]!.errorMessage).toMatch(/ECONNREFUSED/);
  });

  const streamFaults: { name: string; fault: Record<string, string>; load?: Partial<LoadSpecInput>; errorClass: string; message: RegExp }[] = [
    { name: 'reset mid-stream', fault: { 'x-fault': 'reset' }, errorClass: 'reset', message: /./ },
    { name: 'slow headers past timeoutMs', fault: { 'x-fault': 'slow-headers', 'x-fault-ms': '3000' }, load: { timeoutMs: 300 }, errorClass: 'timeout', message: /300 ms timeout/ },
    { name: 'stalled stream past stallTimeoutMs', fault: { 'x-fault': 'stall' }, load: { stallTimeoutMs: 250 }, errorClass: 'stall', message: /no data for 250 ms/ },
    { name: 'truncated SSE', fault: { 'x-fault': 'truncated' }, errorClass: 'truncated', message: /without data: \[DONE\]/ },
    { name: 'invalid JSON in a chunk', fault: { 'x-fault': 'invalid-json' }, errorClass: 'malformed', message: /invalid JSON/ },
    { name: 'endless stream without [DONE]', fault: { 'x-fault': 'endless' }, load: { timeoutMs: 400 }, errorClass: 'timeout', message: /400 ms timeout/ },
    { name: 'wrong content type', fault: { 'x-fault': 'wrong-content-type' }, errorClass: 'malformed', message: /content-type text\/event-stream/ },
  ];
  for (const f of streamFaults) {
    it(`${f.name}: ${f.errorClass}, the other requests succeed`, async () => {
      const c = await runCase(server.url, 6, alternating(f.fault), f.load);
      expect(c.summary.counts.ok).toBe(3);
      expect(c.summary.counters.errorsByClass).toEqual({ [f.errorClass]: 3 });
      for (const r of failed(c)) expect(r.errorMessage).toMatch(f.message);
      expect(c.stopped).toBe(false);
    });
  }

  it('a giant (> 1 MB) event is accepted; an event past maxEventBytes is malformed', async () => {
    const giant = await runCase(server.url, 2, () => ({ 'x-fault': 'giant', 'x-fault-bytes': String(1_200_000) }));
    expect(giant.summary.counts.ok).toBe(2);
    expect(giant.records[0]!.chunks.length).toBe(2);
    // 20 MB in one event against the client's 16 MB default cap.
    const big = await runCase(server.url, 2, alternating({ 'x-fault': 'oversized', 'x-fault-bytes': String(20 * 1024 * 1024) }), { concurrency: 1 });
    expect(big.summary.counters.errorsByClass).toEqual({ malformed: 1 });
    expect(failed(big)[0]!.errorMessage).toMatch(/SSE event larger than 16777216 bytes/);
  });

  const statusCases: { status: number; errorClass: string }[] = [
    { status: 401, errorClass: 'http_4xx' },
    { status: 404, errorClass: 'http_4xx' },
    { status: 429, errorClass: 'http_429' },
    { status: 500, errorClass: 'http_5xx' },
    { status: 503, errorClass: 'http_5xx' },
  ];
  for (const shape of ['v0.10.1', 'legacy'] as const) {
    it(`HTTP 401/404/429/500/503 in the ${shape} vLLM error shape keep the server's message and retry-after`, async () => {
      const c = await runCase(server.url, 10, (i) => ({ 'x-fault': 'status', 'x-fault-status': String(statusCases[i % 5]!.status), 'x-fault-shape': shape }), { concurrency: 1 });
      expect(c.summary.counts.error).toBe(10);
      expect(c.summary.counters.errorsByClass).toEqual({ http_4xx: 4, http_429: 2, http_5xx: 4 });
      for (const r of c.records) {
        const want = statusCases[r.seq % 5]!;
        expect(r.httpStatus).toBe(want.status);
        expect(r.errorClass).toBe(want.errorClass);
        expect(r.errorMessage).toBe(`HTTP ${want.status}: fault server says ${want.status}${want.status === 429 ? ' (retry-after: 7)' : ''}`);
      }
      expect(c.summary.counters.errorsByHttpStatus).toEqual({ '401': 2, '404': 2, '429': 2, '500': 2, '503': 2 });
    });
  }

  it("the EPP's plain-text errors are kept verbatim", async () => {
    const c = await runCase(server.url, 6, (i) => ({ 'x-fault': 'epp-text', 'x-fault-status': ['503', '429', '500'][i % 3]! }), { concurrency: 1 });
    expect(c.summary.counters.errorsByClass).toEqual({ http_5xx: 4, http_429: 2 });
    expect(c.records[0]!.errorMessage).toBe('HTTP 503: inference gateway: ServiceUnavailable - failed to find candidate pods for serving the request');
    expect(c.records[1]!.errorMessage).toContain('inference gateway: InferencePoolResourceExhausted - ');
  });

  it('failFast stops cleanly at the first failure: nothing left in flight, counts still add up', async () => {
    const c = await runCase(server.url, 40, (i): Record<string, string> => (i === 5 ? { 'x-fault': 'status', 'x-fault-status': '500' } : { 'x-fault': 'ok' }), { concurrency: 1 }, { failFast: true });
    expect(c.stopped).toBe(true);
    expect(c.stopReason).toMatch(/^fail-fast: request 5 failed \(http_5xx: HTTP 500: fault server says 500\)/);
    expect(c.summary.counts.sent).toBe(6);
    expect(c.summary.counts.error).toBe(1);
  });

  it('failFast with requests in flight: stragglers are cancelled after the drain timeout and counted', async () => {
    const c = await runCase(
      server.url,
      20,
      (i): Record<string, string> => (i === 0 ? { 'x-fault': 'status', 'x-fault-status': '503' } : { 'x-fault': 'slow-headers', 'x-fault-ms': '4000' }),
      { concurrency: 4, drainTimeoutMs: 100 },
      { failFast: true },
    );
    expect(c.stopped).toBe(true);
    expect(c.summary.counters.errorsByClass.http_5xx).toBe(1);
    expect(c.summary.counts.cancelled).toBeGreaterThanOrEqual(1);
    expect(c.summary.counters.errorsByClass.cancelled).toBe(c.summary.counts.cancelled);
  });
});

describe('TLS', () => {
  let tls: FaultServer;
  beforeAll(async () => {
    tls = await startFaultServer({ tls: selfSignedCert() });
  });
  afterAll(async () => {
    await tls.close();
  });

  it('verifies certificates by default: a self-signed server is a connect error and sees no request', async () => {
    const c = await runCase(tls.url, 3, () => ({}));
    expect(c.summary.counters.errorsByClass).toEqual({ connect: 3 });
    expect(c.records[0]!.errorMessage).toMatch(/self.signed|certificate/i);
    expect(tls.completions()).toHaveLength(0);
  });

  it('insecure: true skips verification and succeeds', async () => {
    const c = await runCase(tls.url, 3, () => ({}), {}, { insecure: true });
    expect(c.summary.counts.ok).toBe(3);
    expect(tls.completions()).toHaveLength(3);
  });
});
