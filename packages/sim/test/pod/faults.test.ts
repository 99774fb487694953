// Faults, each observed by a raw node:http client: HTTP errors by rate (seeded, repeatable),
// X-Return-Error, mid-stream error frame, stall, reset, slowFactor; all switchable at run time.
import { describe, it, expect, afterAll } from 'vitest';
import { startPod, type SimPod } from '../../src/pod/index.ts';
import { rawRequest, chatBody, scrape, metricValue } from './raw-http.ts';

const pods: SimPod[] = [];
afterAll(async () => {
  await Promise.all(pods.map((p) => p.stop()));
});
async function pod(extra: Record<string, unknown> = {}) {
  const p = await startPod({ name: 'f', models: ['m'], latency: { prefillOverheadMs: 1, interTokenLatencyMs: 3, seed: 42 }, ...extra });
  pods.push(p);
  return p;
}
const streamBody = chatBody('hello', { max_tokens: 10, stream: true });

describe('pod faults', () => {
  it('HTTP errors by probability, in the configured shape, 429 with retry-after; seeded so runs repeat', async () => {
    const p = await pod({ faults: { errorRate: { 500: 1 } } });
    const r = await rawRequest(p.url, '/v1/chat/completions', { body: chatBody('x') });
    expect(r.status).toBe(500);
    expect(JSON.parse(r.body)).toMatchObject({ error: { type: 'InternalServerError', code: 500 } });
    p.setFaults({ errorRate: { 429: 1 } });
    const rl = await rawRequest(p.url, '/v1/chat/completions', { body: chatBody('x') });
    expect(rl.status).toBe(429);
    expect(rl.headers['retry-after']).toBe('1');
    expect(JSON.parse(rl.body).error.type).toBe('RateLimitError');
    expect(() => p.setFaults({ stallRate: 2 })).toThrow(/stallRate/);
    expect(() => p.setFaults({ bogus: 1 } as any)).toThrow(/bogus/);
    p.setFaults({});
    expect((await rawRequest(p.url, '/v1/chat/completions', { body: chatBody('x') })).status).toBe(200);

    const statuses = async () => {
      const q = await pod({ faults: { errorRate: { 503: 0.5 } } });
      const out: number[] = [];
      for (let i = 0; i < 12; i++) out.push((await rawRequest(q.url, '/v1/completions', { body: { model: 'm', prompt: 'x', max_tokens: 1 } })).status);
      return out;
    };
    const a = await statuses();
    expect(a).toEqual(await statuses());
    expect(a).toContain(503);
    expect(a).toContain(200);
  });

  it('X-Return-Error forces that status', async () => {
    const p = await pod({ errorShape: 'legacy' });
    const r = await rawRequest(p.url, '/v1/chat/completions', { body: chatBody('x'), headers: { 'x-return-error': '503' } });
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body)).toMatchObject({ object: 'error', type: 'ServiceUnavailableError', code: 503 });
  });

  it('mid-stream error: some tokens, then one {"error":…} frame, then [DONE]', async () => {
    const p = await pod({ faults: { midStreamErrorRate: 1 } });
    const r = await rawRequest(p.url, '/v1/chat/completions', { body: streamBody });
    expect(r.status).toBe(200);
    const f = r.frames as any[];
    expect(f.at(-1)).toBe('[DONE]');
    expect(f.at(-2)).toMatchObject({ error: { type: 'InternalServerError', code: 500 } });
    const tokens = f.filter((x) => x?.choices?.[0]?.delta?.content);
    expect(tokens.length).toBeGreaterThanOrEqual(1);
    expect(tokens.length).toBeLessThan(10);
    const m = await scrape(p.metricsUrl);
    expect(metricValue(m, 'vllm:request_success_total', { finished_reason: 'abort' })).toBe(1);
  });

  it('stall: stops sending but keeps the socket open; the engine slot is freed', async () => {
    const p = await pod({ faults: { stallRate: 1 } });
    const r = await rawRequest(p.url, '/v1/chat/completions', { body: streamBody, idleMs: 250 });
    expect(r.status).toBe(200);
    expect(r.outcome).toBe('idle');
    expect(r.frames.length).toBeGreaterThanOrEqual(2); // role + ≥1 token
    expect(r.frames).not.toContain('[DONE]');
    expect(p.state().running).toBe(0);
  });

  it('reset: the socket is destroyed mid-stream', async () => {
    const p = await pod({ faults: { resetRate: 1 } });
    const r = await rawRequest(p.url, '/v1/chat/completions', { body: streamBody, idleMs: 2000 });
    expect(r.outcome).toBe('reset');
    expect(r.body).not.toContain('[DONE]');
    expect(p.state().running).toBe(0);
  });

  it('slowFactor multiplies latencies (ITL from recorded emissions)', async () => {
    const p = await pod({ recordEmissions: true, latency: { interTokenLatencyMs: 5 } });
    const itl = async (id: string) => {
      await rawRequest(p.url, '/v1/chat/completions', { body: streamBody, headers: { 'x-request-id': id } });
      const e = p.emissions(id)!;
      return (e.at(-1)! - e[0]!) / (e.length - 1);
    };
    await itl('warm');
    const base = await itl('base');
    p.setFaults({ slowFactor: 3 });
    const slow = await itl('slow');
    expect(base).toBeGreaterThanOrEqual(5 - 0.5);
    expect(slow).toBeGreaterThanOrEqual(15 - 0.5);
    expect(slow / base).toBeGreaterThan(2);
  });
});
