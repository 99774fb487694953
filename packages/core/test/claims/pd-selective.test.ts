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
    { name: 'decode-0', role: 'decode', states: [vllmText({ success: 0 }), vllmText({ success: 80 })] },
  ]);

describe('pd-selective', () => {
  it('passes when short prompts stay decode-only and long ones split (decisions counted once across both metric names)', async () => {
    // 40 per class: a perfect class of 40 has a Wilson lower bound of 91.2%, over the 90% bar.
    const metrics = await pd({ 'decode-only': 40, 'prefill-decode': 40 }, 40);
    const [v] = evaluateClaims([{ id: 'pd-selective', thresholdTokens: 16 }], ctx(await run(mix(40, 40), { metrics }), {}, 'P/D'));
    expect(v.status).toBe('Pass');
    expect(v.details).toBe(
      'short requests skip prefill, long requests trigger P/D split: 40 short / 40 long requests (nonCachedTokens 16, ≈64 uncached prompt bytes): 40 P/D splits, 40 decode-only; prefill pods served 40; ' +
        'long split ≥ 90%: 95% CI 91.2%–100%, n=40; short decode-only ≥ 90%: 95% CI 91.2%–100%, n=40; splits served by prefill ≥ 90%: 95% CI 91.2%–100%, n=40',
    );
    expect(v.confidence?.map((c) => c.status)).toEqual(['Pass', 'Pass', 'Pass']);
    expect(v.sources).toContain('metrics:llm_d_inference_scheduler_disagg_decision_total');
    expect(v.mode).toBe('P/D');
  });

  it('is inconclusive when a perfect split is seen on too few requests to clear the bar', async () => {
    const metrics = await pd({ 'decode-only': 10, 'prefill-decode': 10 }, 10);
    const [v] = evaluateClaims([{ id: 'pd-selective', thresholdTokens: 16 }], ctx(await run(mix(10, 10), { metrics }), {}, 'P/D'));
    expect(v.status).toBe('Inconclusive');
    expect(v.details).toMatch(/too few requests to decide long split ≥ 90%, short decode-only ≥ 90%, splits served by prefill ≥ 90% at 95%: long split ≥ 90%: 95% CI 72\.2%–100%, n=10; ~35 requests would separate it from 90%/);
  });

  it('fails when P/D never splits (the seed\u2019s precise-scorer P/D: prefill pods see nothing) or splits everything', async () => {
    const never = await pd({ 'decode-only': 20, 'prefill-decode': 0 }, 0);
    const [v] = evaluateClaims([{ id: 'pd-selective' }], ctx(await run(mix(10, 10), { metrics: never })));
    expect(v.status).toBe('Fail');
    expect(v.details).toMatch(/long requests did not trigger a P\/D split \(0% of long\)/);
    const always = await pd({ 'decode-only': 0, 'prefill-decode': 20 }, 20);
    const [w] = evaluateClaims([{ id: 'pd-selective' }], ctx(await run(mix(10, 10), { metrics: always })));
    expect(w.status).toBe('Fail');
    expect(w.details).toMatch(/short requests were split too \(10 extra splits\)\); long split ≥ 90%: 95% CI 72\.2%–100%, n=10; ~35 requests would separate it from 90%; short decode-only ≥ 90%: 95% CI 0%–27\.8%, n=10;/);
    expect(w.confidence?.map((c) => c.status)).toEqual(['Inconclusive', 'Fail', 'Inconclusive']);
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
