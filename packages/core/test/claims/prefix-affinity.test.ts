import { describe, expect, it } from 'vitest';
import { evaluateClaims } from '../../src/claims/evaluate.ts';
import { ctx, groupedRecords, randomPicker, run } from './evidence-fixtures.ts';

const PODS = ['agg-0', 'agg-1'];
const podRoles = { 'agg-0': 'both', 'agg-1': 'both' } as const;
const sticky = (g: number) => PODS[g % 2];

describe('prefix-affinity', () => {
  it('passes when every group sticks to one pod and groups spread over pods, and beats the random control', async () => {
    const pick = randomPicker(PODS, 'control');
    const main = await run(groupedRecords(8, 16, (g) => sticky(g)), { podRoles: { ...podRoles } });
    const control = await run(groupedRecords(8, 16, () => pick()), { podRoles: { ...podRoles } });
    const [v] = evaluateClaims([{ id: 'prefix-affinity', minDominantShare: 0.9 }], ctx(main, { 'random-picker': control }));
    expect(v.status).toBe('Pass');
    expect(v.details).toMatch(/prefix affinity routes to same pod: 8 group\(s\), 128 requests: 100% of each group's requests on its modal pod/);
    expect(v.sources).toContain('header:x-inference-pod');
    expect(v.sources).toContain('control:random-picker');
    expect(v.evidence.randomBaseline).toBeCloseTo(0.598, 2);
    expect(v.thresholds).toMatchObject({ minDominantShare: 0.9, margin: 0.15 });
  });

  it('fails on the random-picker control run itself (no claim passes on its negative control)', async () => {
    const pick = randomPicker(PODS, 'random-main');
    const main = await run(groupedRecords(8, 16, () => pick()), { podRoles: { ...podRoles } });
    const [v] = evaluateClaims([{ id: 'prefix-affinity', minDominantShare: 0.5 }], ctx(main));
    // Even with a lax absolute threshold, a random picker does not beat its own expectation by the margin.
    expect(v.status).toBe('Fail');
    expect(v.details).toMatch(/not 15% above the random baseline/);
  });

  it('fails when the main run is no better than the measured control', async () => {
    // 14 of 16 on the modal pod (0.875) passes the absolute bar of 0.8 but the control is as sticky.
    const main = await run(groupedRecords(4, 16, (g, i) => (i < 14 ? sticky(g) : sticky(g + 1))), { podRoles: { ...podRoles } });
    const control = await run(groupedRecords(4, 16, (g, i) => (i < 13 ? sticky(g) : sticky(g + 1))), { podRoles: { ...podRoles } });
    const [v] = evaluateClaims([{ id: 'prefix-affinity' }], ctx(main, { 'random-picker': control }));
    expect(v.status).toBe('Fail');
    expect(v.details).toMatch(/not 15% above the control/);
  });

  it('is inconclusive without per-request attribution, or when a required control is missing', async () => {
    const main = await run(groupedRecords(4, 8, () => null), { podRoles: { ...podRoles } });
    const [v] = evaluateClaims([{ id: 'prefix-affinity' }], ctx(main));
    expect(v.status).toBe('Inconclusive');
    expect(v.details).toMatch(/no per-request pod attribution for 100% of grouped requests/);

    const ok = await run(groupedRecords(4, 8, (g) => sticky(g)), { podRoles: { ...podRoles } });
    const [w] = evaluateClaims([{ id: 'prefix-affinity', control: 'random-picker' }], ctx(ok));
    expect(w.status).toBe('Inconclusive');
    expect(w.details).toMatch(/control run 'random-picker' is required but missing/);
  });

  it('is inconclusive when every group went to one pod (cannot tell affinity from a pod taking everything)', async () => {
    const main = await run(groupedRecords(8, 8, () => 'agg-0'), { podRoles: { ...podRoles } });
    const [v] = evaluateClaims([{ id: 'prefix-affinity' }], ctx(main));
    expect(v.status).toBe('Inconclusive');
  });

  it('is inconclusive when the client was the bottleneck', async () => {
    const main = await run(groupedRecords(8, 16, (g) => sticky(g)), { podRoles: { ...podRoles } });
    main.summary.meta.client = { bottleneck: true, bottleneckReason: 'event-loop lag 800 ms' };
    const [v] = evaluateClaims([{ id: 'prefix-affinity' }], ctx(main));
    expect(v.status).toBe('Inconclusive');
    expect(v.details).toMatch(/load generator was the bottleneck \(event-loop lag 800 ms\)/);
  });
});
