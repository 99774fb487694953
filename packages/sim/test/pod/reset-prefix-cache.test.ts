// POST /reset_prefix_cache (vLLM's dev-mode endpoint): a cold cache after it — the next identical prompt
// misses — with an empty 200, AllBlocksCleared on the KV event bus, and the counters left cumulative.
import { describe, it, expect, afterAll } from 'vitest';
import { startPod, type SimPod } from '../../src/pod/index.ts';
import { createKvCache } from '../../src/pod/kv-cache.ts';
import { createKvEventBus } from '../../src/kv-event-bus.ts';
import type { KvEvent } from '../../src/types.ts';
import { createRng, wordsText } from '@routebench/core';
import { rawRequest, chatBody, scrape, metricValue } from './raw-http.ts';

const pods: SimPod[] = [];
afterAll(async () => {
  await Promise.all(pods.map((p) => p.stop()));
});

async function cached(p: SimPod, content: string) {
  const r = await rawRequest(p.url, '/v1/chat/completions', { body: chatBody(content, { max_tokens: 2 }) });
  expect(r.status).toBe(200);
  return JSON.parse(r.body).usage.prompt_tokens_details.cached_tokens as number;
}

describe('POST /reset_prefix_cache', () => {
  it('empties the prefix cache: the repeated prompt misses again', async () => {
    const bus = createKvEventBus();
    const events: KvEvent[] = [];
    bus.subscribe((b) => events.push(...b.events));
    const p = await startPod({ name: 'rp', models: ['m'], kvCache: { blockSize: 16, capacityBlocks: 1024 } }, { kvEvents: bus });
    pods.push(p);
    const a = wordsText(120, createRng('reset')).trimStart();
    expect(await cached(p, a)).toBe(0);
    expect(await cached(p, a)).toBeGreaterThan(0);

    const r = await rawRequest(p.url, '/reset_prefix_cache', { method: 'POST' });
    expect(r.status).toBe(200);
    expect(r.body).toBe('');
    expect(events.some((e) => e.type === 'AllBlocksCleared')).toBe(true);

    expect(await cached(p, a)).toBe(0);
    // Counters are Prometheus counters: a reset does not rewind them (deltas stay valid across it).
    const m = await scrape(p.metricsUrl);
    expect(metricValue(m, 'vllm:prefix_cache_hits_total')).toBeGreaterThan(0);
    expect(await cached(p, a)).toBeGreaterThan(0);
  });

  it('is POST only, as vLLM routes it', async () => {
    const p = await startPod({ name: 'rp2', models: ['m'] });
    pods.push(p);
    const r = await rawRequest(p.url, '/reset_prefix_cache', { method: 'GET' });
    expect(r.status).toBe(404);
  });

  it('keeps the blocks of running requests (vLLM resets only what no request references)', () => {
    const events: KvEvent[] = [];
    const kv = createKvCache({ blockSize: 4, capacityBlocks: 64, onEvents: (e) => events.push(...e) });
    const running = kv.acquire([1, 2, 3, 4, 5, 6, 7, 8])!;
    const done = kv.acquire([9, 9, 9, 9, 8, 8, 8, 8])!;
    kv.release(done);
    expect(kv.reset()).toBe(2);
    expect(events.at(-1)).toEqual({ type: 'BlockRemoved', blockHashes: done.hashes.slice().reverse() });
    expect(running.hashes.every((h) => kv.has(h))).toBe(true);
    expect(done.hashes.some((h) => kv.has(h))).toBe(false);
    kv.release(running);
    expect(kv.reset()).toBe(2);
    expect(events.at(-1)).toEqual({ type: 'AllBlocksCleared' });
    expect(kv.stats().cached).toBe(0);
  });
});
