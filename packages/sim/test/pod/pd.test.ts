// P/D disaggregation evidence as a claims engine would read it: the prefill response's
// kv_transfer_params, and on the decode pod the external-prefix-cache / NIXL counters for a working
// transfer versus a broken one (MIG: CUDA IPC blocked → transfer fails, decode recomputes).
import { describe, it, expect, afterAll } from 'vitest';
import { startPod, type SimPod } from '../../src/pod/index.ts';
import { createRng, encode, renderChat, wordsText } from '@routebench/core';
import { rawRequest, chatBody, scrape, metricValue } from './raw-http.ts';

const pods: SimPod[] = [];
afterAll(async () => {
  await Promise.all(pods.map((p) => p.stop()));
});

const latency = { prefillOverheadMs: 5, prefillTimePerTokenMs: 0.4, interTokenLatencyMs: 2, kvTransferTimePerTokenMs: 0.02 };
const content = wordsText(200, createRng('pd')).trimStart();
const n = encode(renderChat([{ role: 'user', content }])).length;

async function prefill(p: SimPod) {
  // What the routing sidecar sends to the prefill pod (NIXLv2 connector).
  const r = await rawRequest(p.url, '/v1/chat/completions', {
    body: chatBody(content, {
      max_tokens: 1,
      max_completion_tokens: 1,
      stream: false,
      kv_transfer_params: { do_remote_decode: true, do_remote_prefill: false, remote_engine_id: null, remote_block_ids: null, remote_host: null, remote_port: null },
    }),
    headers: { 'x-request-id': 'pd-1' },
  });
  expect(r.status).toBe(200);
  return JSON.parse(r.body);
}

async function decode(d: SimPod, kvParams: unknown, id: string) {
  return rawRequest(d.url, '/v1/chat/completions', {
    body: chatBody(content, { max_tokens: 4, stream: true, stream_options: { include_usage: true }, kv_transfer_params: kvParams }),
    headers: { 'x-request-id': id },
  });
}

describe('P/D KV transfer', () => {
  it('prefill answers one token with kv_transfer_params naming its blocks and itself', async () => {
    const p = await startPod({ name: 'prefill-0', role: 'prefill', models: ['m'], latency });
    pods.push(p);
    const b = await prefill(p);
    expect(b.usage.completion_tokens).toBe(1);
    expect(b.kv_transfer_params).toMatchObject({
      do_remote_decode: false,
      do_remote_prefill: true,
      remote_engine_id: 'prefill-0',
      remote_host: '127.0.0.1',
      remote_port: p.port,
      tp_size: 1,
    });
    expect(b.kv_transfer_params.remote_block_ids).toHaveLength(Math.floor(n / 16));
    const m = await scrape(p.metricsUrl);
    expect(metricValue(m, 'vllm:prefix_cache_queries_total')).toBe(n);
    expect(metricValue(m, 'vllm:request_prefill_kv_computed_tokens_sum')).toBe(n);
  });

  it('decode with a working transfer: external hits, NIXL time, nothing recomputed; broken: failed transfer, recompute', async () => {
    const p = await startPod({ name: 'prefill-1', role: 'prefill', models: ['m'], latency });
    const ok = await startPod({ name: 'decode-ok', role: 'decode', models: ['m'], latency, recordEmissions: true });
    const broken = await startPod({ name: 'decode-mig', role: 'decode', models: ['m'], latency, kvTransfer: 'broken', recordEmissions: true });
    pods.push(p, ok, broken);
    const params = (await prefill(p)).kv_transfer_params;

    const rOk = await decode(ok, params, 'd-ok');
    const rBroken = await decode(broken, params, 'd-broken');
    for (const r of [rOk, rBroken]) {
      expect(r.status).toBe(200);
      expect(r.frames.at(-1)).toBe('[DONE]');
    }
    const usageOk = (rOk.frames.at(-2) as any).usage;
    const usageBroken = (rBroken.frames.at(-2) as any).usage;
    expect(usageOk.prompt_tokens_details.cached_tokens).toBe(n);
    expect(usageBroken.prompt_tokens_details.cached_tokens).toBe(0);

    const mOk = await scrape(ok.metricsUrl);
    expect(metricValue(mOk, 'vllm:prefix_cache_queries_total')).toBe(n);
    expect(metricValue(mOk, 'vllm:prefix_cache_hits_total')).toBe(0);
    expect(metricValue(mOk, 'vllm:external_prefix_cache_queries_total')).toBe(n);
    expect(metricValue(mOk, 'vllm:external_prefix_cache_hits_total')).toBe(n);
    expect(metricValue(mOk, 'vllm:nixl_xfer_time_seconds_count')).toBe(1);
    expect(metricValue(mOk, 'vllm:nixl_xfer_time_seconds_sum')).toBeCloseTo((n * 0.02) / 1000, 6);
    expect(metricValue(mOk, 'vllm:nixl_num_failed_transfers_total')).toBe(0);
    expect(metricValue(mOk, 'vllm:request_prefill_kv_computed_tokens_sum')).toBe(0);
    expect(metricValue(mOk, 'vllm:request_prefill_kv_computed_tokens_count')).toBe(1);

    const mBroken = await scrape(broken.metricsUrl);
    expect(metricValue(mBroken, 'vllm:nixl_num_failed_transfers_total')).toBe(1);
    expect(metricValue(mBroken, 'vllm:external_prefix_cache_queries_total')).toBe(n);
    expect(metricValue(mBroken, 'vllm:external_prefix_cache_hits_total')).toBe(0);
    expect(metricValue(mBroken, 'vllm:nixl_xfer_time_seconds_count')).toBe(0);
    expect(metricValue(mBroken, 'vllm:request_prefill_kv_computed_tokens_sum')).toBe(n);
    expect(metricValue(mBroken, 'vllm:request_success_total', { finished_reason: 'length' })).toBe(1);

    // TTFT from recorded emissions: transfer (n × 0.02 ms) vs recompute (5 + n × 0.4 ms).
    const ttft = (pod: SimPod, id: string) => pod.emissions(id)![0]! - pod.requestTimes(id)!.startedAt!;
    expect(ttft(broken, 'd-broken')).toBeGreaterThan(5 + n * 0.4 - 0.5);
    expect(ttft(ok, 'd-ok')).toBeLessThan(ttft(broken, 'd-broken'));

    // A second decode of the same prompt on the ok pod finds the transferred blocks locally.
    await decode(ok, params, 'd-ok-2');
    const mOk2 = await scrape(ok.metricsUrl);
    const localHit = Math.floor((n - 1) / 16) * 16;
    expect(metricValue(mOk2, 'vllm:prefix_cache_hits_total')).toBe(localHit);
    expect(metricValue(mOk2, 'vllm:external_prefix_cache_queries_total')).toBe(n + (n - localHit));
  });
});

// vLLM v1 scheduler (vllm/v1/core/sched/scheduler.py): a pod with a KV connector records external
// queries (tokens not cached locally) on every request, hits only for tokens the connector loads.
describe('external prefix cache counters on a pod with a KV connector', () => {
  it('prefill pods count queries with 0 hits; aggregated pods (no connector) count nothing', async () => {
    const p = await startPod({ name: 'prefill-kvc', role: 'prefill', models: ['m'], latency });
    const agg = await startPod({ name: 'agg-kvc', role: 'both', models: ['m'], latency });
    pods.push(p, agg);
    await prefill(p);
    const r = await rawRequest(agg.url, '/v1/chat/completions', { body: chatBody(content, { max_tokens: 1 }) });
    expect(r.status).toBe(200);
    const mp = await scrape(p.metricsUrl);
    expect(metricValue(mp, 'vllm:external_prefix_cache_queries_total')).toBe(n);
    expect(metricValue(mp, 'vllm:external_prefix_cache_hits_total')).toBe(0);
    expect(metricValue(await scrape(agg.metricsUrl), 'vllm:external_prefix_cache_queries_total')).toBe(0);
  });
});
