import { afterAll, describe, expect, it } from 'vitest';
import { evaluateClaims } from '../../src/claims/evaluate.ts';
import { closeFixtureServers, collect, ctx, eppText, rec, run, vllmText } from './evidence-fixtures.ts';

afterAll(closeFixtureServers);
const records = () => Array.from({ length: 12 }, () => rec({ tags: { class: 'long' }, pod: 'decode-0' }));
const zero = { prompt: 0, extQueries: 0, extHits: 0, nixlFailed: 0, kvComputedSum: 0, kvComputedCount: 0, nixlXfers: 0 };

async function pdRun(decodeAfter: Parameters<typeof vllmText>[0]) {
  return collect([
    { name: 'epp', states: [eppText({ decisions: { 'prefill-decode': 0 } }), eppText({ decisions: { 'prefill-decode': 12 } })] },
    { name: 'prefill-0', role: 'prefill', states: [vllmText({ success: 0 }), vllmText({ success: 12 })] },
    { name: 'decode-0', role: 'decode', states: [vllmText(zero), vllmText({ ...zero, ...decodeAfter })] },
  ]);
}

describe('pd-transfer', () => {
  it('passes when every transfer lands and decode recomputes nothing (time-slicing)', async () => {
    const metrics = await pdRun({ prompt: 6144, extQueries: 6144, extHits: 6144, kvComputedSum: 0, kvComputedCount: 12, nixlXfers: 12 });
    const [v] = evaluateClaims([{ id: 'pd-transfer', minExternalHitRate: 0.9 }], ctx(await run(records(), { metrics }), {}, 'P/D'));
    expect(v.status).toBe('Pass');
    expect(v.details).toBe(
      'NIXL KV transfer works: 12 NIXL transfers, 0 failed; 100% of the 6144 prompt tokens decode needed arrived as external cache hits; decode recomputed 0% of its 6144 prompt tokens',
    );
  });

  it('fails on the broken-transfer control (the MIG case): transfers fail and decode recomputes', async () => {
    const metrics = await pdRun({ prompt: 6144, extQueries: 6144, extHits: 0, nixlFailed: 12, kvComputedSum: 6144, kvComputedCount: 12 });
    const [v] = evaluateClaims([{ id: 'pd-transfer' }], ctx(await run(records(), { metrics })));
    expect(v.status).toBe('Fail');
    expect(v.details).toMatch(/^KV transfer failing: 12 failed NIXL transfers -- 12 NIXL transfers, 12 failed; 0% .* decode recomputed 100% of its 6144 prompt tokens \(external hit rate below 90%; decode recomputes transferred prompts/);
  });

  it('is inconclusive when nothing was transferred or the decode pod is not scraped', async () => {
    const none = await pdRun({ prompt: 100, kvComputedSum: 100, kvComputedCount: 12 });
    const [v] = evaluateClaims([{ id: 'pd-transfer' }], ctx(await run(records(), { metrics: none })));
    expect(v.status).toBe('Inconclusive');
    expect(v.details).toMatch(/no KV transfer was attempted \(decode pods fetched 0 external tokens, 12 P\/D splits\)/);
    const [w] = evaluateClaims([{ id: 'pd-transfer' }], ctx(await run(records())));
    expect(w.details).toBe('no decode pod scraped (need pods with role decode)');
  });
});
