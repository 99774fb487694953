// Presets through real HTTP: precise scorer with and without KV events, multi-model routing,
// the autoscaler 1→4→1 with no failed request, preset option validation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../src/cluster.ts';
import type { PrecisePrefixCacheScorer } from '../src/epp/plugins/precise-prefix-cache-scorer.ts';
import type { SchedulingRequest } from '../src/epp/scheduling-types.ts';
import { multiPoolPresetSpec, presetSpec } from '../src/presets.ts';
import { startMultiPool } from '../src/multi-pool.ts';
import { chat, eppMetricSum, metricSum, readyCluster, text } from './sim-client.ts';

const MODEL = 'Qwen/Qwen2.5-7B-Instruct';

async function preciseScores(kvEvents: 'ok' | 'dropped' | 'pod-id-mismatch', llmdVersion: 'v0.7' | 'router') {
  const c = await startCluster(presetSpec('pd-precise', { kvEvents, llmdVersion }));
  try {
    await c.waitReady();
    const messages = [{ role: 'system', content: text(200, 'precise-sys') }, { role: 'user', content: 'first' }];
    const r = await chat(c.gatewayUrl, MODEL, messages, { maxTokens: 4 });
    expect(r.status).toBe(200);
    const req: SchedulingRequest = { requestId: 'x', model: MODEL, headers: {}, api: 'chat', messages: [messages[0]!, { role: 'user', content: 'second' }] };
    // The scorer looks endpoints up by Address:Port, as the EPP datastore builds them.
    const eps = c.pods.map((p) => ({ name: p.name, address: `${p.host}:${p.port}` }) as never);
    if (llmdVersion === 'v0.7') {
      const scorer = c.scheduler.plugins.get('precise-prefix-cache-scorer') as PrecisePrefixCacheScorer;
      return { raw: scorer.rawScores(req, eps), indexed: scorer.indexScores(req), scores: scorer.score(req, eps, new Map()), served: r.pod };
    }
    // llm-d-router: the precise index is precise-prefix-cache-producer's; prefix-cache-scorer scores from it.
    const producer = c.scheduler.plugins.get('precise-prefix-cache-producer') as unknown as { precise: PrecisePrefixCacheScorer };
    const scorer = c.scheduler.plugins.get('prefix-cache-scorer') as unknown as PrecisePrefixCacheScorer;
    return { raw: producer.precise.rawScores(req, eps), indexed: producer.precise.indexScores(req), scores: scorer.score(req, eps, new Map()), served: r.pod };
  } finally {
    await c.stop();
  }
}

describe.each(['v0.7', 'router'] as const)('pd-precise (%s): the precise index fed by KV events', (llmdVersion) => {
  it('scores > 0 for the pods holding the prefix when events flow', async () => {
    const { raw, scores, served } = await preciseScores('ok', llmdVersion);
    expect(raw.get(served!)).toBeGreaterThan(5);
    expect(Math.max(...scores.values())).toBe(1);
  });

  it('scores 0 for every pod when KV events are dropped', async () => {
    const { raw, scores } = await preciseScores('dropped', llmdVersion);
    expect(raw.size).toBe(0);
    expect([...scores.values()].every((s) => s === 0)).toBe(true);
  });

  it('scores 0 for every pod when the topics name pods by IP alone (kv@${POD_IP}@model), though the blocks are indexed', async () => {
    const { raw, indexed, scores } = await preciseScores('pod-id-mismatch', llmdVersion);
    expect(indexed.get('127.0.0.1')).toBeGreaterThan(5);
    expect(raw.size).toBe(0);
    expect([...scores.values()].every((s) => s === 0)).toBe(true);
  });
});

describe('multi-model', () => {
  it('is one pool per model behind body-based routing: each model reaches its pool, an unknown model gets the gateway 404', async () => {
    expect(() => presetSpec('multi-model')).toThrow(/multiPoolPresetSpec/);
    const spec = multiPoolPresetSpec('multi-model');
    expect(spec.pools.map((p) => [p.baseModel, p.cluster.pods.map((x) => x.name)])).toEqual([
      ['Qwen/Qwen2.5-7B-Instruct', ['qwen-7b']],
      ['Qwen/Qwen2.5-0.5B-Instruct', ['qwen-05b']],
    ]);
    const mp = await startMultiPool(spec);
    try {
      await mp.waitReady();
      for (let i = 0; i < 4; i++) {
        expect((await chat(mp.gatewayUrl, 'Qwen/Qwen2.5-7B-Instruct', [{ role: 'user', content: `Hello ${i}` }])).pod).toBe('qwen-7b');
        expect((await chat(mp.gatewayUrl, 'Qwen/Qwen2.5-0.5B-Instruct', [{ role: 'user', content: `Hello ${i}` }])).pod).toBe('qwen-05b');
      }
      const unknown = await chat(mp.gatewayUrl, 'NonExistentModel', [{ role: 'user', content: 'Hello' }]);
      expect([unknown.status, unknown.body, unknown.pod]).toEqual([404, '', null]);
    } finally {
      await mp.stop();
    }
  });

  it('multi-model-mixed: one EPP over both models sends requests to pods that do not serve them (vLLM 404)', async () => {
    const c = await readyCluster(presetSpec('multi-model-mixed'));
    try {
      const rs = await Promise.all(Array.from({ length: 24 }, (_, i) => chat(c.gatewayUrl, i % 2 ? 'Qwen/Qwen2.5-7B-Instruct' : 'Qwen/Qwen2.5-0.5B-Instruct', [{ role: 'user', content: `mixed ${i}` }])));
      const wrong = rs.filter((r) => r.status === 404);
      expect(wrong.length).toBeGreaterThan(0);
      for (const r of wrong) expect(r.body).toMatch(/The model `Qwen\/Qwen2\.5-[0-9.]+B-Instruct` does not exist\./);
      const models = (await (await fetch(`${c.gatewayUrl}/v1/models`)).json()) as { data: { id: string }[] };
      expect(models.data.map((m) => m.id).sort()).toEqual(['Qwen/Qwen2.5-0.5B-Instruct', 'Qwen/Qwen2.5-7B-Instruct']);
    } finally {
      await c.stop();
    }
  });
});

describe('autoscale', () => {
  it('scales 1→4 under a ramp and back to 1, with no failed request while draining', async () => {
    const c = await startCluster(presetSpec('autoscale'));
    try {
      await c.waitReady();
      expect(c.pods).toHaveLength(1);
      let peak = 0;
      const statuses: number[] = [];
      const watch = setInterval(() => (peak = Math.max(peak, c.pods.length)), 20);
      // Ramp: waves of long-ish requests, more each wave, until the queue has pushed the pool to 4.
      for (let wave = 1; wave <= 8 && peak < 4; wave++) {
        const rs = await Promise.all(Array.from({ length: 10 * wave }, (_, i) => chat(c.gatewayUrl, MODEL, [{ role: 'user', content: text(50, `w${wave}-${i}`) }], { maxTokens: 60 })));
        statuses.push(...rs.map((r) => r.status));
      }
      // Trickle while scaling down, so requests are in flight during drains.
      const until = Date.now() + 15_000;
      while (c.pods.length > 1 && Date.now() < until) {
        const rs = await Promise.all(Array.from({ length: 2 }, (_, i) => chat(c.gatewayUrl, MODEL, [{ role: 'user', content: `trickle ${i}` }], { maxTokens: 20 })));
        statuses.push(...rs.map((r) => r.status));
      }
      clearInterval(watch);
      expect(peak).toBe(4);
      expect(c.pods).toHaveLength(1);
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
      const t = c.autoscaler!.timeline();
      expect(Math.max(...t.map((d) => d.desired))).toBe(4);
      expect(t.at(-1)!.desired).toBe(1);
    } finally {
      await c.stop();
    }
  });
});

describe('preset options', () => {
  it('wrong fields fail with their path', () => {
    expect(() => presetSpec('agg-2', { kvTransfer: 'maybe' } as never)).toThrow(/kvTransfer/);
    expect(() => presetSpec('agg-2', { speeed: 2 } as never)).toThrow(/speeed/);
    expect(() => presetSpec('agg-2', { faults: { nope: { slowFactor: 2 } } })).toThrow(/faults\.nope/);
    expect(() => presetSpec('agg-2', { faults: { 'agg-0': { slowFactor: -1 } } })).toThrow(/faults\.agg-0\.slowFactor/);
    expect(() => presetSpec('nope' as never)).toThrow(/unknown preset/);
  });

  it('pdDecider always-disagg swaps the decider in every P/D preset of both generations', () => {
    for (const llmdVersion of ['v0.7', 'router'] as const) {
      for (const name of ['pd-1p1d', 'pd-2p2d', 'pd-precise'] as const) {
        const text = JSON.stringify(presetSpec(name, { llmdVersion, pdDecider: 'always-disagg' }));
        expect(text, `${llmdVersion} ${name}`).toContain('always-disagg-pd-decider');
        expect(text, `${llmdVersion} ${name}`).not.toContain('prefix-based-pd-decider');
        expect(JSON.stringify(presetSpec(name, { llmdVersion }))).toContain('prefix-based-pd-decider');
      }
    }
  });

  it('per-pod faults reach the pod', async () => {
    const c = await startCluster(presetSpec('agg-2', { faults: { 'agg-0': { errorRate: { '500': 1 } } } }));
    try {
      await c.waitReady();
      const rs = await Promise.all(Array.from({ length: 12 }, (_, i) => chat(c.gatewayUrl, MODEL, [{ role: 'user', content: `f ${i}` }])));
      expect(rs.filter((r) => r.status === 500).length).toBe(await eppMetricSum(c, 'inference_extension_scheduler_attempts_total', { pod_name: 'agg-0' }));
      c.setFaults('agg-0', {});
      expect(() => c.setFaults('missing', {})).toThrow(/no pod named 'missing'/);
    } finally {
      await c.stop();
    }
  });
});
