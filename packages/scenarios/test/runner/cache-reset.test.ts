// Prefix caches reset before a prefix-cache claim's run: against a real simulated cluster (its pods serve
// vLLM's dev-mode POST /reset_prefix_cache), a server without the endpoint (vLLM without
// VLLM_SERVER_DEV_MODE=1 answers 404) and a closed port; then through runScenario into the evidence.
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { presetSpec, startCluster } from '@routebench/sim';
import { getPreset } from '../../src/index.ts';
import { describeCacheState, needsCacheReset, podBaseUrls, resetPrefixCaches } from '../../src/runner/cache-reset.ts';
import { runScenario } from '../../src/runner/run-scenario.ts';

const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(closers.map((c) => c()));
});

async function server(handler: http.RequestListener): Promise<string> {
  const s = http.createServer(handler);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise((r) => s.close(() => r())));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

describe('cache-reset', () => {
  it('only scenarios with a prefix-cache claim reset; pod base URLs come from the static pod targets, not the EPP', () => {
    expect(needsCacheReset(getPreset('prefix-cache'))).toBe(true);
    expect(needsCacheReset(getPreset('queue-balance'))).toBe(false);
    expect(
      podBaseUrls([
        { kind: 'static', targets: [{ name: 'a', url: 'http://10.0.0.1:8000/metrics' }, { name: 'epp', url: 'http://10.0.0.9:9090/metrics' }, { name: 'b', url: 'https://10.0.0.2:8443/x/metrics', role: 'decode' }, { name: 'e2', url: 'http://10.0.0.8:9090/metrics', role: 'epp' }] },
      ]),
    ).toEqual({ a: 'http://10.0.0.1:8000', b: 'https://10.0.0.2:8443' });
  });

  it('records reset / not-allowed / unreachable per pod', async () => {
    const c = await startCluster(presetSpec('agg-2'));
    closers.push(() => c.stop());
    await c.waitReady();
    const simPods = Object.fromEntries(Object.entries(c.podMetricsUrls()).map(([n, u]) => [n, new URL(u).origin]));
    const noDev = await server((_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"detail":"Not Found"}');
    });
    const broken = await server((_req, res) => {
      res.writeHead(500);
      res.end();
    });
    const closed = await server(() => {});
    closers.pop()!(); // close it now: its port refuses connections
    await new Promise((r) => setTimeout(r, 20));
    const state = await resetPrefixCaches({ ...simPods, plain: noDev, broken, gone: closed }, { timeoutMs: 5_000 });
    for (const n of Object.keys(simPods)) expect(state.pods[n]).toEqual({ outcome: 'reset', httpStatus: 200 });
    expect(state.pods.plain).toEqual({ outcome: 'not-allowed', httpStatus: 404 });
    expect(state.pods.broken).toEqual({ outcome: 'failed', httpStatus: 500 });
    expect(state.pods.gone).toEqual({ outcome: 'unreachable', httpStatus: null });
    expect(state.cold).toBe(false);
    expect(describeCacheState(state)).toMatch(/^reset: agg-0, agg-1; not-allowed: plain \(404\); failed: broken \(500\); unreachable: gone$/);
    expect((await resetPrefixCaches(simPods)).cold).toBe(true);
    expect(await resetPrefixCaches({})).toEqual({ pods: {}, cold: false });
  });

  it('runScenario resets the simulated pods before a prefix-cache run and records it in evidence and summary.json', async () => {
    const s = getPreset('prefix-cache');
    const outDir = mkdtempSync(join(tmpdir(), 'rb-cache-reset-'));
    const r = await runScenario(s, { outDir, quick: true, skipControls: true });
    expect(r.main.evidence.cacheState).toEqual({ cold: true, pods: { 'agg-0': { outcome: 'reset', httpStatus: 200 }, 'agg-1': { outcome: 'reset', httpStatus: 200 } } });
    const summary = JSON.parse(readFileSync(join(outDir, 'summary.json'), 'utf8'));
    expect(summary.extra.cacheState.cold).toBe(true);
    expect(r.mainVerdicts.find((v) => v.claim === 'prefix-cache-hit-rate')?.details).toMatch(/cache reset before the run/);
  });
});
