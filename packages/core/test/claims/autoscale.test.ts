import { afterAll, describe, expect, it } from 'vitest';
import { evaluateClaims } from '../../src/claims/evaluate.ts';
import { closeFixtureServers, collect, ctx, eppText, rec, run } from './evidence-fixtures.ts';

afterAll(closeFixtureServers);
const staged = (drainErrors = 0) => [
  ...Array.from({ length: 10 }, () => rec({ stage: 0 })),
  ...Array.from({ length: 20 }, () => rec({ stage: 1 })),
  ...Array.from({ length: 8 }, (_, i) => (i < drainErrors ? rec({ stage: 2, status: 'error', httpStatus: 503, errorClass: 'http_5xx' }) : rec({ stage: 2 }))),
];
const ready = (xs: number[]) => xs.map((n) => eppText({ readyPods: n }));

describe('autoscale', () => {
  it('passes when ready pods go 1 → 4 → 1 and the drain stage has no failed request', async () => {
    const metrics = await collect([{ name: 'epp', states: ready([1, 1, 2, 3, 4, 4, 2, 1]) }]);
    const [v] = evaluateClaims([{ id: 'autoscale', minReplicas: 2, maxFailedShare: 0, maxReplicas: 4 }], ctx(await run(staged(), { metrics })));
    expect(v.status).toBe('Pass');
    expect(v.details).toMatch(/^scales 1 to 4 pods, drains cleanly on scale-down: ready pods 1→2→3→4→2→1 \(start 1, peak 4, end 1\); drain stage 2: 0\/8 requests failed$/);
  });

  it('fails when the pool never scales out, does not scale back, or drops requests while draining', async () => {
    const flat = await collect([{ name: 'epp', states: ready([1, 1, 1, 1]) }]);
    expect(evaluateClaims([{ id: 'autoscale' }], ctx(await run(staged(), { metrics: flat })))[0].details).toMatch(/never scaled out to 2/);
    const stuck = await collect([{ name: 'epp', states: ready([1, 2, 3, 3]) }]);
    const [s] = evaluateClaims([{ id: 'autoscale' }], ctx(await run(staged(), { metrics: stuck })));
    expect(s.status).toBe('Fail');
    expect(s.details).toMatch(/did not scale back to 1/);
    const ok = await collect([{ name: 'epp', states: ready([1, 2, 3, 1]) }]);
    const [d] = evaluateClaims([{ id: 'autoscale' }], ctx(await run(staged(2), { metrics: ok })));
    expect(d.status).toBe('Fail');
    expect(d.details).toMatch(/25% of drain-stage requests failed/);
  });

  it('is inconclusive without the EPP ready-pods gauge', async () => {
    const [v] = evaluateClaims([{ id: 'autoscale' }], ctx(await run(staged())));
    expect(v.status).toBe('Inconclusive');
    expect(v.details).toMatch(/EPP was not scraped/);
    const noGauge = await collect([{ name: 'epp', states: [eppText({})] }]);
    const [w] = evaluateClaims([{ id: 'autoscale' }], ctx(await run(staged(), { metrics: noGauge })));
    expect(w.details).toBe('the EPP exposed no inference_pool_ready_pods gauge');
  });
});
