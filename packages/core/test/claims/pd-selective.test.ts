import { afterAll, describe, expect, it } from 'vitest';
import { evaluateClaims } from '../../src/claims/evaluate.ts';
import { closeFixtureServers, collect, ctx, eppText, rec, run, vllmText } from './evidence-fixtures.ts';

afterAll(closeFixtureServers);
const mix = (short: number, long: number) => [
  ...Array.from({ length: short }, () => rec({ tags: { class: 'short' }, pod: 'decode-0' })),
  ...Array.from({ length: long }, () => rec({ tags: { class: 'long' }, pod: 'decode-0' })),
];
const pd = async (decisions: Record<string, number>, prefillServed: number) =>
  collect([
    { name: 'epp', states: [eppText({ decisions: { 'decode-only': 0, 'prefill-decode': 0 } }), eppText({ decisions })] },
    { name: 'prefill-0', role: 'prefill', states: [vllmText({ success: 0 }), vllmText({ success: prefillServed })] },
    { name: 'decode-0', role: 'decode', states: [vllmText({ success: 0 }), vllmText({ success: 20 })] },
  ]);

describe('pd-selective', () => {
  it('passes when short prompts stay decode-only and long ones split (decisions counted once across both metric names)', async () => {
    const metrics = await pd({ 'decode-only': 10, 'prefill-decode': 10 }, 10);
    const [v] = evaluateClaims([{ id: 'pd-selective', thresholdTokens: 16 }], ctx(await run(mix(10, 10), { metrics }), {}, 'P/D'));
    expect(v.status).toBe('Pass');
    expect(v.details).toBe(
      'short requests skip prefill, long requests trigger P/D split: 10 short / 10 long requests (nonCachedTokens 16, ≈64 uncached prompt bytes): 10 P/D splits, 10 decode-only; prefill pods served 10',
    );
    expect(v.sources).toContain('metrics:llm_d_inference_scheduler_disagg_decision_total');
    expect(v.mode).toBe('P/D');
  });

  it('fails when P/D never splits (the seed\u2019s precise-scorer P/D: prefill pods see nothing) or splits everything', async () => {
    const never = await pd({ 'decode-only': 20, 'prefill-decode': 0 }, 0);
    const [v] = evaluateClaims([{ id: 'pd-selective' }], ctx(await run(mix(10, 10), { metrics: never })));
    expect(v.status).toBe('Fail');
    expect(v.details).toMatch(/long requests did not trigger a P\/D split \(0% of long\)/);
    const always = await pd({ 'decode-only': 0, 'prefill-decode': 20 }, 20);
    const [w] = evaluateClaims([{ id: 'pd-selective' }], ctx(await run(mix(10, 10), { metrics: always })));
    expect(w.status).toBe('Fail');
    expect(w.details).toMatch(/short requests were split too \(10 extra splits\)/);
  });

  it('reads nonCachedTokens 0 by generation: v0.7+ never splits (SCHED PR #691), v0.6 always split; neither is selective', async () => {
    const never = await pd({ 'decode-only': 20, 'prefill-decode': 0 }, 0);
    const [v] = evaluateClaims([{ id: 'pd-selective', thresholdTokens: 0, deciderSemantics: 'v0.7' }], ctx(await run(mix(10, 10), { metrics: never })));
    expect(v.status).toBe('Fail');
    expect(v.details).toMatch(/^nonCachedTokens 0 disables the prefix-based decider in v0\.7 .*: nothing is split; 0 P\/D splits/);
    const always = await pd({ 'decode-only': 0, 'prefill-decode': 20 }, 20);
    const [w] = evaluateClaims([{ id: 'pd-selective', thresholdTokens: 0, deciderSemantics: 'legacy-v0.6' }], ctx(await run(mix(10, 10), { metrics: always })));
    expect(w.status).toBe('Fail');
    expect(w.details).toMatch(/^nonCachedTokens 0 means always split in scheduler v0\.6/);
  });

  it('is inconclusive without decision counters or prefill counters, or without both classes', async () => {
    const [v] = evaluateClaims([{ id: 'pd-selective' }], ctx(await run(mix(10, 10))));
    expect(v.status).toBe('Inconclusive');
    expect(v.details).toMatch(/neither the EPP disaggregation decisions/);
    const [w] = evaluateClaims([{ id: 'pd-selective' }], ctx(await run(mix(0, 10))));
    expect(w.details).toBe('need both short and long requests (tag:class=short 0, tag:class=long 10)');
  });
});
