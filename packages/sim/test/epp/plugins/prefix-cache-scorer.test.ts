import { beforeAll, describe, expect, it } from 'vitest';
import { createPrefixCacheScorer, hashPrompt, type PrefixMatchObservation } from '../../../src/epp/plugins/prefix-cache-scorer.ts';
import { createPrefixIndexer } from '../../../src/epp/plugins/prefix-indexer.ts';
import { goJsonMarshal, PREFIX_MATCH_INFO_KEY, type SchedulingResult } from '../../../src/epp/scheduling-types.ts';
import { loadXxh64, type Xxh64 } from '../../../src/epp/xxhash64.ts';
import { chatReq, ep } from '../endpoints.ts';

let xxh64: Xxh64;
beforeAll(async () => {
  xxh64 = await loadXxh64();
});

const picked = (e: ReturnType<typeof ep>): SchedulingResult => ({ primaryProfileName: 'default', profileResults: { default: { targets: [e], totals: new Map(), perScorer: {} } } });
const enc = (s: string) => new TextEncoder().encode(s);

describe('xxhash64 and the block chain', () => {
  it('xxhash64 matches the reference value', () => {
    expect(xxh64(new Uint8Array())).toBe(0xef46db3751d8e999n);
  });

  it('64-char blocks, trailing partial ignored, capped at maxBlocks, chained on the model', () => {
    expect(hashPrompt(xxh64, 'm', '', enc('x'.repeat(63)), 64, 256)).toEqual([]);
    const h = hashPrompt(xxh64, 'm', '', enc('x'.repeat(200)), 64, 256);
    expect(h).toHaveLength(3);
    expect(new Set(h).size).toBe(3); // same block text, different parents
    expect(hashPrompt(xxh64, 'm', '', enc('x'.repeat(200)), 64, 2)).toEqual(h.slice(0, 2));
    expect(hashPrompt(xxh64, 'other', '', enc('x'.repeat(200)), 64, 256)[0]).not.toBe(h[0]);
    // h1 = xxhash64(block ‖ LE64(h0)), h0 = xxhash64(model)
    const buf = new Uint8Array(72);
    buf.set(enc('x'.repeat(64)));
    new DataView(buf.buffer).setBigUint64(64, xxh64(enc('m')), true);
    expect(h[0]).toBe(xxh64(buf));
  });

  it('chat input is Go json.Marshal(messages) with <>& escaped', () => {
    expect(goJsonMarshal([{ role: 'user', content: 'a<b>&c' }])).toBe('[{"role":"user","content":"a\\u003cb\\u003e\\u0026c"}]');
  });
});

describe('prefix indexer', () => {
  it('per-pod LRU eviction removes the pod from the block', () => {
    const ix = createPrefixIndexer();
    ix.add([1n, 2n, 3n], 'a', 2);
    expect(ix.get(1n)).toBeUndefined();
    expect([...ix.get(3n)!]).toEqual(['a']);
    expect(ix.size()).toBe(2);
    ix.add([2n, 3n], 'b', 10);
    expect(ix.match([2n, 3n, 9n])).toEqual(new Map([['a', 2], ['b', 2]]));
    expect(ix.match([1n, 2n])).toEqual(new Map()); // stops at the first block nobody holds
    ix.removePod('a');
    expect(ix.size()).toBe(2);
  });
});

describe('prefix-cache-scorer', () => {
  const system = 'You are an expert distributed systems engineer. '.repeat(8);
  const req = (q: string, id = 'r') => ({ ...chatReq('', { requestId: id }), messages: [{ role: 'system', content: system }, { role: 'user', content: q }] });

  it('scores matchLen/total, indexes only the picked pod after scheduling, reports its match', () => {
    const seen: PrefixMatchObservation[] = [];
    const s = createPrefixCacheScorer('prefix-cache-scorer', { autoTune: false }, { xxh64, writeMatchInfo: true, onMatch: (m) => seen.push(m) });
    const a = ep('a');
    const b = ep('b');
    const c1 = new Map();
    expect([...s.score(req('What is prefix caching?'), [a, b], c1).values()]).toEqual([0, 0]);
    s.preRequest!(req('What is prefix caching?'), picked(a), c1);
    expect(seen[0]).toMatchObject({ matchBlocks: 0, blockSize: 64 });
    const total = seen[0]!.totalBlocks;
    expect(total).toBeGreaterThan(5);

    const c2 = new Map();
    const scores = s.score(req('How does KV cache eviction work?'), [a, b], c2);
    expect(scores.get('b')).toBe(0);
    expect(scores.get('a')!).toBeGreaterThan(0.5);
    expect(scores.get('a')!).toBeLessThan(1);
    const info = c2.get(PREFIX_MATCH_INFO_KEY) as { matchBlocks: Map<string, number>; blockSizeTokens: number };
    expect(info.blockSizeTokens).toBe(16);
    expect(info.matchBlocks.get('a')).toBe(Math.round(scores.get('a')! * (c2.get('prefix-cache-scorer/prefix-cache-scorer') as { hashes: unknown[] }).hashes.length));
  });

  it('autoTune takes the block size from the pods (block_size × 4 chars); no match info without the gate', () => {
    const s = createPrefixCacheScorer('p', {}, { xxh64, writeMatchInfo: false });
    const cycle = new Map();
    s.score(req('q'), [ep('a', { blockSize: 32 })], cycle);
    expect((cycle.get('prefix-cache-scorer/p') as { blockSize: number }).blockSize).toBe(128);
    expect(cycle.has(PREFIX_MATCH_INFO_KEY)).toBe(false);
  });
});
