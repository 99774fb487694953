import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { effectiveWorkers, run } from '../../src/run.ts';
import { readJsonl } from '../../src/output/jsonl.ts';
import { RequestRecordSchema, type RequestRecord } from '../../src/record/request-record.ts';
import type { RequestSpecInput } from '../../src/workload/request-spec.ts';
import type { LoadSpecInput } from '../../src/load/load-spec.ts';
import { LATENCY_METRICS, type Summary } from '../../src/record/summary.ts';
import { summarizeRecords } from '../../src/record/summarize-records.ts';
import { mergeSummaries } from '../../src/record/merge.ts';
import { runLevelProblem } from '../../src/claims/claim-outcome.ts';
import type { RunEvidence } from '../../src/claims/context.ts';
import type { RecorderSnapshot } from '../../src/record/recorder.ts';
import { startFixtureServer, type FixtureServer } from '../fixtures/sse-server.ts';

function* specs(n: number): Generator<RequestSpecInput> {
  for (let i = 0; i < n; i++) {
    yield {
      model: 'm',
      messages: [{ role: 'user', content: `q${i}` }],
      maxTokens: 4,
      groupId: `g${i % 5}`,
      tags: { i: String(i) },
      headers: { 'x-fixture-ttft-ms': '3', 'x-fixture-itl-ms': '1', 'x-fixture-tokens': '4' },
    };
  }
}

async function readRecords(dir: string): Promise<RequestRecord[]> {
  const out: RequestRecord[] = [];
  for await (const r of readJsonl(join(dir, 'requests.jsonl'), { schema: RequestRecordSchema })) out.push(r);
  return out.sort((a, b) => a.seq - b.seq);
}

/** Everything of a dimension a merge could get wrong: counts, tokens and every latency statistic. */
function stats(s: Summary) {
  return Object.fromEntries(
    Object.entries(s.dimensions).map(([name, d]) => [
      name,
      { count: d.count, ok: d.ok, errors: d.errors, tokens: d.tokens, ...Object.fromEntries(LATENCY_METRICS.map((k) => [k, { ...d[k], hist: undefined }])) },
    ]),
  );
}

describe('run({ workers }) — worker threads against a loopback server', () => {
  let server: FixtureServer;
  const dirs: string[] = [];
  const outDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'rb-workers-'));
    dirs.push(d);
    return join(d, 'run');
  };
  beforeAll(async () => {
    server = await startFixtureServer();
  });
  afterAll(async () => {
    await server.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('--workers 2 sends the same requests (count, indices, send times) as one worker; the parent writes every record and merges exactly', async () => {
    const load: LoadSpecInput = { type: 'poisson', rate: 300, requests: 60, warmupRequests: 3 };
    const one = await run({ target: server.url, workload: specs(500), load, seed: 9, outDir: outDir(), workers: 1 });
    const twoDir = outDir();
    const progress: RecorderSnapshot[] = [];
    const live: RequestRecord[] = [];
    const two = await run({ target: server.url, workload: specs(500), load, seed: 9, outDir: twoDir, workers: 2, progressIntervalMs: 50 })
      .on('progress', (p) => progress.push(p))
      .on('request', (r) => live.push(r));
    const a = await readRecords(one.outDir!);
    const b = await readRecords(twoDir);

    expect(two.summary.counts.sent).toBe(one.summary.counts.sent);
    expect(b.length).toBe(63);
    expect(live.length).toBe(63);
    const ids = (rs: RequestRecord[]) => rs.map((r) => ({ seq: r.seq, idSuffix: r.requestId.split('-').pop(), tag: r.tags.i, group: r.groupId, intended: r.times.intended, phase: r.phase }));
    expect(ids(b)).toEqual(ids(a));
    // Both threads sent, each its own indices, under one request-id prefix.
    expect(new Set(b.map((r) => r.worker))).toEqual(new Set([0, 1]));
    expect(b.every((r) => r.worker === r.seq % 2)).toBe(true);
    expect(new Set(b.map((r) => r.requestId.split('-')[1])).size).toBe(1);
    expect(b.every((r) => r.status === 'ok')).toBe(true);

    // One clock: send times stay close to the shared schedule in both threads (recorded delay, tolerant to a loaded machine).
    const delays = b.map((r) => r.scheduleDelayMs).sort((x, y) => x - y);
    expect(delays[0]).toBeGreaterThanOrEqual(0);
    // A wrong origin would put sends seconds off (or before their time); a busy shared machine adds tens of ms.
    expect(delays[Math.floor(delays.length / 2)]).toBeLessThan(250);

    // The merged summary equals one built from all the records; requested rate and worker count are the run's.
    const rebuilt = await summarizeRecords(b, two.summary.meta);
    expect(stats(two.summary)).toEqual(stats(rebuilt));
    expect(two.summary.counts).toEqual(rebuilt.counts);
    expect(two.summary.groups.byGroup).toEqual(rebuilt.groups.byGroup);
    expect(two.summary.rates.requestedRate).toBeCloseTo(300, 9);
    expect(two.summary.meta.workers).toBe(2);
    expect(two.summary.extra.workers).toBe(2);
    expect(progress.at(-1)!.completed).toBe(60);
  }, 60_000);

  it('each worker is judged on its own share of the rate, and the merged client flag is what claims read', async () => {
    // 4 req/s over 2 workers: each sends 2 req/s, which is on schedule for its half (it used to be flagged
    // "sent 2.0 req/s of the 4 requested").
    const r = await run({ target: server.url, workload: specs(100), load: { type: 'constant', rate: 4, requests: 8 }, seed: 3, workers: 2 });
    const parts = r.summary.meta.client.parts as Array<Record<string, unknown>>;
    expect(parts).toHaveLength(2);
    for (const p of parts) {
      expect(p.requestedRate).toBe(2);
      expect(p.bottleneck, String(p.bottleneckReason)).toBe(false);
    }
    expect(r.summary.meta.client.bottleneck).toBe(false);
    // The merged run carries the widest worker's arrival window, which latency claims read.
    expect(r.summary.meta.client.arrivalWindowP99Ms).toBe(Math.max(...parts.map((p) => p.arrivalWindowP99Ms as number)));
    expect(r.summary.rates.requestedRate).toBe(4);
    // A part that did fall behind makes the merged run a bottlenecked one, and every claim Inconclusive.
    const behind = { ...r.summary, meta: { ...r.summary.meta, client: { ...parts[0], bottleneck: true, bottleneckReason: 'sent 1.0 req/s of the 2 requested' } } };
    const merged = mergeSummaries([behind, { ...r.summary, meta: { ...r.summary.meta, client: parts[1]! } }]);
    expect(merged.meta.client).toMatchObject({ bottleneck: true, bottleneckReason: 'part 1: sent 1.0 req/s of the 2 requested' });
    expect(runLevelProblem({ summary: merged } as unknown as RunEvidence)).toMatch(/load generator was the bottleneck \(part 1: sent 1\.0 req\/s/);
  });

  it('a closed loop over 2 workers splits the users and sends exactly the requested indices', async () => {
    const load: LoadSpecInput = { type: 'concurrency', concurrency: 3, requests: 30 };
    const r = await run({ target: server.url, workload: specs(100), load, seed: 1, outDir: outDir(), workers: 2 });
    const recs = await readRecords(r.outDir!);
    expect(recs.map((x) => x.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(recs.map((x) => x.tags.i)).toEqual(Array.from({ length: 30 }, (_, i) => String(i)));
    expect(r.summary.counts.ok).toBe(30);
    expect(r.summary.rates.requestedRate).toBeNull();
  }, 60_000);

  it('stop() reaches every worker: the run ends early, its records written, and the process can go on', async () => {
    const dir = outDir();
    const instance = run({ target: server.url, workload: specs(100_000), load: { type: 'constant', rate: 100, durationS: 60 }, outDir: dir, workers: 2 });
    let seen = 0;
    instance.on('request', () => {
      if (++seen === 10) instance.stop('enough');
    });
    const r = await instance;
    expect(r.stopped).toBe(true);
    expect(r.stopReason).toBe('enough');
    const recs = await readRecords(dir);
    expect(recs.length).toBe(r.summary.counts.sent);
    expect(recs.length).toBeGreaterThanOrEqual(10);
    expect(recs.length).toBeLessThan(1000);
  }, 60_000);

  it('a workload that fails validation fails the run with the field named', async () => {
    const bad = [{ model: 'm', maxTokens: 4, messages: [{ role: 'user', content: 'x' }] }, { model: 'm', maxTokens: -1, messages: [] }] as RequestSpecInput[];
    await expect(run({ target: server.url, workload: bad, load: { type: 'concurrency', concurrency: 2, requests: 2 }, workers: 2 })).rejects.toThrow(/maxTokens/);
  }, 60_000);
});

describe('run({ shard, workers }) — a shard of N machines, split again over its threads', () => {
  let server: FixtureServer;
  beforeAll(async () => {
    server = await startFixtureServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('shard 1/2 over 2 workers sends exactly the odd indices of the single run, with its send times', async () => {
    const load: LoadSpecInput = { type: 'poisson', rate: 400, requests: 21 };
    const whole: RequestRecord[] = [];
    await run({ target: server.url, workload: specs(100), load, seed: 5 }).on('request', (r) => whole.push(r));
    const part: RequestRecord[] = [];
    const r = await run({ target: server.url, workload: specs(100), load, seed: 5, shard: { index: 1, count: 2 }, workers: 2 }).on('request', (x) => part.push(x));
    const key = (x: RequestRecord) => [x.seq, x.tags.i, x.times.intended];
    expect(part.map(key).sort((a, b) => (a[0] as number) - (b[0] as number))).toEqual(whole.filter((x) => x.seq % 2 === 1).map(key).sort((a, b) => (a[0] as number) - (b[0] as number)));
    expect(part.length).toBe(10);
    expect(new Set(part.map((x) => x.worker))).toEqual(new Set([0, 1]));
    expect(r.summary.rates.requestedRate).toBeCloseTo(200, 9);
    expect(r.summary.extra.shard).toEqual({ index: 1, count: 2 });
  }, 60_000);
});

describe('effectiveWorkers', () => {
  it('never uses more workers than the smallest closed-loop concurrency', () => {
    expect(effectiveWorkers({ workers: 2, load: { type: 'concurrency', concurrency: 1, requests: 2 } })).toBe(1);
    expect(effectiveWorkers({ workers: 4, load: { type: 'concurrency', concurrency: 3, requests: 9 } })).toBe(3);
    expect(effectiveWorkers({ workers: 2, load: { type: 'constant', rate: 5, requests: 2 } })).toBe(2);
    expect(effectiveWorkers({ workers: 2, load: { type: 'stages', stages: [{ type: 'concurrency', concurrency: 8, durationS: 1 }, { type: 'concurrency', concurrency: 1, durationS: 1 }] } })).toBe(1);
    expect(effectiveWorkers({ load: { type: 'concurrency', concurrency: 8, requests: 2 } })).toBe(1);
  });

  it('a closed loop with fewer users than workers still sends every request', async () => {
    const server = await startFixtureServer();
    try {
      const specs = Array.from({ length: 3 }, (_, i) => ({ model: 'm', messages: [{ role: 'user' as const, content: `q${i}` }], maxTokens: 4 }));
      const r = await run({ target: server.url, workload: specs, load: { type: 'concurrency', concurrency: 1, requests: 3 }, workers: 2 });
      expect(r.summary.counts.sent).toBe(3);
      expect(r.summary.counts.ok).toBe(3);
    } finally {
      await server.close();
    }
  });
});
