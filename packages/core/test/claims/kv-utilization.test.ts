import { afterAll, describe, expect, it } from 'vitest';
import { evaluateClaims } from '../../src/claims/evaluate.ts';
import { closeFixtureServers, collect, ctx, rec, run, summary, vllmText } from './evidence-fixtures.ts';

afterAll(closeFixtureServers);
const records = () => Array.from({ length: 12 }, () => rec());
const series = (kv: number[], legacyKvName = false) => kv.map((x) => vllmText({ kv: x, legacyKvName }));

describe('kv-utilization', () => {
  it('passes when KV usage stays level across pods and spreads less than under the random control', async () => {
    // Level: both pods move together within a few points (spread ≈ 10% of the mean).
    const main = await collect([
      { name: 'agg-0', states: series([0.3, 0.5, 0.62, 0.7, 0.66, 0.6, 0.55]) },
      // Old vLLM name for the same gauge on this pod: read under the canonical one.
      { name: 'agg-1', states: series([0.32, 0.47, 0.6, 0.74, 0.6, 0.64, 0.5], true) },
    ]);
    // Random picker: one pod fills while the other idles, then the other way round.
    const control = await collect([
      { name: 'agg-0', states: series([0.7, 0.8, 0.3, 0.2, 0.75, 0.8, 0.2]) },
      { name: 'agg-1', states: series([0.2, 0.25, 0.7, 0.8, 0.3, 0.2, 0.7]) },
    ]);
    const [v] = evaluateClaims([{ id: 'kv-utilization', maxImbalance: 0.3 }], ctx(await run(records(), { metrics: main }), { 'random-picker': await run(records(), { metrics: control }) }));
    expect(v.status).toBe('Pass');
    expect(v.details).toMatch(/^weighted scorer keeps KV balanced: KV usage spread across pods \d+% of the mean over \d+ loaded scrapes/);
    expect(v.evidence.imbalance as number).toBeLessThan(0.3);
    expect(v.evidence.controlImbalance as number).toBeGreaterThan(0.8);
  });

  it('fails on the random-picker control run itself', async () => {
    const control = await collect([
      { name: 'agg-0', states: series([0.7, 0.8, 0.3, 0.2, 0.75, 0.8, 0.2]) },
      { name: 'agg-1', states: series([0.2, 0.25, 0.7, 0.8, 0.3, 0.2, 0.7]) },
    ]);
    const [v] = evaluateClaims([{ id: 'kv-utilization', maxImbalance: 0.3 }], ctx(await run(records(), { metrics: control })));
    expect(v.status).toBe('Fail');
    expect(v.details).toMatch(/\(above 30%\)$/);
  });

  it('is inconclusive when a pod exposes no KV gauge, or the load never filled KV memory', async () => {
    const noGauge = await collect([
      { name: 'agg-0', states: series([0.3, 0.5, 0.6]) },
      { name: 'agg-1', states: [vllmText({})] },
    ]);
    const [v] = evaluateClaims([{ id: 'kv-utilization' }], ctx(await run(records(), { metrics: noGauge })));
    expect(v.status).toBe('Inconclusive');
    expect(v.details).toBe('no vllm:kv_cache_usage_perc gauge from agg-1');

    const idle = await collect([
      { name: 'agg-0', states: series([0, 0.01, 0, 0]) },
      { name: 'agg-1', states: series([0, 0, 0.01, 0]) },
    ]);
    const [w] = evaluateClaims([{ id: 'kv-utilization' }], ctx(await run(records(), { metrics: idle })));
    expect(w.status).toBe('Inconclusive');
    expect(w.details).toMatch(/the load did not fill KV memory/);
  });
});

describe('kv-utilization at decision time (records + KV series)', () => {
  // Pods take turns being the emptier one; each request is sent 1 ms after a scrape round.
  const states = {
    a: series([0.2, 0.6, 0.2, 0.6, 0.2, 0.6, 0.2, 0.6, 0.2, 0.6, 0.2, 0.6]),
    b: series([0.6, 0.2, 0.6, 0.2, 0.6, 0.2, 0.6, 0.2, 0.6, 0.2, 0.6, 0.2]),
  };
  async function picksRun(toLow: boolean) {
    const metrics = await collect([
      { name: 'agg-0', states: states.a },
      { name: 'agg-1', states: states.b },
    ]);
    const start = metrics.startedAtEpochMs;
    const pts = metrics.sources[0].targets.find((t) => t.name === 'agg-0')!.gauges.find((g) => g.metric === 'vllm:kv_cache_usage_perc')!.points;
    const ptsB = metrics.sources[0].targets.find((t) => t.name === 'agg-1')!.gauges.find((g) => g.metric === 'vllm:kv_cache_usage_perc')!.points;
    const records = pts.slice(0, -1).flatMap(([t, a], i) => {
      const b = ptsB[i][1]!;
      // Send after both pods' values of this round are known and before the next round.
      const sent = Math.max(t, ptsB[i][0]) + 1 - start;
      if (ptsB[i + 1] && ptsB[i + 1][0] <= sent + start) return [];
      const low = a! < b ? 'agg-0' : 'agg-1';
      const high = low === 'agg-0' ? 'agg-1' : 'agg-0';
      return [rec({ pod: toLow ? low : high, times: { intended: sent, sent, headers: sent + 1, firstToken: sent + 2, end: sent + 3 } })];
    });
    return { summary: await summary(records, {}, new Date(start).toISOString()), metrics, attribution: null, records };
  }

  it('passes when requests go to the emptier pod, and fails when they go to the fuller one', async () => {
    const good = await picksRun(true);
    const [v] = evaluateClaims([{ id: 'kv-utilization', judgeOn: 'picks', minDecisions: 5 }], ctx(good));
    expect(v.status).toBe('Pass');
    expect(v.details).toMatch(/^weighted scorer influences pod selection: 100% of \d+ requests sent while pods' KV differed went to the lowest-KV pod/);
    const bad = await picksRun(false);
    const [w] = evaluateClaims([{ id: 'kv-utilization', judgeOn: 'picks', minDecisions: 5 }], ctx(bad));
    expect(w.status).toBe('Fail');
    expect(w.details).toMatch(/^0% of \d+ requests/);
  });
});
