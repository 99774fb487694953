import { afterAll, describe, expect, it } from 'vitest';
import { evaluateClaims } from '../../src/claims/evaluate.ts';
import { closeFixtureServers, collect, ctx, rec, run, vllmText } from './evidence-fixtures.ts';

afterAll(closeFixtureServers);

const records = () => Array.from({ length: 20 }, () => rec({ promptTokens: 300, cachedTokens: 0 }));

describe('prefix-cache-hit-rate', () => {
  it('passes on the pods\u2019 token counters (73%) and beats the zero-reuse control', async () => {
    // Baseline 100/1000 then +1460 hits of +2000 queries on agg-0, +0/+0 on agg-1 (the seed's one-pod picture).
    const metrics = await collect([
      { name: 'agg-0', states: [vllmText({ prefixHits: 100, prefixQueries: 1000 }), vllmText({ prefixHits: 800, prefixQueries: 2000 }), vllmText({ prefixHits: 1560, prefixQueries: 3000 })] },
      { name: 'agg-1', states: [vllmText({ prefixHits: 0, prefixQueries: 0 })] },
    ]);
    const control = await collect([
      { name: 'agg-0', states: [vllmText({ prefixHits: 0, prefixQueries: 0 }), vllmText({ prefixHits: 16, prefixQueries: 1000 })] },
      { name: 'agg-1', states: [vllmText({ prefixHits: 0, prefixQueries: 0 }), vllmText({ prefixHits: 0, prefixQueries: 1000 })] },
    ]);
    const main = await run(records(), { metrics });
    const [v] = evaluateClaims([{ id: 'prefix-cache-hit-rate', minHitRate: 0.5 }], ctx(main, { 'zero-reuse': await run(records(), { metrics: control }) }));
    expect(v.status).toBe('Pass');
    expect(v.details).toMatch(/^73% cache hit rate \(1460\/2000 prompt tokens; agg-0 73%, agg-1 n\/a\); control 'zero-reuse' 1%/);
    expect(v.sources).toEqual(['metrics:vllm:prefix_cache_hits_total', 'control:zero-reuse']);
    expect(v.evidence).toMatchObject({ hits: 1460, queries: 2000, hitRate: 0.73, controlHitRate: 0.008 });
  });

  it('fails on the zero-reuse control run itself, and when the lift over the control is too small', async () => {
    const low = await collect([{ name: 'agg-0', states: [vllmText({ prefixHits: 0, prefixQueries: 0 }), vllmText({ prefixHits: 30, prefixQueries: 2000 })] }]);
    const [v] = evaluateClaims([{ id: 'prefix-cache-hit-rate' }], ctx(await run(records(), { metrics: low })));
    expect(v.status).toBe('Fail');
    expect(v.details).toMatch(/2% cache hit rate .*below 50%/);

    const mid = await collect([{ name: 'agg-0', states: [vllmText({ prefixHits: 0, prefixQueries: 0 }), vllmText({ prefixHits: 1200, prefixQueries: 2000 })] }]);
    const ctrl = await collect([{ name: 'agg-0', states: [vllmText({ prefixHits: 0, prefixQueries: 0 }), vllmText({ prefixHits: 1000, prefixQueries: 2000 })] }]);
    const [w] = evaluateClaims([{ id: 'prefix-cache-hit-rate' }], ctx(await run(records(), { metrics: mid }), { 'zero-reuse': await run(records(), { metrics: ctrl }) }));
    expect(w.status).toBe('Fail');
    expect(w.details).toMatch(/not 20% above the control/);
  });

  it('is inconclusive when the pod that served could not be scraped, or nothing reports cache use', async () => {
    const metrics = await collect([
      { name: 'agg-0', states: [vllmText({ prefixHits: 0, prefixQueries: 0 }), vllmText({ prefixHits: 900, prefixQueries: 1000 })] },
      { name: 'agg-1', states: 'garbage' },
    ]);
    // agg-1 never produced a parseable scrape: it may have served cached requests, so no cluster rate.
    const [u] = evaluateClaims([{ id: 'prefix-cache-hit-rate' }], ctx(await run(records(), { metrics })));
    expect(u.status).toBe('Inconclusive');
    expect(u.details).toMatch(/^scrape errors: agg-1 \(before: /);
    metrics.sources[0].targets = metrics.sources[0].targets.filter((t) => t.name === 'agg-0');
    const broken = structuredClone(metrics);
    broken.sources[0].targets.find((t) => t.name === 'agg-0')!.complete = false;
    broken.sources[0].errors.push({ target: 'agg-0', phase: 'after', atMs: 0, message: 'timeout after 300 ms' });
    const [v] = evaluateClaims([{ id: 'prefix-cache-hit-rate' }], ctx(await run(records(), { metrics: broken })));
    expect(v.status).toBe('Inconclusive');
    expect(v.details).toBe('scrape errors: agg-0 (after: timeout after 300 ms)');

    const [w] = evaluateClaims([{ id: 'prefix-cache-hit-rate' }], ctx(await run(records())));
    expect(w.status).toBe('Inconclusive');
    expect(w.details).toMatch(/no prefix cache counters scraped/);
  });

  it('falls back to the client-side cached_tokens share when no pod metrics were scraped', async () => {
    const rs = Array.from({ length: 10 }, () => rec({ promptTokens: 400, cachedTokens: 320 }));
    const [v] = evaluateClaims([{ id: 'prefix-cache-hit-rate' }], ctx(await run(rs)));
    expect(v.status).toBe('Pass');
    expect(v.sources).toEqual(['usage:prompt_tokens_details.cached_tokens']);
    expect(v.evidence.hitRate).toBe(0.8);
  });

  it('without metrics, judges the client-side cached_tokens when the server reported the field, even as 0', async () => {
    const reported = records(); // cachedTokens: 0 on every record: the server sent prompt_tokens_details
    const [v] = evaluateClaims([{ id: 'prefix-cache-hit-rate' }], ctx(await run(reported, { records: reported })));
    expect(v.status).toBe('Fail');
    expect(v.details).toMatch(/^0% cache hit rate/);
    expect(v.sources).toContain('usage:prompt_tokens_details.cached_tokens');

    const silent = Array.from({ length: 20 }, () => rec({ promptTokens: 300, cachedTokens: null }));
    const [w] = evaluateClaims([{ id: 'prefix-cache-hit-rate' }], ctx(await run(silent, { records: silent })));
    expect(w.status).toBe('Inconclusive');
  });
});

