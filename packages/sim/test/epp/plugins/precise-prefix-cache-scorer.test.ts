import { createHash } from 'node:crypto';
import { encode, formatKvEventsTopic, parseKvEventsTopic } from '@routebench/core';
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
// Each test pod publishes under its endpoint's address (`kv@<ip>:<port>@m`, llm-d's guide topic) unless told otherwise.
const topicOf = (pod: string, podId = ep(pod).address) => formatKvEventsTopic(podId, 'm');
const stored = (pod: string, hashes: string[], podId?: string): KvEventBatch => ({
  topic: topicOf(pod, podId),
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
    const eps = [ep('a'), ep('b'), ep('c')];
    expect(s.rawScores(longReq, eps)).toEqual(new Map([['a', 4], ['b', 2]]));
    expect(s.indexScores(longReq)).toEqual(new Map([[ep('a').address, 4], [ep('b').address, 2]]));
    expect([...s.score(longReq, eps, new Map())]).toEqual([['a', 1], ['b', 0], ['c', 0]]);
    b.publish({ topic: topicOf('a'), pod: 'a', ts: 0, events: [{ type: 'BlockRemoved', blockHashes: [hashes[2]!] }] });
    expect(s.rawScores(longReq, eps).get('a')).toBe(2);
    expect([...s.score(longReq, eps, new Map()).values()]).toEqual([1, 1, 0]); // a and b tie → both 1
    b.publish({ topic: topicOf('a'), pod: 'a', ts: 0, events: [{ type: 'AllBlocksCleared' }] });
    expect(s.indexedBlocks(ep('a').address)).toBe(0);
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

  it('indexes by the pod id of the topic: a pod named otherwise than Address:Port never scores', () => {
    const b = bus();
    const s = createPrecisePrefixCacheScorer('p', {}, { bus: b, hashBlock, writeMatchInfo: false });
    const hashes = chainHashes(encode(promptText(longReq)), 16, hashBlock);
    const [ipA] = ep('a').address.split(':');
    // a: the pre-v0.7 guide topic kv@${POD_IP}@m; b: the pod name; c: the scorer's own key.
    b.publish(stored('a', hashes, ipA));
    b.publish(stored('b', hashes, 'b'));
    b.publish(stored('c', hashes));
    expect(s.indexedBlocks(ipA!)).toBe(hashes.length);
    expect(s.indexedBlocks('b')).toBe(hashes.length);
    expect(s.rawScores(longReq, [ep('a'), ep('b'), ep('c')])).toEqual(new Map([['c', hashes.length]]));
    expect([...s.score(longReq, [ep('a'), ep('b'), ep('c')], new Map()).values()]).toEqual([0, 0, 1]);
    // Topics the subscriber cannot split into 3 parts keep the whole topic as the pod id (never a key).
    b.publish({ topic: 'kv@' + ep('a').address, pod: 'a', ts: 0, events: [{ type: 'BlockStored', blockHashes: hashes, parentBlockHash: null, tokenIds: [], blockSize: 16 }] });
    expect(parseKvEventsTopic('kv@' + ep('a').address).podId).toBe('kv@' + ep('a').address);
    expect(s.rawScores(longReq, [ep('a')]).size).toBe(0);
    // Topics outside the ZMQ prefix filter ("kv@" by default) are never indexed.
    b.publish({ topic: ep('a').address, pod: 'a', ts: 0, events: [{ type: 'BlockStored', blockHashes: hashes, parentBlockHash: null, tokenIds: [], blockSize: 16 }] });
    expect(s.rawScores(longReq, [ep('a')]).size).toBe(0);
    s.close();
  });
});
