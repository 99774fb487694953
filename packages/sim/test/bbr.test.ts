// The body-based router against real loopback backends: header names and values as GIE's BBR sets them
// (core upstream/bbr.ts), route choice on X-Gateway-Base-Model-Name, and the gateway's own 404 when no route matches.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BBR } from '@routebench/core';
import { startBodyBasedRouter, type BodyBasedRouter } from '../src/bbr.ts';
import { closeServer, listen, readBody } from '../src/http-server.ts';

interface Seen {
  backend: string;
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const seen: Seen[] = [];
const backends: http.Server[] = [];

async function backend(name: string): Promise<string> {
  const s = http.createServer(async (req, res) => {
    const body = (await readBody(req)).toString('utf8');
    seen.push({ backend: name, method: req.method!, url: req.url!, headers: req.headers, body });
    res.writeHead(200, { 'content-type': 'application/json', 'x-backend': name });
    res.end(JSON.stringify({ backend: name }));
  });
  backends.push(s);
  return `http://127.0.0.1:${await listen(s)}`;
}

let bbr: BodyBasedRouter;
beforeAll(async () => {
  bbr = await startBodyBasedRouter({
    routes: [
      { name: 'pool-7b', baseModel: 'Qwen/Qwen2.5-7B-Instruct', url: await backend('pool-7b') },
      { name: 'pool-05b', baseModel: 'Qwen/Qwen2.5-0.5B-Instruct', adapters: ['food-review-1'], url: await backend('pool-05b') },
    ],
  });
});
afterAll(async () => {
  await bbr?.close();
  await Promise.all(backends.map((s) => closeServer(s)));
});

async function post(body: string, headers: Record<string, string> = {}) {
  seen.length = 0;
  const r = await fetch(`${bbr.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: r.status, backend: r.headers.get('x-backend'), text: await r.text(), upstream: seen[0] };
}

describe('body-based router', () => {
  it('uses the header names GIE v1.4.0 BBR sets', () => {
    expect([BBR.modelHeader, BBR.baseModelHeader, BBR.routeMatchHeader]).toEqual(['X-Gateway-Model-Name', 'X-Gateway-Base-Model-Name', 'X-Gateway-Base-Model-Name']);
  });

  it('sends each model to the pool whose route matches its base model, with both headers set and the body unchanged', async () => {
    const body = JSON.stringify({ model: 'Qwen/Qwen2.5-7B-Instruct', messages: [{ role: 'user', content: 'hi' }] });
    const a = await post(body);
    expect([a.status, a.backend]).toEqual([200, 'pool-7b']);
    expect(a.upstream!.headers['x-gateway-model-name']).toBe('Qwen/Qwen2.5-7B-Instruct');
    expect(a.upstream!.headers['x-gateway-base-model-name']).toBe('Qwen/Qwen2.5-7B-Instruct');
    expect([a.upstream!.url, a.upstream!.body]).toEqual(['/v1/chat/completions', body]);
    const b = await post(JSON.stringify({ model: 'Qwen/Qwen2.5-0.5B-Instruct', prompt: 'x' }));
    expect(b.backend).toBe('pool-05b');
  });

  it('maps a LoRA adapter to its base model: model header = adapter, base header = base, routed to the base pool', async () => {
    const r = await post(JSON.stringify({ model: 'food-review-1', prompt: 'x' }));
    expect(r.backend).toBe('pool-05b');
    expect(r.upstream!.headers['x-gateway-model-name']).toBe('food-review-1');
    expect(r.upstream!.headers['x-gateway-base-model-name']).toBe('Qwen/Qwen2.5-0.5B-Instruct');
    expect(bbr.routeFor('food-review-1')).toBe('pool-05b');
  });

  it('overwrites routing headers a client sends itself', async () => {
    const r = await post(JSON.stringify({ model: 'Qwen/Qwen2.5-7B-Instruct' }), { 'X-Gateway-Base-Model-Name': 'Qwen/Qwen2.5-0.5B-Instruct' });
    expect(r.backend).toBe('pool-7b');
  });

  it('answers 404 with an empty body itself when no route matches: unknown model, no model, a bodiless GET', async () => {
    for (const body of [JSON.stringify({ model: 'NonExistentModel', prompt: 'x' }), JSON.stringify({ prompt: 'no model' })]) {
      const r = await post(body);
      expect([r.status, r.text, r.upstream]).toEqual([404, '', undefined]);
    }
    expect(bbr.routeFor('NonExistentModel')).toBeNull();
    const g = await fetch(`${bbr.url}/v1/models`);
    expect([g.status, await g.text()]).toEqual([404, '']);
  });

  it('refuses a body that is not JSON or whose model is not a string, without reaching a pool', async () => {
    for (const body of ['{not json', JSON.stringify({ model: 7 })]) {
      const r = await post(body);
      expect([r.status, r.upstream]).toEqual([BBR.nonStringModelStatus, undefined]);
    }
  });

  it('rejects overlapping model names and bad routes naming the field', async () => {
    await expect(startBodyBasedRouter({ routes: [{ name: 'a', baseModel: 'm', url: 'http://127.0.0.1:1' }, { name: 'b', baseModel: 'm', url: 'http://127.0.0.1:2' }] })).rejects.toThrow(/routes\.1: model names overlap with routes\.0/);
    await expect(startBodyBasedRouter({ routes: [{ name: 'a', baseModel: '', url: 'http://127.0.0.1:1' }] })).rejects.toThrow(/routes\.0\.baseModel/);
  });
});
