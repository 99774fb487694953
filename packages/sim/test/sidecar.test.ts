// P/D through the gateway and the routing sidecar (pd-1p1d preset): selective P/D by the
// prefix-based decider, prefill counters, and a broken KV transfer showing up as recomputation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../src/cluster.ts';
import { presetSpec } from '../src/presets.ts';
import { startSidecar } from '../src/sidecar.ts';
import { startPod, type SimPod } from '../src/pod/index.ts';
import { chat, eppMetricSum, metricSum, readyCluster, text } from './sim-client.ts';

const MODEL = 'Qwen/Qwen2.5-7B-Instruct';
const podByName = (c: Cluster, n: string) => c.pods.find((p) => p.name === n)!;

describe('pd-1p1d, kvTransfer ok', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await readyCluster(presetSpec('pd-1p1d'));
  });
  afterAll(() => c?.stop());

  it('short prompts skip prefill; long prompts are split and the KV arrives over NIXL', async () => {
    const prefill = podByName(c, 'prefill-0').metricsUrl;
    const decode = podByName(c, 'decode-0').metricsUrl;
    const short = await chat(c.gatewayUrl, MODEL, [{ role: 'user', content: 'Hello' }]);
    expect(short.status).toBe(200);
    expect(short.pod).toBe('decode-0');
    // The router preset's disagg-profile-handler moves disagg_decision_total and its llm_d_epp_ copy, never
    // pd_decision_total (ROUTER profilehandler/disagg/metrics.go RecordDisaggDecision).
    expect(await eppMetricSum(c, 'llm_d_inference_scheduler_disagg_decision_total', { decision_type: 'decode-only' })).toBe(1);
    expect(await eppMetricSum(c, 'llm_d_epp_disagg_decision_total', { decision_type: 'decode-only', plugin_type: 'disagg-profile-handler' })).toBe(1);
    expect(await eppMetricSum(c, 'llm_d_inference_scheduler_pd_decision_total')).toBe(0);
    expect(await metricSum(prefill, 'vllm:prompt_tokens_total')).toBe(0);

    const long = await chat(c.gatewayUrl, MODEL, [{ role: 'user', content: text(300, 'pd-long') }], { maxTokens: 12 });
    expect(long.status).toBe(200);
    expect(long.pod).toBe('decode-0');
    expect(long.body).toContain('data: [DONE]');
    expect(await eppMetricSum(c, 'llm_d_inference_scheduler_disagg_decision_total', { decision_type: 'prefill-decode' })).toBe(1);
    expect(await metricSum(prefill, 'vllm:prompt_tokens_total')).toBeGreaterThan(300);
    expect(await metricSum(prefill, 'vllm:generation_tokens_total')).toBe(1); // max_tokens=1 prefill
    expect(await metricSum(decode, 'vllm:external_prefix_cache_hits_total')).toBeGreaterThan(250);
    expect(await metricSum(decode, 'vllm:nixl_num_failed_transfers_total')).toBe(0);
  });
});

describe('pd-1p1d, kvTransfer broken', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await readyCluster(presetSpec('pd-1p1d', { kvTransfer: 'broken' }));
  });
  afterAll(() => c?.stop());

  it('the decode pod recomputes: failed transfers, computed prefill tokens, no external hits', async () => {
    const decode = podByName(c, 'decode-0').metricsUrl;
    const r = await chat(c.gatewayUrl, MODEL, [{ role: 'user', content: text(300, 'pd-broken') }], { maxTokens: 8 });
    expect(r.status).toBe(200);
    expect(await metricSum(decode, 'vllm:nixl_num_failed_transfers_total')).toBe(1);
    expect(await metricSum(decode, 'vllm:external_prefix_cache_hits_total')).toBe(0);
    expect(await metricSum(decode, 'vllm:request_prefill_kv_computed_tokens_sum')).toBeGreaterThan(300);
  });
});

describe('sidecar alone', () => {
  let prefill: SimPod;
  let decode: SimPod;
  let sc: Awaited<ReturnType<typeof startSidecar>>;
  beforeAll(async () => {
    prefill = await startPod({ name: 'p', models: ['m'], role: 'prefill', latency: { interTokenLatencyMs: 1 } });
    decode = await startPod({ name: 'd', models: ['m'], role: 'decode', latency: { interTokenLatencyMs: 1 } });
    sc = await startSidecar({ decoderUrl: decode.url });
  });
  afterAll(async () => {
    await sc?.close();
    await Promise.all([prefill?.stop(), decode?.stop()]);
  });

  it('without the header it passes straight to decode; with it, prefill first then decode', async () => {
    const msgs = [{ role: 'user', content: text(100, 'sc') }];
    const direct = await chat(sc.url, 'm', msgs, { maxTokens: 4 });
    expect(direct.status).toBe(200);
    expect(direct.pod).toBe('d');
    expect(await metricSum(prefill.metricsUrl, 'vllm:prompt_tokens_total')).toBe(0);
    const split = await chat(sc.url, 'm', msgs, { maxTokens: 4, headers: { 'x-prefiller-host-port': `${prefill.host}:${prefill.port}`, 'x-request-id': 'epp-id' } });
    expect(split.status).toBe(200);
    expect(split.pod).toBe('d');
    expect(split.body).toContain('chatcmpl-epp-id'); // the EPP's id stays first
    expect(await metricSum(prefill.metricsUrl, 'vllm:prompt_tokens_total')).toBeGreaterThan(100);
    expect(await metricSum(decode.metricsUrl, 'vllm:external_prefix_cache_queries_total')).toBeGreaterThan(0);
  });

  // SCHED v0.7.1 pkg/sidecar/proxy/connector_nixlv2.go:132-153 + proxy_helpers.go:181-186: a prefill
  // failure outside 400..451 (here: connection refused, the reverse proxy's 502) falls back to decode-only.
  it('an unreachable prefill pod falls back to decode-only, as upstream', async () => {
    const hitsBefore = await metricSum(decode.metricsUrl, 'vllm:external_prefix_cache_hits_total');
    const promptBefore = await metricSum(decode.metricsUrl, 'vllm:prompt_tokens_total');
    const r = await chat(sc.url, 'm', [{ role: 'user', content: text(50, 'fb') }], { maxTokens: 2, headers: { 'x-prefiller-host-port': '127.0.0.1:1' } });
    expect(r.status).toBe(200);
    expect(r.pod).toBe('d');
    expect(await metricSum(decode.metricsUrl, 'vllm:prompt_tokens_total')).toBeGreaterThan(promptBefore);
    expect(await metricSum(decode.metricsUrl, 'vllm:external_prefix_cache_hits_total')).toBe(hitsBefore);
  });

  it('a 4xx from the prefill pod is returned to the client', async () => {
    const r = await chat(sc.url, 'no-such-model', [{ role: 'user', content: 'x' }], { headers: { 'x-prefiller-host-port': `${prefill.host}:${prefill.port}` } });
    expect(r.status).toBe(404);
    expect(r.body).toContain('does not exist');
  });

  it('a pod with a KV connector counts external queries on decode-only requests too (vLLM v1 scheduler)', async () => {
    const q = await metricSum(decode.metricsUrl, 'vllm:external_prefix_cache_queries_total');
    const h = await metricSum(decode.metricsUrl, 'vllm:external_prefix_cache_hits_total');
    const r = await chat(sc.url, 'm', [{ role: 'user', content: text(80, 'kvc') }], { maxTokens: 2 });
    expect(r.status).toBe(200);
    expect(await metricSum(decode.metricsUrl, 'vllm:external_prefix_cache_queries_total')).toBeGreaterThan(q);
    expect(await metricSum(decode.metricsUrl, 'vllm:external_prefix_cache_hits_total')).toBe(h);
  });
});
