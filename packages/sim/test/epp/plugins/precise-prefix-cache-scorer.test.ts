import { createHash } from 'node:crypto';
import { encode } from '@routebench/core';
import { describe, expect, it } from 'vitest';
import { chainHashes, createPrecisePrefixCacheScorer, promptText } from '../../../src/epp/plugins/precise-prefix-cache-scorer.ts';
import type { KvEventBatch, KvEventBus, KvEventListener } from '../../../src/types.ts';
import { chatReq, ep } from '../endpoints.ts';

// A stand-in block hash (the cluster wires the pods' real one); any chained hash works for these checks.
const hashBlock = (parent: string | null, ids: readonly number[]) => createHash('sha256').update(`${parent}|${ids.join(',')}`).digest('hex').slice(0, 16);

function bus(): KvEventBus {
  const ls = new Set<KvEventListener>();
  return { publish: (b) => ls.forEach((l) => l(b)), subscribe: (l) => (ls.add(l), () => ls.delete(l)) };
}

const longReq = chatReq('river mountain forest ocean valley '.repeat(20));
const stored = (pod: string, hashes: string[]): KvEventBatch => ({
  topic: `kv@127.0.0.1:1@m`,
  pod,
  ts: 0,
  events: [{ type: 'BlockStored', blockHashes: hashes, parentBlockHash: null, tokenIds: [], blockSize: 16 }],
});

describe('precise-prefix-cache-scorer', () => {
  it('longest consecutive prefix from KV events, min-max normalized; BlockRemoved/AllBlocksCleared unindex', () => {
    const b = bus();
    const s = createPrecisePrefixCacheScorer('p', {}, { bus: b, hashBlock, writeMatchInfo: false });
    const hashes = chainHashes(encode(promptText(longReq)), 16, hashBlock);
    expect(hashes.length).toBeGreaterThan(4);
    b.publish(stored('a', hashes.slice(0, 4)));
    b.publish(stored('b', hashes.slice(0, 2)));
    b.publish(stored('c', hashes.slice(1, 4))); // no block 0 → no consecutive prefix
    expect(s.rawScores(longReq)).toEqual(new Map([['a', 4], ['b', 2]]));
    const eps = [ep('a'), ep('b'), ep('c')];
    expect([...s.score(longReq, eps, new Map())]).toEqual([['a', 1], ['b', 0], ['c', 0]]);
    b.publish({ topic: 'kv@x@m', pod: 'a', ts: 0, events: [{ type: 'BlockRemoved', blockHashes: [hashes[2]!] }] });
    expect(s.rawScores(longReq).get('a')).toBe(2);
    expect([...s.score(longReq, eps, new Map()).values()]).toEqual([1, 1, 0]); // a and b tie → both 1
    b.publish({ topic: 'kv@x@m', pod: 'a', ts: 0, events: [{ type: 'AllBlocksCleared' }] });
    expect(s.indexedBlocks('a')).toBe(0);
    s.close();
  });

  it('scores 0 everywhere when no events reach the EPP, or the block size differs from the pods', () => {
    const none = createPrecisePrefixCacheScorer('p', {}, { bus: undefined, hashBlock, writeMatchInfo: false });
    expect([...none.score(longReq, [ep('a'), ep('b')], new Map()).values()]).toEqual([0, 0]);
    const b = bus();
    const s64 = createPrecisePrefixCacheScorer('p', { tokenProcessorConfig: { blockSize: 64 } }, { bus: b, hashBlock, writeMatchInfo: false });
    b.publish(stored('a', chainHashes(encode(promptText(longReq)), 16, hashBlock)));
    expect([...s64.score(longReq, [ep('a')], new Map()).values()]).toEqual([0]);
  });
});
