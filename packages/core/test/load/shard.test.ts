import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/run.ts';
import { LoadSpecSchema, type LoadSpecInput } from '../../src/load/load-spec.ts';
import type { RequestRecord } from '../../src/record/request-record.ts';
import type { RequestSpecInput } from '../../src/workload/request-spec.ts';
import { phasesOf } from '../../src/load/schedule.ts';
import { countInShard, globalOpenLoopTimes, measuredQuota, parseShard, shareOf, takeShard, type Shard } from '../../src/load/shard.ts';
import { startFixtureServer, type FixtureServer } from '../fixtures/sse-server.ts';

function* specs(n: number): Generator<RequestSpecInput> {
  for (let i = 0; i < n; i++) {
    yield { model: 'm', messages: [{ role: 'user', content: `q${i}` }], maxTokens: 2, tags: { i: String(i % 3) }, headers: { 'x-fixture-ttft-ms': '1', 'x-fixture-itl-ms': '1', 'x-fixture-tokens': '2' } };
  }
}

describe('shard arithmetic', () => {
  it('parses i/N and rejects what is not a shard, naming the problem', () => {
    expect(parseShard('2/5')).toEqual({ index: 2, count: 5 });
    expect(parseShard(' 0 / 1 ')).toEqual({ index: 0, count: 1 });
    expect(() => parseShard('5/5')).toThrow(/index: shard index must be below the shard count/);
    expect(() => parseShard('1/0')).toThrow(/count/);
    expect(() => parseShard('-1/3')).toThrow(/expected i\/N/);
    expect(() => parseShard('$(JOB_COMPLETION_INDEX)/3')).toThrow(/expected i\/N/);
  });

  it('splits a total so the shares add up, the first shards taking the remainder', () => {
    for (const total of [0, 1, 7, 10]) {
      for (const count of [1, 2, 3, 4]) {
        const shares = Array.from({ length: count }, (_, index) => shareOf(total, { index, count }));
        expect(shares.reduce((a, b) => a + b, 0)).toBe(total);
        expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
        expect([...shares].sort((a, b) => b - a)).toEqual(shares);
      }
    }
  });

  it('counts indices in a range per shard exactly like enumerating them', () => {
    for (const count of [1, 2, 3, 5]) {
      for (let index = 0; index < count; index++) {
        for (const [from, to] of [[0, 0], [0, 1], [3, 17], [4, 5], [10, 3]] as const) {
          let n = 0;
          for (let i = from; i < to; i++) if (i % count === index) n++;
          expect(countInShard(from, to, { index, count })).toBe(n);
        }
      }
    }
  });

  it('deals a stream round-robin: the shards together hold every item once', () => {
    const items = Array.from({ length: 23 }, (_, i) => i);
    const shards = [0, 1, 2].map((index) => [...takeShard(items, { index, count: 3 })]);
    expect(shards[1]).toEqual([1, 4, 7, 10, 13, 16, 19, 22]);
    expect(shards.flat().sort((a, b) => a - b)).toEqual(items);
  });

  it("gives each shard its part of the measured budget after a warm-up prefix (the open loop's warmupS included)", () => {
    const load = LoadSpecSchema.parse({ type: 'constant', rate: 100, requests: 10, warmupS: 0.05, warmupRequests: 2 });
    const phases = phasesOf(load);
    // Send times 0,10,20,30,40 ms fall in the 50 ms warm-up: warm-up is indices [0,5), measured [5,15).
    const quotas = [0, 1, 2].map((index) => measuredQuota(load, phases, 1, { index, count: 3 }));
    expect(quotas).toEqual([3, 3, 4]); // 6,9,12 | 7,10,13 | 5,8,11,14
    expect(measuredQuota(load, phases, 1, { index: 0, count: 1 })).toBe(10);
  });
});

describe('open-loop sharding against a loopback server', () => {
  let server: FixtureServer;
  beforeAll(async () => {
    server = await startFixtureServer();
  });
  afterAll(async () => {
    await server.close();
  });

  async function records(load: LoadSpecInput, shard: Shard | undefined): Promise<RequestRecord[]> {
    const out: RequestRecord[] = [];
    await run({ target: server.url, workload: specs(1000), load, seed: 42, shard }).on('request', (r) => out.push(r));
    return out.sort((a, b) => a.seq - b.seq);
  }

  const key = (r: RequestRecord) => ({ seq: r.seq, intended: r.times.intended, phase: r.phase, stage: r.stage, tag: r.tags.i });

  it('the union of 3 shards of a Poisson schedule (two stages, warm-up) is the single run exactly: send times, requests, phases', async () => {
    const load: LoadSpecInput = {
      type: 'stages',
      stages: [
        { type: 'poisson', rate: 150, durationS: 0.15 },
        { type: 'constant', rate: 250, durationS: 0.1 },
      ],
      warmupRequests: 4,
      requests: 40,
    };
    const whole = await records(load, undefined);
    const shards = await Promise.all([0, 1, 2].map((index) => records(load, { index, count: 3 })));
    // Each shard holds exactly its indices; the shards' intended send times are the single run's, bit for bit.
    shards.forEach((rs, index) => expect(rs.every((r) => r.seq % 3 === index)).toBe(true));
    const union = shards.flat().sort((a, b) => a.seq - b.seq);
    expect(whole.length).toBe(44);
    expect(union.map(key)).toEqual(whole.map(key));
    // And they are the precomputed schedule's first 44 times.
    const schedule = [...globalOpenLoopTimes(phasesOf(LoadSpecSchema.parse(load)), 42)].slice(0, 44).map((x) => x.t);
    // (records keep times to the µs)
    expect(union.map((r) => r.times.intended)).toEqual(schedule.map((t) => Math.round(t * 1000) / 1000));
    expect(union.filter((r) => r.phase === 'warmup').map((r) => r.seq)).toEqual([0, 1, 2, 3]);
  });

  it('a closed loop splits users and the request budget: 3 shards send the single run\'s request indices', async () => {
    const load: LoadSpecInput = { type: 'concurrency', concurrency: 4, requests: 20, warmupRequests: 2 };
    const whole = await records(load, undefined);
    const shards = await Promise.all([0, 1, 2].map((index) => records(load, { index, count: 3 })));
    const union = shards.flat().sort((a, b) => a.seq - b.seq);
    expect(union.map((r) => [r.seq, r.tags.i, r.phase])).toEqual(whole.map((r) => [r.seq, r.tags.i, r.phase]));
    expect(shards.map((s) => s.length)).toEqual([8, 7, 7]);
  });
});
