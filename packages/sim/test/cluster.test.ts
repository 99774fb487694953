// The aggregated presets driven through real HTTP: prefix affinity (agg-2) vs spread (random-picker),
// burst split, pod-level prefix hit rate, gateway surface (headers, errors, models, EPP metrics, log).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../src/cluster.ts';
import { presetSpec } from '../src/presets.ts';
import { chat, countBy, eppMetricSum, metricSum, readyCluster, text } from './sim-client.ts';

const MODEL = 'Qwen/Qwen2.5-7B-Instruct';
const SYSTEM = text(220, 'system-prompt');
const ask = (q: string) => [{ role: 'system', content: SYSTEM }, { role: 'user', content: q }];

describe('agg-2 (prefix ×2, queue ×1, kv ×2)', () => {
  let c: Cluster;
  const logDir = mkdtempSync(join(tmpdir(), 'rb-epp-'));
  beforeAll(async () => {
    c = await readyCluster(presetSpec('agg-2', { eppLogPath: join(logDir, 'epp.log'), maxNumSeqs: 4 }));
  });
  afterAll(() => c?.stop());

  it('prefix-sharing requests land on one pod, and that pod\'s hit rate rises', async () => {
    const pods: (string | null)[] = [];
    const rates: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await chat(c.gatewayUrl, MODEL, ask(`question ${i}: ${text(6, `q${i}`)}`));
      expect(r.status).toBe(200);
      expect(r.headers.get('x-went-into-resp-headers')).toBe('true');
      pods.push(r.pod);
      const m = c.pods.find((p) => p.name === r.pod)!.metricsUrl;
      rates.push((await metricSum(m, 'vllm:prefix_cache_hits_total')) / (await metricSum(m, 'vllm:prefix_cache_queries_total')));
    }
    expect(new Set(pods).size).toBe(1);
    expect(rates[0]).toBe(0);
    expect(rates[4]!).toBeGreaterThan(0.6);
    for (let i = 1; i < 5; i++) expect(rates[i]!).toBeGreaterThan(rates[i - 1]!);
    const other = c.pods.find((p) => p.name !== pods[0])!;
    expect(await metricSum(other.metricsUrl, 'vllm:prefix_cache_hits_total')).toBe(0);
    // EPP-side evidence: attempts by pod, prefix indexer hit ratio histogram.
    expect(await eppMetricSum(c, 'inference_extension_scheduler_attempts_total', { status: 'success', pod_name: pods[0]! })).toBe(5);
    expect(await eppMetricSum(c, 'inference_extension_prefix_indexer_hit_ratio_count')).toBe(5);
    expect(await eppMetricSum(c, 'inference_extension_prefix_indexer_hit_ratio_sum')).toBeGreaterThan(3);
  });

  it('30 concurrent long requests split, neither pod above 2/3', async () => {
    // 10 ms apart, so the EPP's 50 ms scrapes see KV usage build. A burst inside one scrape interval herds
    // onto whichever pod looked emptier at the last scrape (as on a real EPP): sent 5 ms apart, 21/9 was seen.
    const rs = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        new Promise((r) => setTimeout(r, i * 10)).then(() => chat(c.gatewayUrl, MODEL, [{ role: 'user', content: text(400, `burst-${i}`) }], { maxTokens: 40 })),
      ),
    );
    expect(rs.every((r) => r.status === 200)).toBe(true);
    const counts = countBy(rs.map((r) => r.pod));
    expect(Object.keys(counts)).toHaveLength(2);
    for (const n of Object.values(counts)) expect(n, JSON.stringify(counts)).toBeLessThanOrEqual(20);
  });

  it('x-request-id is added upstream and logged with the endpoint; plain-text EPP errors; /v1/models', async () => {
    const r = await chat(c.gatewayUrl, MODEL, [{ role: 'user', content: 'hello' }], { stream: false, headers: { 'x-request-id': 'rid-123' } });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).id).toBe('chatcmpl-rid-123');
    const gen = await chat(c.gatewayUrl, MODEL, [{ role: 'user', content: 'hello' }], { stream: false });
    expect(JSON.parse(gen.body).id).toMatch(/^chatcmpl-[0-9a-f-]{36}$/);

    // A model no pod serves is still routed (the EPP does not know every served name); the pod says 404 like vLLM.
    const missing = await chat(c.gatewayUrl, 'NonExistentModel', [{ role: 'user', content: 'hi' }]);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body).error.type).toBe('NotFoundError');
    const bad = await fetch(`${c.gatewayUrl}/v1/chat/completions`, { method: 'POST', body: '{nope' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/^inference gateway: BadRequest - /);

    const models = (await (await fetch(`${c.gatewayUrl}/v1/models`)).json()) as { data: { id: string }[] };
    expect(models.data.map((m) => m.id)).toEqual([MODEL]);
    expect(await eppMetricSum(c, 'inference_pool_ready_pods', { name: 'routebench-pool' })).toBe(2);

    await new Promise((r) => setTimeout(r, 50));
    const lines = readFileSync(c.eppLogPath!, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    // Upstream shapes (core upstream/epp-logs.ts): one "Calculated score" per endpoint with plugin "<name>/<type>"
    // and a NamespacedName endpoint at V(4); "Request handled" at V(3), logged before proxying, so no status.
    const line = lines.find((l) => l['x-request-id'] === 'rid-123' && l.msg === 'Request handled');
    expect(lines.some((l) => l['x-request-id'] === 'rid-123' && l.msg === 'Calculated score' && l.plugin === 'kv-cache-utilization-scorer/kv-cache-utilization-scorer' && l.endpoint?.name === `${r.pod}-rank-0`)).toBe(true);
    expect(line).toMatchObject({ msg: 'Request handled', incomingModelName: MODEL, targetModel: MODEL, level: 'Level(-3)' });
    expect(line).not.toHaveProperty('status');
    expect(line.endpoint).toBe(c.pods.find((p) => p.name === r.pod)!.url.replace(/^http:\/\//, ''));
    expect(lines.some((l) => l.incomingModelName === 'NonExistentModel' && l.msg === 'Request handled')).toBe(true);
  });
});

describe('random-picker control', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await readyCluster(presetSpec('random-picker'));
  });
  afterAll(() => c?.stop());

  it('the same prefix-sharing requests spread over both pods', async () => {
    const pods: (string | null)[] = [];
    for (let i = 0; i < 16; i++) pods.push((await chat(c.gatewayUrl, MODEL, ask(`question ${i}`))).pod);
    const counts = countBy(pods);
    expect(Object.keys(counts)).toHaveLength(2);
    for (const n of Object.values(counts)) expect(n).toBeGreaterThanOrEqual(3);
  });
});

describe('cluster spec validation', () => {
  it('a wrong field fails with its path', async () => {
    await expect(startCluster({ ...presetSpec('agg-2'), scrapeIntervalMS: 10 } as never)).rejects.toThrow(/scrapeIntervalMS/);
    await expect(startCluster({ ...presetSpec('agg-2'), pods: [{ name: 'x', models: ['m'], maxNumSeq: 3 }] } as never)).rejects.toThrow(/pods\[0\]: .*maxNumSeq/);
    await expect(startCluster({ ...presetSpec('agg-2'), eppConfig: 'plugins: [{type: nope}]' })).rejects.toThrow(/eppConfig: \(router\) plugins\[0\]\.type: unknown plugin type 'nope' for router/);
  });
});
