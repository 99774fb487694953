// End to end: `routebench run --shard i/3` as three separate processes (as the pods of the Indexed Job would),
// `routebench merge`, and one `--workers 2` run of the whole schedule, all against a loopback SSE server with fixed
// timing. The shards together must be the single run: the same requests at the same intended times, counts exact,
// and the merged histograms exactly those of a summary built from the union of the shards' records.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonl } from '@routebench/core';
import { RequestRecordSchema, type RequestRecord } from '@routebench/core';
import { LATENCY_METRICS, parseSummary, type Summary } from '@routebench/core';
import { summarizeRecords } from '@routebench/core';
import { startFixtureServer, type FixtureServer } from '../../../core/test/fixtures/sse-server.ts';
import { main } from '../../src/main.ts';
import { EXIT } from '../../src/exit-codes.ts';
import { spawnRoutebench as routebench } from '../cli-harness.ts';

const TIMING = ['-H', 'x-fixture-ttft-ms: 15', '-H', 'x-fixture-itl-ms: 2', '-H', 'x-fixture-tokens: 8'];

async function records(dir: string): Promise<RequestRecord[]> {
  const out: RequestRecord[] = [];
  for await (const r of readJsonl(join(dir, 'requests.jsonl'), { schema: RequestRecordSchema })) out.push(r);
  return out;
}

const summaryOf = (dir: string): Summary => parseSummary(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')));

function latency(s: Summary) {
  return Object.fromEntries(Object.entries(s.dimensions).map(([n, d]) => [n, { count: d.count, ok: d.ok, ...Object.fromEntries(LATENCY_METRICS.map((k) => [k, { ...d[k], hist: undefined }])) }]));
}

describe('routebench run --shard i/N in N processes, then merge', () => {
  let server: FixtureServer;
  let dir: string;
  beforeAll(async () => {
    server = await startFixtureServer();
    dir = mkdtempSync(join(tmpdir(), 'rb-shard-e2e-'));
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('3 shards merged are the single run: same requests and send times, exact counts, exact histograms of the union', async () => {
    const scenario = join(dir, 'scenario.json');
    writeFileSync(
      scenario,
      JSON.stringify({
        name: 'shard-e2e',
        feature: 'sharding',
        mode: 'Aggregated',
        target: { url: server.url },
        workload: { type: 'random', input_len: 24, output_len: 8 },
        load: { type: 'poisson', rate: 30, requests: 30, warmupRequests: 2 },
        seed: 11,
      }),
    );
    const shardDirs = [0, 1, 2].map((i) => join(dir, `shard-${i}`));
    const singleDir = join(dir, 'single');
    const runs = await Promise.all([
      ...shardDirs.map((d, i) => routebench(['run', scenario, '--shard', `${i}/3`, '--workers', '1', '--no-controls', '--out', d, ...TIMING])),
      routebench(['run', scenario, '--workers', '2', '--no-controls', '--out', singleDir, ...TIMING]),
    ]);
    for (const r of runs) expect(r.code, r.output).toBe(EXIT.ok);

    const mergedDir = join(dir, 'merged');
    const quiet = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    const code = await main(['merge', ...shardDirs, '--out', mergedDir]).finally(() => (process.stdout.write = quiet));
    expect(code).toBe(EXIT.ok);

    const parts = await Promise.all(shardDirs.map(records));
    parts.forEach((rs, i) => expect(rs.every((r) => r.seq % 3 === i)).toBe(true));
    const union = parts.flat().sort((a, b) => a.seq - b.seq);
    const single = (await records(singleDir)).sort((a, b) => a.seq - b.seq);
    const same = (r: RequestRecord) => ({ seq: r.seq, phase: r.phase, intended: r.times.intended, promptTokens: r.promptTokens, status: r.status });
    expect(union.map(same)).toEqual(single.map(same));
    expect(union.length).toBe(32);

    const merged = summaryOf(mergedDir);
    const whole = summaryOf(singleDir);
    expect(merged.counts).toEqual(whole.counts);
    expect(merged.counters.tokens).toEqual(whole.counters.tokens);
    expect(merged.rates.requestedRate).toBeCloseTo(30, 9);
    expect(whole.rates.requestedRate).toBeCloseTo(30, 9);
    expect(merged.meta.mergedFrom).toBe(3);
    expect(whole.meta.workers).toBe(2);

    // Exact: the merged histograms are those of one summary over the union of the shards' records.
    const rebuilt = await summarizeRecords(union, merged.meta);
    expect(latency(merged)).toEqual(latency(rebuilt));
    // Different runs, same fixed server timing: both see TTFT of at least the server's 15 ms, and close to it.
    for (const s of [merged, whole]) {
      expect(s.dimensions.overall!.ttft.p50!).toBeGreaterThanOrEqual(15);
      expect(s.dimensions.overall!.ttft.p50!).toBeLessThan(15 + 100);
    }
  }, 180_000);
});
