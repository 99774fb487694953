// The pod through real loopback HTTP: stream frames and order, usage chunk, non-stream, /v1/models,
// error shapes, 404 unknown model, 400 context length, 429 queue full, health/readiness, drain.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startPod, type SimPod } from '../../src/pod/index.ts';
import { encode, renderChat } from '@routebench/core';
import { rawRequest, chatBody, scrape, metricValue } from './raw-http.ts';

const pods: SimPod[] = [];
afterAll(async () => {
  await Promise.all(pods.map((p) => p.stop()));
});
async function pod(spec: Parameters<typeof startPod>[0]) {
  const p = await startPod(spec);
  pods.push(p);
  return p;
}

describe('pod HTTP surface', () => {
  let p: SimPod;
  beforeAll(async () => {
    p = await pod({ name: 'pod-a', namespace: 'ns1', models: ['m', 'm-alias'], latency: { prefillOverheadMs: 2, interTokenLatencyMs: 2 } });
  });

  it('streams chat like vLLM: headers first, role chunk, one chunk per token, finish, usage, [DONE]', async () => {
    const content = 'tell me about the river';
    const r = await rawRequest(p.url, '/v1/chat/completions', {
      body: chatBody(content, { max_tokens: 5, stream: true, stream_options: { include_usage: true } }),
      headers: { 'x-request-id': 'req-1' },
    });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(r.headers['x-inference-pod']).toBe('pod-a');
    expect(r.headers['x-inference-namespace']).toBe('ns1');
    expect(r.headers['x-inference-port']).toBe(String(p.port));
    expect(r.headers['x-request-id']).toBe('req-1');
    const f = r.frames as any[];
    expect(f.at(-1)).toBe('[DONE]');
    expect(f[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    const content_ = f.slice(1, 6);
    for (const c of content_) {
      expect(c.id).toBe('chatcmpl-req-1');
      expect(c.object).toBe('chat.completion.chunk');
      expect(c.model).toBe('m');
      // Each delta is exactly one token of the shared tokenizer.
      expect(encode(c.choices[0].delta.content)).toHaveLength(1);
    }
    expect(content_.slice(0, 4).every((c) => c.choices[0].finish_reason === null)).toBe(true);
    expect(content_[4].choices[0].finish_reason).toBe('length');
    const usage = f[6];
    expect(usage.choices).toEqual([]);
    const promptTokens = encode(renderChat([{ role: 'user', content }])).length;
    expect(usage.usage).toEqual({
      prompt_tokens: promptTokens,
      completion_tokens: 5,
      total_tokens: promptTokens + 5,
      prompt_tokens_details: { cached_tokens: 0 },
    });
    expect(f).toHaveLength(8);
  });

  it('continuous_usage_stats adds running usage to every chunk; completions stream has no role chunk', async () => {
    const r = await rawRequest(p.url, '/v1/completions', {
      body: { model: 'm-alias', prompt: 'one two three', max_tokens: 3, ignore_eos: true, stream: true, stream_options: { include_usage: true, continuous_usage_stats: true } },
      headers: { 'x-request-id': 'c-1' },
    });
    const f = r.frames as any[];
    expect(f[0]).toMatchObject({ id: 'cmpl-c-1', object: 'text_completion', model: 'm-alias' });
    expect(f.slice(0, 3).map((c) => c.usage.completion_tokens)).toEqual([1, 2, 3]);
    expect(f[2].choices[0].finish_reason).toBe('length');
    expect(f[3].choices).toEqual([]);
    expect(f[4]).toBe('[DONE]');
  });

  it('answers non-stream chat with message, usage and finish_reason; honours max_completion_tokens', async () => {
    const r = await rawRequest(p.url, '/v1/chat/completions', {
      body: chatBody('hi', { max_tokens: 9, max_completion_tokens: 3 }),
    });
    expect(r.status).toBe(200);
    const b = JSON.parse(r.body);
    expect(b.object).toBe('chat.completion');
    expect(b.id).toMatch(/^chatcmpl-[0-9a-f]{32}$/); // generated id when no x-request-id
    expect(r.headers['x-request-id']).toBe(b.id.slice('chatcmpl-'.length));
    expect(encode(b.choices[0].message.content)).toHaveLength(3);
    expect(b.choices[0].finish_reason).toBe('length');
    expect(b.usage.completion_tokens).toBe(3);
    expect(b.kv_transfer_params).toBeNull();
  });

  it('without ignore_eos stops between min_tokens and max_tokens', async () => {
    const lens: number[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await rawRequest(p.url, '/v1/completions', { body: { model: 'm', prompt: 'x', max_tokens: 6, min_tokens: 3 } });
      const b = JSON.parse(r.body);
      lens.push(b.usage.completion_tokens);
      expect(b.choices[0].finish_reason).toBe(b.usage.completion_tokens === 6 ? 'length' : 'stop');
    }
    expect(Math.min(...lens)).toBeGreaterThanOrEqual(3);
    expect(Math.max(...lens)).toBeLessThanOrEqual(6);
  });

  it('accepts pre-tokenised completions prompts', async () => {
    const r = await rawRequest(p.url, '/v1/completions', { body: { model: 'm', prompt: [5, 6, 7, 8, 9], max_tokens: 1, ignore_eos: true } });
    expect(JSON.parse(r.body).usage.prompt_tokens).toBe(5);
  });

  it('a client that disconnects mid-stream is aborted: slot freed, counted as abort', async () => {
    const q = await pod({ name: 'gone', models: ['m'], latency: { interTokenLatencyMs: 20 } });
    const r = await rawRequest(q.url, '/v1/chat/completions', { body: chatBody('x', { max_tokens: 50, stream: true }), idleMs: 1 });
    expect(r.outcome).toBe('idle'); // our client hung up after the first quiet millisecond
    while (q.state().running > 0) await new Promise((res) => setTimeout(res, 5));
    const m = await scrape(q.metricsUrl);
    expect(metricValue(m, 'vllm:request_success_total', { finished_reason: 'abort' })).toBe(1);
    expect(metricValue(m, 'vllm:request_success_total', { finished_reason: 'length' })).toBe(0);
  });

  it('lists served models and answers health', async () => {
    const r = await rawRequest(p.url, '/v1/models');
    expect(JSON.parse(r.body).data.map((d: any) => d.id)).toEqual(['m', 'm-alias']);
    expect((await rawRequest(p.url, '/health')).status).toBe(200);
    expect((await rawRequest(p.url, '/health/ready')).status).toBe(200);
    expect((await rawRequest(p.url, '/nope')).status).toBe(404);
  });

  it('404 for an unknown model, 400 for context overflow and bad bodies, in the v0.10.1 shape', async () => {
    const r = await rawRequest(p.url, '/v1/chat/completions', { body: { ...chatBody('x'), model: 'nope' } });
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body)).toEqual({
      error: { message: 'The model `nope` does not exist.', type: 'NotFoundError', param: 'model', code: 404 },
    });
    const long = await rawRequest(p.url, '/v1/completions', { body: { model: 'm', prompt: 'x', max_tokens: 5000 } });
    expect(long.status).toBe(400);
    expect(JSON.parse(long.body).error.message).toMatch(/maximum context length is 4096 tokens/);
    const bad = await rawRequest(p.url, '/v1/chat/completions', { body: { model: 'm' } });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.message).toMatch(/messages/);
  });

  it('413 for a body over 4 MiB: the rest is read and dropped, so the answer arrives', async () => {
    const r = await rawRequest(p.url, '/v1/chat/completions', { body: chatBody('x'.repeat(5 * 1024 * 1024)) });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body)).toEqual({ error: { message: 'Request body too large.', type: expect.any(String), param: null, code: 413 } });
  });

  it('legacy error shape is flat', async () => {
    const q = await pod({ name: 'legacy', models: ['m'], errorShape: 'legacy' });
    const r = await rawRequest(q.url, '/v1/chat/completions', { body: { ...chatBody('x'), model: 'zz' } });
    expect(JSON.parse(r.body)).toEqual({
      object: 'error',
      message: 'The model `zz` does not exist.',
      type: 'NotFoundError',
      param: 'model',
      code: 404,
    });
  });
});

describe('pod batching and queue', () => {
  it('runs at most maxNumSeqs, queues FIFO, answers 429 when the waiting queue is full', async () => {
    const p = await pod({
      name: 'q',
      models: ['m'],
      maxNumSeqs: 2,
      maxWaitingQueueLength: 1,
      latency: { prefillOverheadMs: 1, interTokenLatencyMs: 20 },
    });
    const body = chatBody('hello', { max_tokens: 5 });
    const inflight = [0, 1, 2].map((i) =>
      rawRequest(p.url, '/v1/chat/completions', { body, headers: { 'x-request-id': `r${i}` } }),
    );
    // Wait until the pod holds 2 running + 1 waiting, then one more must be refused.
    while (p.state().running + p.state().waiting < 3) await new Promise((r) => setTimeout(r, 2));
    expect(p.state()).toMatchObject({ running: 2, waiting: 1 });
    const text = await scrape(p.metricsUrl);
    expect(metricValue(text, 'vllm:num_requests_running')).toBe(2);
    expect(metricValue(text, 'vllm:num_requests_waiting')).toBe(1);
    const full = await rawRequest(p.url, '/v1/chat/completions', { body });
    expect(full.status).toBe(429);
    expect(full.headers['retry-after']).toBe('1');
    expect(JSON.parse(full.body).error.message).toBe('Failed to enqueue request, waiting requests queue is full');
    const done = await Promise.all(inflight);
    expect(done.map((d) => d.status)).toEqual([200, 200, 200]);
    const after = await scrape(p.metricsUrl);
    expect(metricValue(after, 'vllm:request_success_total', { finished_reason: 'length' })).toBe(3);
    // The queued request waited for a slot: its queue time shows in the histogram sum.
    expect(metricValue(after, 'vllm:request_queue_time_seconds_sum')!).toBeGreaterThan(0.05);
  });

  it('startup delay and drain: /health/ready 503, requests 503, drain resolves when work is done', async () => {
    const p = await pod({ name: 'd', models: ['m'], startupDelayMs: 150, latency: { interTokenLatencyMs: 10 } });
    expect((await rawRequest(p.url, '/health/ready')).status).toBe(503);
    expect((await rawRequest(p.url, '/v1/chat/completions', { body: chatBody('x') })).status).toBe(503);
    expect(p.state().ready).toBe(false);
    while (!p.state().ready) await new Promise((r) => setTimeout(r, 10));
    expect((await rawRequest(p.url, '/health/ready')).status).toBe(200);
    const running = rawRequest(p.url, '/v1/chat/completions', { body: chatBody('x', { max_tokens: 8 }) });
    while (p.state().running === 0) await new Promise((r) => setTimeout(r, 2));
    const drained = p.drain();
    expect((await rawRequest(p.url, '/health/ready')).status).toBe(503);
    expect((await rawRequest(p.url, '/v1/chat/completions', { body: chatBody('x') })).status).toBe(503);
    await drained;
    expect(p.state()).toMatchObject({ running: 0, waiting: 0, ready: false });
    expect((await running).status).toBe(200);
  });

  it('rejects an invalid spec naming the field', async () => {
    await expect(startPod({ name: 'x', models: ['m'], latency: { jitterFraction: 0.5 } } as any)).rejects.toThrow(/latency\.jitterFraction/);
    await expect(startPod({ name: 'x', models: ['m'], bogus: 1 } as any)).rejects.toThrow(/bogus/);
  });
});
