// Gateway response headers through real HTTP: the opt-in served-endpoint verifier (GIE test plugin).
import { describe, expect, it } from 'vitest';
import { AGG_EPP_CONFIG, presetSpec } from '../../src/presets.ts';
import { readyCluster, chat } from '../sim-client.ts';

const MODEL = 'Qwen/Qwen2.5-7B-Instruct';

describe('gateway: destination-endpoint-served-verifier', () => {
  it('adds x-conformance-test-served-endpoint = the served ip:port only when the plugin is configured', async () => {
    const withVerifier = AGG_EPP_CONFIG.replace('plugins:\n', 'plugins:\n- type: destination-endpoint-served-verifier\n');
    for (const [eppConfig, expectHeader] of [[withVerifier, true], [AGG_EPP_CONFIG, false]] as const) {
      const c = await readyCluster({ ...presetSpec('agg-2'), eppConfig });
      try {
        const r = await chat(c.gatewayUrl, MODEL, [{ role: 'user', content: 'hi' }], { maxTokens: 2 });
        expect(r.status).toBe(200);
        const v = r.headers.get('x-conformance-test-served-endpoint');
        if (!expectHeader) expect(v).toBeNull();
        else {
          const served = c.pods.find((p) => p.name === r.pod)!;
          expect(v).toBe(new URL(served.metricsUrl).host);
        }
      } finally {
        await c.stop();
      }
    }
  });
});

describe('gateway: header names per generation (core upstream/headers.ts)', () => {
  // A rewrite to a model no pod serves makes the pod answer 404, so the status shows whether the EPP read the header.
  it.each([
    ['v0.7', 'x-llm-d-model-name-rewrite', 200],
    ['v0.7', 'x-gateway-model-name-rewrite', 404],
    ['router', 'x-llm-d-model-name-rewrite', 404],
    ['router', 'x-gateway-model-name-rewrite', 404],
  ] as const)('%s reads %s: status %i', async (llmdVersion, header, status) => {
    const c = await readyCluster(presetSpec('agg-2', { llmdVersion }));
    try {
      const r = await chat(c.gatewayUrl, MODEL, [{ role: 'user', content: 'hi' }], { maxTokens: 2, headers: { [header]: 'no-such-model' } });
      expect(r.status).toBe(status);
    } finally {
      await c.stop();
    }
  });
});
