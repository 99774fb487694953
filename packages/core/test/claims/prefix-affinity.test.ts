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
    // 128 of 128 on the modal pod: Wilson lower bound 97.1%; the lead over the control is a Newcombe interval.
    expect(v.details).toMatch(/modal-pod share ≥ 90%: 95% CI 97\.1%–100%, n=128; vs random 60% \+ 15%: 95% CI 97\.1%–100%, n=128; lead over control 'random-picker' ≥ \+15%: 95% CI \+\d/);
    expect(v.confidence?.map((c) => [c.interval.method, c.status])).toEqual([
      ['wilson', 'Pass'],
      ['wilson', 'Pass'],
      ['newcombe', 'Pass'],
    ]);
  });

  it('is inconclusive on a perfect but small sample, saying how many requests would settle it', async () => {
    // 32 of 32 sticky: the Wilson lower bound is 89.3%, under the 90% bar; 35 requests would clear it.
    const main = await run(groupedRecords(4, 8, (g) => sticky(g)), { podRoles: { ...podRoles } });
    const [v] = evaluateClaims([{ id: 'prefix-affinity', minDominantShare: 0.9 }], ctx(main));
    expect(v.status).toBe('Inconclusive');
    expect(v.details).toMatch(/too few requests to decide modal-pod share ≥ 90% at 95%: modal-pod share ≥ 90%: 95% CI 89\.3%–100%, n=32; ~35 requests would separate it from 90%/);
    expect(v.confidence?.[0]).toMatchObject({ status: 'Inconclusive', neededN: 35 });
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
    // 14 of 16 on the modal pod (0.875) passes the absolute bar of 0.8 but the control is as sticky (13 of 16).
    // 16 groups: at 4 groups the lead's interval (+6% observed) still reached the 15% margin (Inconclusive).
    const main = await run(groupedRecords(16, 16, (g, i) => (i < 14 ? sticky(g) : sticky(g + 1))), { podRoles: { ...podRoles } });
    const control = await run(groupedRecords(16, 16, (g, i) => (i < 13 ? sticky(g) : sticky(g + 1))), { podRoles: { ...podRoles } });
    const [v] = evaluateClaims([{ id: 'prefix-affinity' }], ctx(main, { 'random-picker': control }));
    expect(v.status).toBe('Fail');
    expect(v.details).toMatch(/\(not 15% above the control\); modal-pod share ≥ 80%: 95% CI /);
    expect(v.confidence?.map((c) => c.status)).toEqual(['Pass', 'Pass', 'Fail']);
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

describe('prefix-affinity: the weakest group', () => {
  it('holds back an otherwise passing verdict when one group is under its bar but too small to fail it', async () => {
    // 15 groups stick; group 15 splits 4/4 (50% < 60%, but its interval reaches 85%).
    const main = await run(groupedRecords(16, 8, (g, i) => (g === 15 && i % 2 ? sticky(g + 1) : sticky(g))), { podRoles: { ...podRoles } });
    const [v] = evaluateClaims([{ id: 'prefix-affinity' }], ctx(main));
    expect(v.status).toBe('Inconclusive');
    expect(v.details).toMatch(/too few requests to decide group group-15 ≥ 60% at 95%: .*group group-15 ≥ 60%: 95% CI 21\.5%–78\.5%, n=8;/);
  });

  it('fails when one group is wholly under its bar', async () => {
    // Three pods, so a group can fall well under 60% on its modal pod: group 15 splits 14/13/13 (35% of 40).
    const pods = ['a', 'b', 'c'];
    const roles = { a: 'both', b: 'both', c: 'both' } as const;
    const main = await run(
      groupedRecords(16, 40, (g, i) => (g === 15 ? pods[i < 14 ? 0 : i < 27 ? 1 : 2] : pods[g % 3])),
      { podRoles: { ...roles } },
    );
    const [v] = evaluateClaims([{ id: 'prefix-affinity', minDominantShare: 0.8 }], ctx(main));
    expect(v.status).toBe('Fail');
    expect(v.details).toMatch(/\(a group below 60%\); .*group group-15 ≥ 60%: 95% CI 22\.1%–50\.5%, n=40$/);
  });
});
