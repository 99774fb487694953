import { afterAll, describe, expect, it } from 'vitest';
import { evaluateClaims } from '../../src/claims/evaluate.ts';
import { jainIndex } from '../../src/claims/queue-balance.ts';
import { closeFixtureServers, collect, ctx, rec, run, vllmText } from './evidence-fixtures.ts';

afterAll(closeFixtureServers);
const podRoles = { 'agg-0': 'both', 'agg-1': 'both' } as const;
const burst = (a: number, b: number, pod: (i: number) => string | null = (i) => (i < a ? 'agg-0' : 'agg-1')) =>
  Array.from({ length: a + b }, (_, i) => rec({ pod: pod(i), podSource: pod(i) ? 'header:x-inference-pod' : null }));

describe('queue-balance', () => {
  it('passes on the seed\u2019s 18/12 split of 30 concurrent requests', async () => {
    const [v] = evaluateClaims([{ id: 'queue-balance', maxShare: 0.7 }], ctx(await run(burst(18, 12), { podRoles: { ...podRoles } })));
    expect(v.status).toBe('Pass');
    expect(v.details).toBe('30 requests split 18/12 across agg-0, agg-1 (max share 60%, Jain 0.96)');
    expect(v.sources).toEqual(['header:x-inference-pod']);
  });

  it('fails when one pod takes nearly everything or a known pod got nothing', async () => {
    const [v] = evaluateClaims([{ id: 'queue-balance' }], ctx(await run(burst(27, 3), { podRoles: { ...podRoles } })));
    expect(v.status).toBe('Fail');
    expect(v.details).toMatch(/a pod took more than 67%/);
    const [w] = evaluateClaims([{ id: 'queue-balance' }], ctx(await run(burst(30, 0), { podRoles: { ...podRoles } })));
    expect(w.status).toBe('Fail');
    expect(w.details).toMatch(/agg-1 got no request/);
  });

  it('uses the pods\u2019 request counters when requests are not attributed', async () => {
    const metrics = await collect([
      { name: 'agg-0', states: [vllmText({ success: 100 }), vllmText({ success: 116 })] },
      { name: 'agg-1', states: [vllmText({ success: 40 }), vllmText({ success: 54 })] },
    ]);
    const [v] = evaluateClaims([{ id: 'queue-balance' }], ctx(await run(burst(30, 0, () => null), { metrics })));
    expect(v.status).toBe('Pass');
    expect(v.sources).toEqual(['counter:vllm:request_success']);
    expect(v.evidence.split).toEqual({ 'agg-0': 16, 'agg-1': 14 });
  });

  it('is inconclusive with no per-request pods and no counters, or an incomplete counter split', async () => {
    const [v] = evaluateClaims([{ id: 'queue-balance' }], ctx(await run(burst(30, 0, () => null))));
    expect(v.status).toBe('Inconclusive');
    expect(v.details).toMatch(/no request split per pod/);
    const metrics = await collect([
      { name: 'agg-0', states: [vllmText({ success: 100 }), vllmText({ success: 116 })] },
      { name: 'agg-1', states: 'hang' },
    ]);
    const [w] = evaluateClaims([{ id: 'queue-balance' }], ctx(await run(burst(30, 0, () => null), { metrics, podRoles: { ...podRoles } })));
    // agg-1 answered no scrape: the split cannot say it got nothing.
    expect(w.status).toBe('Inconclusive');
    expect(w.details).toMatch(/^request split from counter:vllm:request_success is incomplete \(scrape errors: agg-1 \(before: /);
  });

  it('computes Jain\u2019s index', () => {
    expect(jainIndex([5, 5])).toBe(1);
    expect(jainIndex([10, 0])).toBe(0.5);
  });
});
