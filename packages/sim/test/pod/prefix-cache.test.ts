// Prefix caching through HTTP: cached_tokens in usage, vllm:prefix_cache_* counters, eviction under a
// small capacity, the usage gauge, KV events on the bus, and a prompt too large for the cache.
import { describe, it, expect, afterAll } from 'vitest';
import { startPod, type SimPod } from '../../src/pod/index.ts';
import { createKvEventBus } from '../../src/kv-event-bus.ts';
import type { KvEventBatch } from '../../src/types.ts';
import { createRng, encode, renderChat, wordsText } from '@routebench/core';
import { rawRequest, chatBody, scrape, metricValue } from './raw-http.ts';

const pods: SimPod[] = [];
afterAll(async () => {
  await Promise.all(pods.map((p) => p.stop()));
});

const text = (n: number, seed: string) => wordsText(n, createRng(seed)).trimStart();
const promptLen = (content: string) => encode(renderChat([{ role: 'user', content }])).length;
async function cached(p: SimPod, content: string) {
  const r = await rawRequest(p.url, '/v1/chat/completions', { body: chatBody(content, { max_tokens: 2 }) });
  expect(r.status).toBe(200);
  return JSON.parse(r.body).usage.prompt_tokens_details.cached_tokens as number;
}

describe('prefix cache via HTTP', () => {
  it('repeated prefix raises cached_tokens and vllm:prefix_cache_hits_total; events go to the bus', async () => {
    const bus = createKvEventBus();
    const batches: KvEventBatch[] = [];
    bus.subscribe((b) => batches.push(b));
    const p = await startPod({ name: 'pc', models: ['m'], kvCache: { blockSize: 16, capacityBlocks: 1024 } }, { kvEvents: bus });
    pods.push(p);
    const a = text(100, 'a');
    const n = promptLen(a);
    expect(await cached(p, a)).toBe(0);
    const m1 = await scrape(p.metricsUrl);
    expect(metricValue(m1, 'vllm:prefix_cache_queries_total')).toBe(n);
    expect(metricValue(m1, 'vllm:prefix_cache_hits_total')).toBe(0);

    const hit = Math.floor((n - 1) / 16) * 16;
    expect(await cached(p, a)).toBe(hit);
    const m2 = await scrape(p.metricsUrl);
    expect(metricValue(m2, 'vllm:prefix_cache_queries_total')).toBe(2 * n);
    expect(metricValue(m2, 'vllm:prefix_cache_hits_total')).toBe(hit);
    // Only the uncached part was computed.
    expect(metricValue(m2, 'vllm:request_prefill_kv_computed_tokens_sum')).toBe(n + (n - hit));

    // A longer conversation sharing the prefix hits the shared full blocks.
    const ext = a + ' ' + text(40, 'b');
    const shared = Math.floor((promptLen(a) - 5) / 16) * 16; // the chat framing after the content differs
    expect(await cached(p, ext)).toBeGreaterThanOrEqual(shared);

    expect(batches.length).toBeGreaterThan(0);
    expect(batches[0]!.topic).toBe(`kv@127.0.0.1:${p.port}@m`);
    expect(batches[0]!.pod).toBe('pc');
    const stored = batches.flatMap((b) => b.events).filter((e) => e.type === 'BlockStored');
    expect(stored[0]).toMatchObject({ parentBlockHash: null, blockSize: 16 });
  });

  it('evicts under a small capacity (BlockRemoved) and reports usage while running', async () => {
    const bus = createKvEventBus();
    const removed: string[] = [];
    bus.subscribe((b) => b.events.forEach((e) => e.type === 'BlockRemoved' && removed.push(...e.blockHashes)));
    const p = await startPod(
      { name: 'small', models: ['m'], kvCache: { blockSize: 16, capacityBlocks: 10 }, latency: { interTokenLatencyMs: 30 } },
      { kvEvents: bus },
    );
    pods.push(p);
    const a = text(100, 'x'); // ~7 blocks
    const b = text(100, 'y');
    const blocksA = Math.ceil(promptLen(a) / 16);
    expect(await cached(p, a)).toBe(0);
    const fullHit = await cached(p, a);
    expect(fullHit).toBe(Math.floor((promptLen(a) - 1) / 16) * 16);
    // Run b slowly and look at the usage gauge while it holds its blocks.
    const slow = rawRequest(p.url, '/v1/chat/completions', { body: chatBody(b, { max_tokens: 6 }) });
    while (p.state().running === 0) await new Promise((r) => setTimeout(r, 2));
    const during = await scrape(p.metricsUrl);
    expect(metricValue(during, 'vllm:kv_cache_usage_perc')).toBeCloseTo(Math.ceil(promptLen(b) / 16) / 10);
    await slow;
    expect(metricValue(await scrape(p.metricsUrl), 'vllm:kv_cache_usage_perc')).toBe(0);
    // b needed room: a's blocks were evicted tail-first (LRU), so a now hits only a shorter prefix.
    expect(removed.length).toBeGreaterThan(0);
    expect(removed.length).toBeLessThanOrEqual(blocksA);
    expect(await cached(p, a)).toBeLessThan(fullHit);
  });

  it('refuses a prompt that can never fit in the cache with a 400', async () => {
    const p = await startPod({ name: 'tiny', models: ['m'], kvCache: { blockSize: 16, capacityBlocks: 2 } });
    pods.push(p);
    const r = await rawRequest(p.url, '/v1/chat/completions', { body: chatBody(text(60, 'z')) });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error.type).toBe('BadRequestError');
  });

  it('legacy metric names replace the new ones', async () => {
    const p = await startPod({ name: 'old', models: ['m'], metricNames: 'legacy' });
    pods.push(p);
    await cached(p, 'hello');
    const t = await scrape(p.metricsUrl);
    expect(t).toContain('vllm:gpu_cache_usage_perc{');
    expect(t).not.toContain('vllm:kv_cache_usage_perc');
    expect(t).toContain('vllm:time_per_output_token_seconds_count{');
    expect(t).not.toContain('vllm:inter_token_latency_seconds');
    expect(metricValue(t, 'vllm:num_preemptions_total')).toBe(0);
    expect(t).toContain('vllm:cache_config_info{block_size="16",cache_dtype="auto",enable_prefix_caching="True",engine="0"');
  });
});
