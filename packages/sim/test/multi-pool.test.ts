// One pool (EPP + pods) per model behind the body-based router, through real HTTP: every request lands on a pod
// serving its model, each pool's EPP sees only its own pods and requests, and bad specs are refused by field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMultiPool, type MultiPool } from '../src/multi-pool.ts';
import { multiPoolPresetSpec } from '../src/presets.ts';
import { chat, eppMetricSum, metricSum } from './sim-client.ts';

const B7 = 'Qwen/Qwen2.5-7B-Instruct';
const B05 = 'Qwen/Qwen2.5-0.5B-Instruct';

describe('startMultiPool', () => {
  let mp: MultiPool;
  beforeAll(async () => {
    mp = await startMultiPool(multiPoolPresetSpec('multi-model'));
    await mp.waitReady();
  });
  afterAll(() => mp?.stop());

  it('exposes the pods, metrics URLs and one EPP per pool', () => {
    expect(mp.pods.map((p) => p.name).sort()).toEqual(['qwen-05b', 'qwen-7b']);
    expect(Object.keys(mp.podMetricsUrls()).sort()).toEqual(['qwen-05b', 'qwen-7b']);
    expect(Object.keys(mp.eppMetricsUrls)).toEqual(['pool-qwen2-5-7b-instruct', 'pool-qwen2-5-0-5b-instruct']);
    expect(mp.pools.map((p) => p.cluster.pods.map((x) => x.name))).toEqual([['qwen-7b'], ['qwen-05b']]);
  });

  it('routes every concurrent request to a pod serving its model; each EPP schedules only its own model', async () => {
    const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => chat(mp.gatewayUrl, i % 2 ? B7 : B05, [{ role: 'user', content: `req ${i}` }])));
    expect(rs.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(rs.map((r, i) => [i % 2 ? B7 : B05, r.pod]).filter(([m, p]) => (m === B7 ? p !== 'qwen-7b' : p !== 'qwen-05b'))).toEqual([]);
    const [p7, p05] = mp.pools.map((p) => p.cluster);
    expect(await eppMetricSum(p7!, 'inference_objective_request_total', { model_name: B7 })).toBe(10);
    expect(await eppMetricSum(p7!, 'inference_objective_request_total', { model_name: B05 })).toBe(0);
    expect(await eppMetricSum(p05!, 'inference_objective_request_total', { model_name: B05 })).toBe(10);
    expect(await metricSum(mp.podMetricsUrls()['qwen-05b']!, 'vllm:request_success_total')).toBe(10);
  });

  it('setFaults reaches the pod in its pool; an unknown pod is refused', () => {
    mp.setFaults('qwen-05b', {});
    expect(() => mp.setFaults('nope', {})).toThrow(/no pod named 'nope'/);
  });
});

describe('startMultiPool spec checks', () => {
  it('refuses an empty pool list, duplicate pool names and a pod name used in two pools', async () => {
    await expect(startMultiPool({ pools: [] })).rejects.toThrow(/pools: expected at least one pool/);
    const one = multiPoolPresetSpec('multi-model').pools[0]!;
    await expect(startMultiPool({ pools: [one, { ...one }] })).rejects.toThrow(/pools\.1\.name: pool "pool-qwen2-5-7b-instruct" is listed twice/);
    await expect(startMultiPool({ pools: [one, { ...one, name: 'other', baseModel: 'x' }] })).rejects.toThrow(/pod name "qwen-7b" is used in two pools/);
  });

  it('multiPoolPresetSpec refuses single-pool presets', () => {
    expect(() => multiPoolPresetSpec('agg-2')).toThrow(/not a multi-pool preset/);
  });
});
