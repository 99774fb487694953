import { afterAll, describe, expect, it } from 'vitest';
import { evaluateClaims } from '../../src/claims/evaluate.ts';
import { closeFixtureServers, collect, ctx, eppText, rec, run, vllmText } from './evidence-fixtures.ts';

afterAll(closeFixtureServers);
// 40 split requests: 40 of 40 transfers landing has a Wilson lower bound of 91.2%, over the 90% bar.
const records = () => Array.from({ length: 40 }, () => rec({ tags: { class: 'long' }, pod: 'decode-0' }));
const zero = { prompt: 0, extQueries: 0, extHits: 0, nixlFailed: 0, kvComputedSum: 0, kvComputedCount: 0, nixlXfers: 0 };

async function pdRun(decodeAfter: Parameters<typeof vllmText>[0], splits = 40) {
  return collect([
    { name: 'epp', states: [eppText({ decisions: { 'prefill-decode': 0 } }), eppText({ decisions: { 'prefill-decode': splits } })] },
    { name: 'prefill-0', role: 'prefill', states: [vllmText({ success: 0 }), vllmText({ success: splits })] },
    { name: 'decode-0', role: 'decode', states: [vllmText(zero), vllmText({ ...zero, ...decodeAfter })] },
  ]);
}

describe('pd-transfer', () => {
  it('passes when every transfer lands and decode recomputes nothing (time-slicing)', async () => {
    const metrics = await pdRun({ prompt: 20480, extQueries: 20480, extHits: 20480, kvComputedSum: 0, kvComputedCount: 40, nixlXfers: 40 });
    const [v] = evaluateClaims([{ id: 'pd-transfer', minExternalHitRate: 0.9 }], ctx(await run(records(), { metrics }), {}, 'P/D'));
    expect(v.status).toBe('Pass');
    expect(v.details).toBe(
      'NIXL KV transfer works: 40 NIXL transfers, 0 failed; 100% of the 20480 prompt tokens decode needed arrived as external cache hits; decode recomputed 0% of its 20480 prompt tokens; transfers landed ≥ 90%: 95% CI 91.2%–100%, n=40',
    );
    expect(v.confidence).toEqual([expect.objectContaining({ status: 'Pass', n: 40, bar: 0.9 })]);
  });

  it('is inconclusive when every transfer landed but too few requests were split to show it', async () => {
    const metrics = await pdRun({ prompt: 6144, extQueries: 6144, extHits: 6144, kvComputedSum: 0, kvComputedCount: 12, nixlXfers: 12 }, 12);
    const [v] = evaluateClaims([{ id: 'pd-transfer' }], ctx(await run(records().slice(0, 12), { metrics }), {}, 'P/D'));
    expect(v.status).toBe('Inconclusive');
    expect(v.details).toMatch(/too few split requests to show ≥ 90% of transfers land at 95%: transfers landed ≥ 90%: 95% CI 75\.8%–100%, n=12; ~35 requests would separate it from 90%$/);
  });

  it('fails on the broken-transfer control (the MIG case): transfers fail and decode recomputes', async () => {
    const metrics = await pdRun({ success: 12, prompt: 6144, extQueries: 6144, extHits: 0, nixlFailed: 12, kvComputedSum: 6144, kvComputedCount: 12 }, 12);
    const [v] = evaluateClaims([{ id: 'pd-transfer' }], ctx(await run(records().slice(0, 12), { metrics })));
    expect(v.status).toBe('Fail');
    expect(v.details).toMatch(/^KV transfer failing: 12 failed NIXL transfers -- 12 NIXL transfers, 12 failed; 0% .* decode recomputed 100% of its 6144 prompt tokens \(external hit rate below 90%; decode recomputes transferred prompts.*\); transfers landed ≥ 90%: 95% CI 0%–24\.2%, n=12$/);
    expect(v.confidence?.[0].status).toBe('Fail');
  });

  it('is inconclusive when the decode pod is not scraped', async () => {
    const [w] = evaluateClaims([{ id: 'pd-transfer' }], ctx(await run(records())));
    expect(w.details).toBe('no decode pod scraped (need pods with role decode)');
  });

  it('fails when requests were split but decode loaded nothing and NIXL counted nothing', async () => {
    const none = await pdRun({ prompt: 100, extQueries: 100, kvComputedSum: 100, kvComputedCount: 12 }, 12);
    const [v] = evaluateClaims([{ id: 'pd-transfer' }], ctx(await run(records(), { metrics: none })));
    expect(v.status).toBe('Fail');
    expect(v.details).toMatch(/^KV transfer missing: 12 requests were split but decode loaded no external tokens.*; transfers landed ≥ 90%: 95% CI 0%–24\.2%, n=12$/);
  });

  // SEED (richajoy/llm-d-lambda-deployment b0fc0dfd) 2x2 run: vLLM counted external queries 57 and 38 on
  // the two decode pods, hits 0, and the EPP never split (every decision decode-only). vLLM records
  // external queries on every request of a pod with a KV connector, so this is "nothing to judge".
  it('is inconclusive on the seed 2x2 run: external queries 57/38, hits 0, no split', async () => {
    const metrics = await collect([
      { name: 'epp', states: [eppText({ decisions: { 'decode-only': 0 } }), eppText({ decisions: { 'decode-only': 12 } })] },
      { name: 'prefill-0', role: 'prefill', states: [vllmText({ success: 0 }), vllmText({ success: 0 })] },
      { name: 'decode-0', role: 'decode', states: [vllmText(zero), vllmText({ ...zero, success: 7, prompt: 57, extQueries: 57 })] },
      { name: 'decode-1', role: 'decode', states: [vllmText(zero), vllmText({ ...zero, success: 5, prompt: 38, extQueries: 38 })] },
    ]);
    const [v] = evaluateClaims([{ id: 'pd-transfer' }], ctx(await run(records(), { metrics })));
    expect(v.status).toBe('Inconclusive');
    expect(v.details).toMatch(/^no request was split \(0 P\/D splits\)/);
  });

  it('falls back to prefill-pod request deltas when the EPP is not scraped: none → inconclusive', async () => {
    const metrics = await collect([
      { name: 'prefill-0', role: 'prefill', states: [vllmText({ success: 0 }), vllmText({ success: 0 })] },
      { name: 'decode-0', role: 'decode', states: [vllmText(zero), vllmText({ ...zero, success: 12, prompt: 95, extQueries: 95 })] },
    ]);
    const [v] = evaluateClaims([{ id: 'pd-transfer' }], ctx(await run(records(), { metrics })));
    expect(v.status).toBe('Inconclusive');
    expect(v.details).toMatch(/^no request was split \(0 prefill-pod requests\)/);
  });

  // SEED's passing NIXL run reported a 54.3% external hit rate: decode-only and split requests both add
  // external queries on decode, so the rate is diluted. Working transfers with a mixed workload must Pass.
  it('passes a working NIXL setup whose external hit rate is diluted to 54.3% by decode-only requests', async () => {
    const metrics = await collect([
      { name: 'epp', states: [eppText({ decisions: { 'prefill-decode': 0, 'decode-only': 0 } }), eppText({ decisions: { 'prefill-decode': 40, 'decode-only': 40 } })] },
      { name: 'prefill-0', role: 'prefill', states: [vllmText({ success: 0 }), vllmText({ success: 40 })] },
      { name: 'decode-0', role: 'decode', states: [vllmText(zero), vllmText({ ...zero, success: 80, prompt: 10000, extQueries: 10000, extHits: 5430, kvComputedSum: 4570, kvComputedCount: 80, nixlXfers: 40 })] },
    ]);
    const [v] = evaluateClaims([{ id: 'pd-transfer' }], ctx(await run(records(), { metrics })));
    expect(v.status).toBe('Pass');
    expect(v.details).toMatch(/^NIXL KV transfer works: 40 NIXL transfers, 0 failed; 54% of the 10000 .* \(40 of 80 decode requests were split; decode-only requests add external queries too, so the rate is not judged\); transfers landed ≥ 90%: 95% CI 91\.2%–100%, n=40$/);
  });

  it('still fails a diluted run when NIXL reports failed transfers', async () => {
    const metrics = await collect([
      { name: 'epp', states: [eppText({ decisions: { 'prefill-decode': 0, 'decode-only': 0 } }), eppText({ decisions: { 'prefill-decode': 6, 'decode-only': 6 } })] },
      { name: 'decode-0', role: 'decode', states: [vllmText(zero), vllmText({ ...zero, success: 12, prompt: 10000, extQueries: 10000, nixlFailed: 6 })] },
    ]);
    const [v] = evaluateClaims([{ id: 'pd-transfer' }], ctx(await run(records(), { metrics })));
    expect(v.status).toBe('Fail');
    expect(v.details).toMatch(/^KV transfer failing: 6 failed NIXL transfers/);
  });
});
