// The forwarding both the EPP gateway and the P/D sidecar do (src/http-forward.ts): each one's 503 when
// its upstream cannot be reached (the EPP's plain text, the sidecar's flat JSON), the relayed answer
// otherwise, and a client that goes away aborting the request upstream through both hops.
import http from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../src/cluster.ts';
import { presetSpec } from '../src/presets.ts';
import { startSidecar, type Sidecar } from '../src/sidecar.ts';
import { chatBody, rawRequest } from './pod/raw-http.ts';
import { eppMetricSum, metricSum, readyCluster } from './sim-client.ts';

const MODEL = 'Qwen/Qwen2.5-7B-Instruct';

/** A loopback URL nobody listens on (a port just freed). */
async function deadUrl(): Promise<string> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

describe('sidecar whose decoder is gone', () => {
  let sc: Sidecar;
  beforeAll(async () => {
    sc = await startSidecar({ decoderUrl: await deadUrl() });
  });
  afterAll(async () => {
    await sc?.close();
  });

  it('answers 503 in the flat vLLM error shape, for generation and for anything else', async () => {
    for (const [path, body] of [['/v1/chat/completions', chatBody('x')], ['/v1/models', undefined]] as const) {
      const r = await rawRequest(sc.url, path, { body });
      expect(r.status).toBe(503);
      expect(r.headers['content-type']).toBe('application/json');
      expect(JSON.parse(r.body)).toEqual({ object: 'error', message: expect.stringMatching(/^decoder unavailable: .*ECONNREFUSED/), type: 'ServiceUnavailable', param: null, code: 503 });
    }
  });
});

describe('gateway whose pods are gone', () => {
  let c: Cluster;
  const logPath = join(mkdtempSync(join(tmpdir(), 'rb-fwd-')), 'epp.log');
  beforeAll(async () => {
    c = await readyCluster(presetSpec('agg-2', { eppLogPath: logPath }));
    // Still ready in the EPP's eyes until their metrics go stale (2 s): requests are routed to them.
    await Promise.all(c.pods.map((p) => p.stop()));
  });
  afterAll(() => c?.stop());

  it('answers 503 in the EPP plain-text form, counts a ServiceUnavailable error; the EPP had logged the pick before proxying', async () => {
    const r = await rawRequest(c.gatewayUrl, '/v1/chat/completions', { body: chatBody('x', { model: MODEL }), headers: { 'x-request-id': 'fwd-503' } });
    expect(r.status).toBe(503);
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(r.body).toMatch(/^inference gateway: ServiceUnavailable - upstream connect error: /);
    expect(await eppMetricSum(c, 'inference_objective_request_error_total', { error_code: 'ServiceUnavailable' })).toBe(1);
    expect(await eppMetricSum(c, 'inference_objective_request_error_total', { error_code: 'ModelServerError' })).toBe(0);
    const line = readFileSync(logPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l['x-request-id'] === 'fwd-503' && l.msg === 'Request handled');
    // "Request handled" is written in prepareRequest, before the proxy fails (GIE director.go:304, v1.4.0).
    expect(line).toMatchObject({ endpoint: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
    expect(line).not.toHaveProperty('status');
  });
});

describe('relaying, and a client that goes away (pd-1p1d: gateway → sidecar → decode pod)', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await readyCluster(presetSpec('pd-1p1d'));
  });
  afterAll(() => c?.stop());

  it("relays the pod's answer with the EPP's extra header; an upstream error status is relayed as is", async () => {
    const ok = await rawRequest(c.gatewayUrl, '/v1/chat/completions', { body: chatBody('Hello', { model: MODEL, stream: true }) });
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(ok.headers['x-went-into-resp-headers']).toBe('true');
    expect(ok.headers['x-inference-pod']).toBe('decode-0');
    expect(ok.frames.at(-1)).toBe('[DONE]');
    const missing = await rawRequest(c.gatewayUrl, '/v1/chat/completions', { body: chatBody('Hello', { model: 'NoSuchModel' }) });
    expect(missing.status).toBe(404);
    expect(missing.headers['x-went-into-resp-headers']).toBe('true');
    expect(await eppMetricSum(c, 'inference_objective_request_error_total', { error_code: 'ModelServerError' })).toBe(1);
  });

  it('aborts the request at the decode pod once the client disconnects mid-stream', async () => {
    const decode = c.pods.find((p) => p.name === 'decode-0')!;
    await new Promise<void>((resolve, reject) => {
      const req = http.request(`${c.gatewayUrl}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
      req.end(JSON.stringify(chatBody('Hello', { model: MODEL, stream: true, max_tokens: 2000 })));
    });
    expect(decode.state().running).toBe(1);
    const until = Date.now() + 2000;
    while (decode.state().running > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(decode.state().running).toBe(0);
  });
});
