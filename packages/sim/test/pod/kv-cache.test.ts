import { describe, it, expect } from 'vitest';
import { createKvCache } from '../../src/pod/kv-cache.ts';
import type { KvEvent } from '../../src/types.ts';

const seq = (n: number, from = 100) => Array.from({ length: n }, (_, i) => from + i);

describe('kv-cache', () => {
  it('chains block hashes: same prefix → same leading hashes, different block → different tail', () => {
    const kv = createKvCache({ blockSize: 4, capacityBlocks: 16 });
    const a = kv.blockHashes(seq(10));
    const b = kv.blockHashes([...seq(8), 1, 2, 3, 4]);
    expect(a).toHaveLength(2);
    expect(b).toHaveLength(3);
    expect(b.slice(0, 2)).toEqual(a);
    // Same block tokens after a different parent hash differently.
    const c = kv.blockHashes([...seq(4, 500), ...seq(4, 104)]);
    expect(c[1]).not.toBe(a[1]);
  });

  it('counts leading hits, keeps the last token uncached, tracks usage and releases', () => {
    const events: KvEvent[] = [];
    const kv = createKvCache({ blockSize: 4, capacityBlocks: 10, onEvents: (e) => events.push(...e) });
    const first = kv.acquire(seq(10))!;
    expect(first.hitBlocks).toBe(0);
    expect(kv.usage()).toBeCloseTo(3 / 10); // 2 full + 1 partial
    expect(events[0]).toMatchObject({ type: 'BlockStored', parentBlockHash: null, blockSize: 4, tokenIds: seq(8) });
    kv.release(first);
    expect(kv.usage()).toBe(0);
    expect(kv.stats().cached).toBe(2);
    // Same 10-token prompt: both full blocks hit.
    const again = kv.acquire(seq(10))!;
    expect(again.hitBlocks).toBe(2);
    kv.release(again);
    // Exactly 8 tokens: the last token must be computed, so only 1 block may count as hit.
    const exact = kv.acquire(seq(8))!;
    expect(exact.hitBlocks).toBe(1);
    kv.release(exact);
    // Extension stores only the new block, with its parent hash.
    events.length = 0;
    const ext = kv.acquire(seq(13))!;
    expect(ext.hitBlocks).toBe(2);
    expect(events).toEqual([
      { type: 'BlockStored', blockHashes: [ext.hashes[2]], parentBlockHash: ext.hashes[1], tokenIds: seq(4, 108), blockSize: 4 },
    ]);
    kv.release(ext);
  });

  it('evicts unreferenced blocks LRU-first and refuses what cannot fit beside referenced blocks', () => {
    const events: KvEvent[] = [];
    const kv = createKvCache({ blockSize: 2, capacityBlocks: 4, onEvents: (e) => events.push(...e) });
    const a = kv.acquire(seq(4, 0))!; // 2 blocks
    kv.release(a);
    const b = kv.acquire(seq(4, 50))!; // 2 more → full (a cached, b referenced)
    expect(kv.stats()).toMatchObject({ referenced: 2, cached: 4 });
    events.length = 0;
    const c = kv.acquire(seq(4, 80))!; // needs 2: evicts a's blocks (tail first)
    expect(c).not.toBeNull();
    expect(events[0]).toEqual({ type: 'BlockRemoved', blockHashes: [a.hashes[1], a.hashes[0]] });
    expect(kv.has(a.hashes[0]!)).toBe(false);
    expect(kv.usage()).toBe(1);
    // Everything referenced: a new prompt cannot fit.
    expect(kv.acquire(seq(2, 200))).toBeNull();
    kv.release(b);
    expect(kv.acquire(seq(2, 200))).not.toBeNull();
    expect(kv.blocksNeeded(5)).toBe(3);
  });
});
