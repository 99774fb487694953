import { appendFileSync, mkdtempSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measure } from '../src/measure.ts';
import { writeJsonAtomic } from '../src/output/run-folder.ts';
import type { RequestRecord } from '../src/record/request-record.ts';

// A gateway without pod headers: it picks pod-a / pod-b in turn and logs the pick as the GIE director does
// ("Request handled" with x-request-id and endpoint), `logLagMs` after the response ended (a log shipper's lag).
interface Gateway {
  url: string;
  logPath: string;
  close(): Promise<void>;
}

async function startGateway(opts: { logLagMs: number; podHeader: boolean; logIds: boolean }): Promise<Gateway> {
  const dir = mkdtempSync(join(tmpdir(), 'rb-measure-gw-'));
  const logPath = join(dir, 'epp.log');
  writeFileSync(logPath, '');
  let n = 0;
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const pod = n++ % 2 === 0 ? 'pod-a' : 'pod-b';
      const rid = String(req.headers['x-request-id']);
      res.writeHead(200, { 'content-type': 'text/event-stream', ...(opts.podHeader ? { 'x-inference-pod': pod } : {}) });
      for (const t of ['a', 'b', 'c']) res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: t } }] })}\n\n`);
      res.write(`data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 4, completion_tokens: 3 } })}\n\n`);
      res.end('data: [DONE]\n\n');
      const line = JSON.stringify({ level: 'info', msg: 'Request handled', 'x-request-id': opts.logIds ? rid : `other-${rid}`, endpoint: pod });
      const t = setTimeout(() => {
        timers.delete(t);
        appendFileSync(logPath, line + '\n');
      }, opts.logLagMs);
      timers.add(t);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    logPath,
    close: () => {
      for (const t of timers) clearTimeout(t);
      return new Promise((r) => server.close(() => r()));
    },
  };
}

function* specs(n: number) {
  for (let i = 0; i < n; i++) yield { model: 'm', messages: [{ role: 'user' as const, content: `q${i}` }], maxTokens: 3 };
}

/** Count the times summary.json is (re)placed in `dir`: an atomic write shows as one rename of that name. */
function countSummaryWrites(dir: string): { count(): number; close(): void } {
  let n = 0;
  const w = watch(dir, (event, file) => {
    if (event === 'rename' && file === 'summary.json') n++;
  });
  return { count: () => n, close: () => w.close() };
}

const readRecords = (dir: string): RequestRecord[] =>
  readFileSync(join(dir, 'requests.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RequestRecord);

describe('measure()', () => {
  let lagged: Gateway;
  beforeAll(async () => {
    lagged = await startGateway({ logLagMs: 400, podHeader: false, logIds: true });
  });
  afterAll(async () => {
    await lagged.close();
  });

  it('the write counter sees every atomic write of summary.json (so a second write would fail the test below)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rb-measure-'));
    const watcher = countSummaryWrites(dir);
    writeJsonAtomic(join(dir, 'summary.json'), { a: 1 });
    writeJsonAtomic(join(dir, 'summary.json'), { a: 2 });
    await new Promise((r) => setTimeout(r, 200));
    watcher.close();
    expect(watcher.count()).toBe(2);
  });

  it('places records from an EPP log that lags the responses, and writes every file once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rb-measure-'));
    const watcher = countSummaryWrites(dir);
    const result = await measure({
      target: lagged.url,
      workload: specs(20),
      load: { type: 'concurrency', concurrency: 4, requests: 20 },
      outDir: dir,
      force: true,
      eppLogs: [lagged.logPath],
      attribution: { holdMs: 3000, pollMs: 50 },
    });
    await new Promise((r) => setTimeout(r, 200));
    watcher.close();
    expect(watcher.count()).toBe(1);

    expect(result.attribution).toMatchObject({ unattributed: 0, placedBy: { 'epp-log': 20 }, heldForLog: 20 });
    expect(result.attribution.split?.counts).toEqual({ 'pod-a': 10, 'pod-b': 10 });
    // requests.jsonl was written once, with the pods: nothing rewritten afterwards.
    const records = readRecords(dir);
    expect(records).toHaveLength(20);
    expect(records.every((r) => (r.pod === 'pod-a' || r.pod === 'pod-b') && r.podSource === 'epp-log')).toBe(true);
    // requests.csv was streamed beside it: a header and a row per record, pods included.
    const csv = readFileSync(join(dir, 'requests.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(21);
    expect(csv.filter((l) => l.includes(',pod-a,epp-log,')).length).toBe(10);
    // The summary's per-pod statistics include the placed records.
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary.dimensions['pod:pod-a'].count).toBe(10);
    expect(summary.dimensions['pod:pod-b'].count).toBe(10);
    expect(summary.extra.attribution.placedBy).toEqual({ 'epp-log': 20 });
    // Held records are not in flight: the peak stays at the 4 users.
    expect(Math.max(...summary.timeseries.buckets.map((b: { inFlightMax: number }) => b.inFlightMax))).toBeLessThanOrEqual(4);
    // The evidence streams the same records from disk, as often as a claim asks.
    expect([...result.evidence.records!]).toHaveLength(20);
    expect([...result.evidence.records!].filter((r) => r.pod === 'pod-b')).toHaveLength(10);
  });

  it('writes a record unattributed once it has waited holdMs for a log line that never comes', async () => {
    const gw = await startGateway({ logLagMs: 0, podHeader: false, logIds: false });
    try {
      const dir = mkdtempSync(join(tmpdir(), 'rb-measure-'));
      const t0 = performance.now();
      const result = await measure({
        target: gw.url,
        workload: specs(6),
        load: { type: 'concurrency', concurrency: 2, requests: 6 },
        outDir: dir,
        force: true,
        eppLogs: [gw.logPath],
        attribution: { holdMs: 300, pollMs: 50 },
      });
      expect(performance.now() - t0).toBeLessThan(10_000);
      expect(result.attribution).toMatchObject({ unattributed: 6, placedBy: {}, heldForLog: 6 });
      const records = readRecords(dir);
      expect(records).toHaveLength(6);
      expect(records.every((r) => r.pod === null)).toBe(true);
    } finally {
      await gw.close();
    }
  });

  it('passes records a response header placed without holding them', async () => {
    const gw = await startGateway({ logLagMs: 0, podHeader: true, logIds: true });
    try {
      const dir = mkdtempSync(join(tmpdir(), 'rb-measure-'));
      const result = await measure({
        target: gw.url,
        workload: specs(8),
        load: { type: 'concurrency', concurrency: 2, requests: 8 },
        outDir: dir,
        force: true,
        eppLogs: [gw.logPath],
      });
      expect(result.attribution).toMatchObject({ unattributed: 0, heldForLog: 0, placedBy: { 'header:x-inference-pod': 8 } });
      expect(readRecords(dir).every((r) => r.podSource === 'header:x-inference-pod')).toBe(true);
    } finally {
      await gw.close();
    }
  });

  it('refuses a folder that already holds a run before it sends anything (RB_OUTPUT_EXISTS)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rb-measure-'));
    writeFileSync(join(dir, 'summary.json'), '{}');
    let sent = 0;
    const m = measure({ target: lagged.url, workload: specs(2), load: { type: 'concurrency', concurrency: 1, requests: 2 }, outDir: dir }).on('sent', () => sent++);
    await expect(m).rejects.toMatchObject({ code: 'RB_OUTPUT_EXISTS', field: 'outDir' });
    expect(sent).toBe(0);
  });
});
