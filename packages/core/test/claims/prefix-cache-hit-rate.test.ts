import { afterAll, describe, expect, it } from 'vitest';
import { evaluateClaims } from '../../src/claims/evaluate.ts';
import type { RequestRecord } from '../../src/record/request-record.ts';
import { closeFixtureServers, collect, ctx, randomPicker, rec, run, vllmText } from './evidence-fixtures.ts';

afterAll(closeFixtureServers);

const PROMPT = 301;
const PREFIX = 256;

/**
 * Records of `groups` × `perGroup` shared-prefix requests (interleaved by group) routed by `pick`, with the pods'
 * prefix caches modelled: a request hits PREFIX tokens when an earlier request of its group ran on the same pod.
 * Hits are fast (TTFT 8 ms), misses slow (40 ms), as prefill of the uncached tokens dominates TTFT.
 */
function routed(groups: number, perGroup: number, pick: (g: number) => string, over: Partial<RequestRecord> = {}): RequestRecord[] {
  const cachedOn = new Map<number, Set<string>>();
  const out: RequestRecord[] = [];
  for (let i = 0; i < perGroup; i++)
    for (let g = 0; g < groups; g++) {
      const pod = pick(g);
      const pods = cachedOn.get(g) ?? new Set<string>();
      const hit = pods.has(pod);
      pods.add(pod);
      cachedOn.set(g, pods);
      out.push(rec({ seq: out.length, groupId: `group-${g}`, pod, promptTokens: PROMPT, cachedTokens: hit ? PREFIX : 0, ttftMs: hit ? 8 : 40, ...over }));
    }
  return out;
}
const affinity = (groups: number, perGroup: number) => routed(groups, perGroup, (g) => `agg-${g % 2}`);
const random = (groups: number, perGroup: number, seed = 'rnd') => {
  const next = randomPicker(['agg-0', 'agg-1'], seed);
  return routed(groups, perGroup, () => next());
};
const zeroReuse = (n: number) => Array.from({ length: n }, (_, i) => rec({ seq: i, groupId: `unique-${i}`, pod: `agg-${i % 2}`, promptTokens: PROMPT, cachedTokens: 0, ttftMs: 40 }));

const withRecords = (rs: RequestRecord[], extra = {}) => run(rs, { records: rs, podRoles: { 'agg-0': 'both', 'agg-1': 'both' }, ...extra });

describe('prefix-cache-hit-rate: judged against random routing', () => {
  it('passes a prefix-aware router against the measured random-picker control and the zero-reuse floor', async () => {
    const main = await withRecords(affinity(24, 4));
    const controls = { 'random-picker': await withRecords(random(24, 4)), 'zero-reuse': await withRecords(zeroReuse(96)) };
    const [v] = evaluateClaims([{ id: 'prefix-cache-hit-rate' }], ctx(main, controls));
    expect(v.status).toBe('Pass');
    expect(v.details).toMatch(/^64% cache hit rate \(18432\/28896 prompt tokens\); reuse capture 100% vs random \d+% \(control 'random-picker'\)/);
    expect(v.details).toMatch(/TTFT p50 8 ms on hits vs 40 ms on misses/);
    expect(v.details).toMatch(/vs 'random-picker' \(lift ≥ 1\d%\): 95% CI \+\d+(\.\d)?%–\+\d+(\.\d)?%, n=72 \(per-request units\)$/);
    expect(v.confidence?.map((c) => c.status)).toEqual(['Pass', 'Pass']);
    expect(v.sources).toEqual(['usage:prompt_tokens_details.cached_tokens', 'control:zero-reuse', 'control:random-picker']);
    expect(v.evidence).toMatchObject({ reuseCapture: 1, randomBasis: 'control', reusableRequests: 72, ttftHitP50Ms: 8, ttftMissP50Ms: 40, randomControlTtftP50Ms: 8 });
  });

  it('fails the random-picker control row on the computed random expectation (it has no random control of its own)', async () => {
    const main = await withRecords(random(24, 4));
    const [v] = evaluateClaims([{ id: 'prefix-cache-hit-rate' }], ctx(main, { 'zero-reuse': await withRecords(zeroReuse(96)) }));
    expect(v.status).toBe('Fail');
    // Request i of a group finds its prefix with probability 1 − ½^i on 2 pods: (½ + ¾ + ⅞)/3 ≈ 71%.
    expect(v.details).toMatch(/random routing over 2 pods would give 71%, bar 85%/);
    expect(v.evidence).toMatchObject({ randomBasis: 'computed', randomCapture: 0.7083 });
    expect(v.confidence?.find((c) => c.test.startsWith('reuse capture'))?.status).toBe('Fail');
  });

  it('fails the zero-reuse control row: nothing to reuse, hit rate under the floor', async () => {
    const main = await withRecords(zeroReuse(96));
    const [v] = evaluateClaims([{ id: 'prefix-cache-hit-rate' }], ctx(main, { 'random-picker': await withRecords(random(24, 4)) }));
    expect(v.status).toBe('Fail');
    expect(v.details).toMatch(/^0% cache hit rate .*no request shared a prefix with an earlier one.*\(below 5%\); floor: 95% CI 0%–3\.8%, n=96/);
  });

  it('is Inconclusive on a small sample, naming the requests that would settle it', async () => {
    const main = await withRecords(affinity(4, 4));
    const [v] = evaluateClaims([{ id: 'prefix-cache-hit-rate' }], ctx(main, { 'random-picker': await withRecords(random(4, 4, 'small')), 'zero-reuse': await withRecords(zeroReuse(16)) }));
    expect(v.status).toBe('Inconclusive');
    expect(v.details).toMatch(/too few requests to decide at 95%: .*~\d+ requests would separate it from/);
  });

  it('never passes on the floor alone: without a random baseline the verdict is Inconclusive', async () => {
    // No group ids: no request is known to be reusable, and no random-picker control ran.
    const rs = Array.from({ length: 40 }, (_, i) => rec({ seq: i, promptTokens: 400, cachedTokens: 320 }));
    const [v] = evaluateClaims([{ id: 'prefix-cache-hit-rate' }], ctx(await run(rs, { records: rs })));
    expect(v.status).toBe('Inconclusive');
    expect(v.details).toMatch(/no random-routing baseline to judge the routing by/);
    expect(v.evidence.hitRate).toBe(0.8);
  });
});

describe('prefix-cache-hit-rate: evidence sources', () => {
  it('reads the pods\u2019 token counters for the headline; counters only ⇒ approximate interval, n = requests', async () => {
    // Baseline 100/1000 then +1460 hits of +2000 queries on agg-0, +0/+0 on agg-1 (the seed's one-pod picture).
    const metrics = await collect([
      { name: 'agg-0', states: [vllmText({ prefixHits: 100, prefixQueries: 1000 }), vllmText({ prefixHits: 800, prefixQueries: 2000 }), vllmText({ prefixHits: 1560, prefixQueries: 3000 })] },
      { name: 'agg-1', states: [vllmText({ prefixHits: 0, prefixQueries: 0 })] },
    ]);
    const ctrl = await collect([{ name: 'agg-0', states: [vllmText({ prefixHits: 0, prefixQueries: 0 }), vllmText({ prefixHits: 200, prefixQueries: 2000 })] }]);
    // The server did not report prompt_tokens_details: no per-request units.
    const silent = () => Array.from({ length: 200 }, (_, i) => rec({ seq: i, promptTokens: 300, cachedTokens: null }));
    const main = await run(silent(), { metrics, records: silent() });
    const [v] = evaluateClaims([{ id: 'prefix-cache-hit-rate' }], ctx(main, { 'random-picker': await run(silent(), { metrics: ctrl, records: silent() }) }));
    expect(v.details).toMatch(/^73% cache hit rate \(1460\/2000 prompt tokens; agg-0 73%, agg-1 n\/a\); control 'random-picker' 10%/);
    expect(v.details).toMatch(/\(approximate: counters only, n = requests\)$/);
    expect(v.status).toBe('Pass');
    expect(v.sources).toEqual(['metrics:vllm:prefix_cache_hits_total', 'control:random-picker']);
    expect(v.evidence).toMatchObject({ hits: 1460, queries: 2000, hitRate: 0.73, intervalApproximate: true, requests: 200 });
  });

  it('is inconclusive when the pod that served could not be scraped, or nothing reports cache use', async () => {
    const metrics = await collect([
      { name: 'agg-0', states: [vllmText({ prefixHits: 0, prefixQueries: 0 }), vllmText({ prefixHits: 900, prefixQueries: 1000 })] },
      { name: 'agg-1', states: 'garbage' },
    ]);
    const records = () => Array.from({ length: 20 }, () => rec({ promptTokens: 300, cachedTokens: 0 }));
    // agg-1 never produced a parseable scrape: it may have served cached requests, so no cluster rate.
    const [u] = evaluateClaims([{ id: 'prefix-cache-hit-rate' }], ctx(await run(records(), { metrics })));
    expect(u.status).toBe('Inconclusive');
    expect(u.details).toMatch(/^scrape errors: agg-1 \(before: /);

    const silent = Array.from({ length: 20 }, () => rec({ promptTokens: 300, cachedTokens: null }));
    const [w] = evaluateClaims([{ id: 'prefix-cache-hit-rate' }], ctx(await run(silent, { records: silent })));
    expect(w.status).toBe('Inconclusive');
    expect(w.details).toMatch(/no prefix cache counters scraped/);
  });

  it('says whether the cache was reset before the run or was warm', async () => {
    const controls = async () => ({ 'random-picker': await withRecords(random(24, 4)), 'zero-reuse': await withRecords(zeroReuse(96)) });
    const cold = await withRecords(affinity(24, 4), { cacheState: { cold: true, pods: { 'agg-0': { outcome: 'reset', httpStatus: 200 }, 'agg-1': { outcome: 'reset', httpStatus: 200 } } } });
    const [a] = evaluateClaims([{ id: 'prefix-cache-hit-rate' }], ctx(cold, await controls()));
    expect(a.details).toMatch(/; cache reset before the run;/);
    expect(a.evidence.cacheState).toMatchObject({ cold: true });
    const warm = await withRecords(affinity(24, 4), { cacheState: { cold: false, pods: { 'agg-0': { outcome: 'not-allowed', httpStatus: 404 }, 'agg-1': { outcome: 'reset', httpStatus: 200 } } } });
    const [b] = evaluateClaims([{ id: 'prefix-cache-hit-rate' }], ctx(warm, await controls()));
    expect(b.details).toMatch(/; cache was warm \(reset not allowed\): judged on counter deltas;/);
  });
});
