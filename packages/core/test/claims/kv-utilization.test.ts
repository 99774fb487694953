import { afterAll, describe, expect, it } from 'vitest';
import { evaluateClaims } from '../../src/claims/evaluate.ts';
import { closeFixtureServers, collect, ctx, rec, run, vllmText } from './evidence-fixtures.ts';

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
