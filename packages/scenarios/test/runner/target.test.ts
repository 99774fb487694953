// --epp-token-file reaches the EPP's shorthand metrics source (and only the EPP's), as a file reference:
// the token itself never enters configs or evidence.
import { describe, expect, it } from 'vitest';
import { openTarget } from '../../src/runner/target.ts';
import { getPreset } from '../../src/presets/index.ts';

describe('openTarget with a URL target', () => {
  it('puts bearerTokenFile on the epp shorthand target only', async () => {
    const base = getPreset('queue-balance');
    const scenario = { ...base, metrics: { ...(base.metrics ?? {}), sources: [{ kind: 'pod', url: 'http://10.0.0.1:8000/metrics' }, { kind: 'epp', url: 'http://10.0.0.2:9090/metrics' }] } } as typeof base;
    const t = await openTarget({ url: 'http://127.0.0.1:9' } as never, scenario, '/tmp/unused', { eppTokenFile: '/var/run/epp-token' });
    const src = t.metricsSources[0] as { targets: Array<Record<string, unknown>> };
    expect(src.targets.find((x) => x.role === 'epp')).toMatchObject({ url: 'http://10.0.0.2:9090/metrics', bearerTokenFile: '/var/run/epp-token' });
    expect(src.targets.find((x) => x.role !== 'epp')).not.toHaveProperty('bearerTokenFile');
    const without = await openTarget({ url: 'http://127.0.0.1:9' } as never, scenario, '/tmp/unused');
    expect((without.metricsSources[0] as typeof src).targets.find((x) => x.role === 'epp')).not.toHaveProperty('bearerTokenFile');
  });
});

describe('openTarget: which models the pods serve (model-routing)', () => {
  it('on a URL target, asks each shorthand pod target GET /v1/models (the EPP is not asked)', async () => {
    const { startCluster, presetSpec } = await import('@routebench/sim');
    const c = await startCluster(presetSpec('multi-model-mixed'));
    try {
      await c.waitReady();
      const base = getPreset('multi-model');
      const urls = c.podMetricsUrls();
      const scenario = { ...base, metrics: { sources: [{ kind: 'pod', name: 'a', url: urls['qwen-7b'] }, { kind: 'pod', name: 'b', url: urls['qwen-05b'] }, { kind: 'epp', url: c.eppMetricsUrl }] } } as typeof base;
      const t = await openTarget({ url: c.gatewayUrl } as never, scenario, '/tmp/unused');
      expect(t.podModels).toEqual({ a: ['Qwen/Qwen2.5-7B-Instruct'], b: ['Qwen/Qwen2.5-0.5B-Instruct'] });
    } finally {
      await c.stop();
    }
  });

  it('the multi-model preset opens one pool per model behind body-based routing, every pool EPP scraped', async () => {
    const dir = (await import('node:fs')).mkdtempSync((await import('node:path')).join((await import('node:os')).tmpdir(), 'rb-mp-'));
    const t = await openTarget({ sim: { preset: 'multi-model' } }, getPreset('multi-model'), dir);
    try {
      expect(t.podModels).toEqual({ 'qwen-7b': ['Qwen/Qwen2.5-7B-Instruct'], 'qwen-05b': ['Qwen/Qwen2.5-0.5B-Instruct'] });
      const targets = (t.metricsSources[0] as { targets: { name: string; role?: string }[] }).targets;
      expect(targets.filter((x) => x.role === 'epp').map((x) => x.name)).toEqual(['epp-pool-qwen2-5-7b-instruct', 'epp-pool-qwen2-5-0-5b-instruct']);
      const r = await fetch(`${t.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'NonExistentModel', messages: [{ role: 'user', content: 'x' }] }) });
      expect(r.status).toBe(404);
    } finally {
      await t.close();
    }
  });
});
