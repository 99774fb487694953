import { describe, expect, it } from 'vitest';
import { evaluateClaims } from '../../src/claims/evaluate.ts';
import { readPreciseScores } from '../../src/claims/precise-scores.ts';
import { ctx, groupedRecords, randomPicker, run } from './evidence-fixtures.ts';

const podRoles = { 'prefill-0': 'prefill', 'prefill-1': 'prefill', 'decode-0': 'decode', 'decode-1': 'decode' } as const;
const DECODE = ['decode-0', 'decode-1'];
// Real EPP verbose lines (seed's precise-aggregated-testing.md shapes).
const goodLog = [
  '{"level":"debug","msg":"Got endpoint scores","scores":{"10.42.0.98:8000":2}}',
  '{"level":"debug","plugin":"precise-prefix-cache-scorer","endpoint":"89bgk","score":1}',
  '{"level":"debug","plugin":"precise-prefix-cache-scorer","endpoint":"ztkbs","score":0}',
].join('\n');
const zeroLog = [
  '{"level":"debug","msg":"Got endpoint scores","scores":null}',
  '{"level":"debug","msg":"Got endpoint scores","scores":{}}',
  '{"level":"debug","plugin":"precise-prefix-cache-scorer","endpoint":"5lz4h","score":0}',
  '{"level":"debug","plugin":"precise-prefix-cache-scorer","endpoint":"5s2zm","score":0}',
].join('\n');

describe('precise-prefix', () => {
  it('passes when scores are non-zero and groups stick to a decode pod', async () => {
    const main = await run(groupedRecords(6, 10, (g) => DECODE[g % 2]), { podRoles: { ...podRoles }, eppLog: goodLog });
    const [v] = evaluateClaims([{ id: 'precise-prefix', minDominantShare: 0.9 }], ctx(main, {}, 'P/D'));
    expect(v.status).toBe('Pass');
    expect(v.details).toMatch(/^precise prefix scorer routes groups to the pod holding their blocks: 6 group\(s\), 60 requests: 100% .*; scorer gave a non-zero score 2\/3 times$/);
    expect(v.sources[0]).toBe('epp-log:precise-prefix-cache-scorer');
    expect(v.evidence.pods).toEqual(DECODE);
  });

  // 60 requests scored on 2 decode pods, every score 0: 120 lines, plus the two empty maps.
  const zeroRunLog = [zeroLog, ...Array.from({ length: 118 }, (_, i) => `{"level":"debug","plugin":"precise-prefix-cache-scorer","endpoint":"p${i % 2}","score":0}`)].join('\n');

  it('fails with the seed\u2019s wording when the scorer returns 0 for all endpoints (KV events dropped)', async () => {
    const pick = randomPicker(DECODE, 'dropped');
    const main = await run(groupedRecords(6, 10, () => pick()), { podRoles: { ...podRoles }, eppLog: zeroRunLog });
    const [v] = evaluateClaims([{ id: 'precise-prefix' }], ctx(main, {}, 'P/D'));
    expect(v.status).toBe('Fail');
    expect(v.details).toMatch(/^KV events not reaching EPP, or not matching its endpoints \(topic kv@<pod-id>@<model> needs pod id = IP:port\); scorer returns 0 for all endpoints \(120 scores, 2 empty score maps in the EPP log; non-zero share 95% CI 0%–3\.1%, n=122\)/);
    expect(v.confidence?.[0]).toMatchObject({ status: 'Fail', n: 122, bar: 0.05 });
  });

  it('keeps its own test when routing alone cannot decide: every group on one pod, scorer all zero', async () => {
    // The dropped-events control at ~6% of runs: all 5 groups on one decode pod. prefix-affinity calls that
    // Inconclusive ("one pod taking everything"); the all-zero scorer still Fails on its own interval.
    const main = await run(groupedRecords(5, 12, () => 'decode-0'), { podRoles: { ...podRoles }, eppLog: zeroRunLog });
    const [v] = evaluateClaims([{ id: 'precise-prefix' }], ctx(main, {}, 'P/D'));
    expect(v.status).toBe('Fail');
    expect(v.details).toMatch(/95% CI 0%–3\.1%/);
    expect(v.confidence?.map((c) => c.status)).toContain('Fail');
  });

  it('is inconclusive when too few all-zero score lines were seen to call the scorer broken', async () => {
    const pick = randomPicker(DECODE, 'few');
    const main = await run(groupedRecords(6, 10, () => pick()), { podRoles: { ...podRoles }, eppLog: zeroLog });
    const [v] = evaluateClaims([{ id: 'precise-prefix' }], ctx(main, {}, 'P/D'));
    expect(v.status).toBe('Inconclusive');
    expect(v.details).toMatch(/^the precise scorer returned 0 for every endpoint, but on too few score lines to call it broken \(2 scores, 2 empty score maps in the EPP log; non-zero share 95% CI 0%–49%, n=4; ~73 score lines would separate it from 5%\)/);
  });

  it('fails on routing alone when no score lines were collected and groups scatter', async () => {
    const pick = randomPicker(DECODE, 'scatter');
    const main = await run(groupedRecords(6, 10, () => pick()), { podRoles: { ...podRoles } });
    const [v] = evaluateClaims([{ id: 'precise-prefix' }], ctx(main, {}, 'P/D'));
    expect(v.status).toBe('Fail');
    expect(v.details).toMatch(/consistent with KV events not reaching the EPP/);
  });

  it('is inconclusive without per-request attribution', async () => {
    const main = await run(groupedRecords(6, 10, () => null), { podRoles: { ...podRoles }, eppLog: goodLog });
    const [v] = evaluateClaims([{ id: 'precise-prefix' }], ctx(main));
    expect(v.status).toBe('Inconclusive');
  });

  it('reads no scores from a log without scorer lines', () => {
    expect(readPreciseScores('{"msg":"Request handled","endpoint":"127.0.0.1:1"}')).toBeNull();
    expect(readPreciseScores(undefined)).toBeNull();
  });
});
