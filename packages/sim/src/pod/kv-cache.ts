// The pod's prefix (KV) cache, modelled on vLLM's block pool as llm-d-inference-sim simplifies it:
// prompt tokens in fixed-size blocks, each full block named by a chained hash (parent hash + the
// block's token ids), so a block hash identifies the whole prefix up to it. Leading blocks already
// present — referenced by a running request or cached-but-unreferenced — are hits. Unreferenced
// blocks stay for reuse and are evicted least-recently-used first when space is needed.
// Only prompt blocks are tracked (as the llm-d sim does); a trailing partial block takes a slot
// while the request runs but is never cached, because it has no stable hash.
import { createHash } from 'node:crypto';
import type { KvEvent } from '../types.ts';

export interface KvCacheOptions {
  blockSize: number;
  capacityBlocks: number;
  /** Called synchronously with the events of each change (BlockStored / BlockRemoved). */
  onEvents?: (events: KvEvent[]) => void;
}

export interface KvAllocation {
  /** Hashes of the prompt's full blocks, in order. */
  hashes: string[];
  /** Leading blocks found in the cache (capped so the last prompt token is always computed). */
  hitBlocks: number;
  /** The extra non-cacheable slot for a partial trailing block (0 or 1). */
  partialBlocks: number;
}

export interface KvCache {
  readonly blockSize: number;
  readonly capacityBlocks: number;
  /** Chained hashes of the full blocks of a token sequence. */
  blockHashes(tokenIds: readonly number[]): string[];
  /** Blocks a prompt of n tokens occupies while running. */
  blocksNeeded(nTokens: number): number;
  /** Leading cached blocks for this prompt, without touching LRU order. */
  peekHits(hashes: readonly string[], nTokens: number): number;
  /**
   * Reference the prompt's blocks, storing missing ones and evicting unreferenced blocks as needed.
   * Returns null (and changes nothing) when the referenced blocks leave no room.
   */
  acquire(tokenIds: readonly number[], hashes?: readonly string[]): KvAllocation | null;
  /** Drop the references taken by acquire(); blocks stay cached (unreferenced) for reuse. */
  release(alloc: KvAllocation): void;
  /** Referenced blocks / capacity, 0..1 (vllm:kv_cache_usage_perc). */
  usage(): number;
  stats(): { referenced: number; cached: number; capacity: number };
  has(hash: string): boolean;
  /**
   * vLLM's POST /reset_prefix_cache: drop every cached-but-unreferenced block (blocks of running requests
   * stay, as vLLM keeps them unless reset_running_requests). Returns the number of blocks dropped.
   */
  reset(): number;
}

interface Block {
  hash: string;
  refs: number;
}

export function hashBlock(parent: string | null, tokenIds: readonly number[]): string {
  const h = createHash('sha256');
  h.update(parent ?? 'root');
  h.update(Int32Array.from(tokenIds));
  return h.digest('hex').slice(0, 16);
}

export function createKvCache(opts: KvCacheOptions): KvCache {
  const { blockSize, capacityBlocks } = opts;
  const blocks = new Map<string, Block>();
  // Unreferenced blocks in LRU order (Map iteration order = insertion order; oldest first).
  const free = new Map<string, Block>();
  let referencedBlocks = 0; // distinct referenced hashed blocks
  let partialSlots = 0; // non-cacheable trailing blocks of running requests

  const emit = (events: KvEvent[]) => {
    if (events.length && opts.onEvents) opts.onEvents(events);
  };

  function blockHashes(tokenIds: readonly number[]): string[] {
    const out: string[] = [];
    let parent: string | null = null;
    for (let i = 0; i + blockSize <= tokenIds.length; i += blockSize) {
      parent = hashBlock(parent, tokenIds.slice(i, i + blockSize));
      out.push(parent);
    }
    return out;
  }

  function peekHits(hashes: readonly string[], nTokens: number): number {
    // vLLM never serves the whole prompt from cache: the last token must be computed to get logits.
    const maxHit = Math.floor(Math.max(0, nTokens - 1) / blockSize);
    let n = 0;
    while (n < hashes.length && n < maxHit && blocks.has(hashes[n]!)) n++;
    return n;
  }

  return {
    blockSize,
    capacityBlocks,
    blockHashes,
    blocksNeeded: (n) => Math.ceil(n / blockSize),
    peekHits,
    has: (h) => blocks.has(h),

    acquire(tokenIds, given) {
      const hashes = given ? [...given] : blockHashes(tokenIds);
      const hitBlocks = peekHits(hashes, tokenIds.length);
      const partial = tokenIds.length % blockSize === 0 ? 0 : 1;
      // Count what this request would newly pin: missing blocks, plus present-but-unreferenced ones.
      let newlyReferenced = 0;
      let missing = 0;
      const seen = new Set<string>();
      for (const h of hashes) {
        if (seen.has(h)) continue;
        seen.add(h);
        const b = blocks.get(h);
        if (!b) missing++;
        if (!b || b.refs === 0) newlyReferenced++;
      }
      if (referencedBlocks + partialSlots + newlyReferenced + partial > capacityBlocks) return null;

      // Make room: total slots in use = all hashed blocks (referenced + free) + partial slots.
      const protectedSet = new Set(hashes);
      const removed: string[] = [];
      let over = blocks.size + partialSlots + missing + partial - capacityBlocks;
      for (const [h] of free) {
        if (over <= 0) break;
        if (protectedSet.has(h)) continue;
        free.delete(h);
        blocks.delete(h);
        removed.push(h);
        over--;
      }
      if (removed.length) emit([{ type: 'BlockRemoved', blockHashes: removed }]);

      // Reference (and store) the prompt's blocks in order; batch the newly stored run for the event.
      const stored: KvEvent[] = [];
      let runHashes: string[] = [];
      let runTokens: number[] = [];
      let runParent: string | null = null;
      const flush = () => {
        if (runHashes.length) {
          stored.push({ type: 'BlockStored', blockHashes: runHashes, parentBlockHash: runParent, tokenIds: runTokens, blockSize });
        }
        runHashes = [];
        runTokens = [];
      };
      for (let i = 0; i < hashes.length; i++) {
        const h = hashes[i]!;
        let b = blocks.get(h);
        if (!b) {
          b = { hash: h, refs: 0 };
          blocks.set(h, b);
          if (runHashes.length === 0) runParent = i === 0 ? null : hashes[i - 1]!;
          runHashes.push(h);
          for (let j = i * blockSize; j < (i + 1) * blockSize; j++) runTokens.push(tokenIds[j]!);
        } else {
          flush();
        }
        if (b.refs === 0) {
          free.delete(h);
          referencedBlocks++;
        }
        b.refs++;
      }
      flush();
      partialSlots += partial;
      emit(stored);
      return { hashes, hitBlocks, partialBlocks: partial };
    },

    release(alloc) {
      partialSlots -= alloc.partialBlocks;
      // Release children before parents so the LRU evicts the tails of prefixes first (as vLLM does).
      for (let i = alloc.hashes.length - 1; i >= 0; i--) {
        const b = blocks.get(alloc.hashes[i]!);
        if (!b || b.refs === 0) continue;
        b.refs--;
        if (b.refs === 0) {
          referencedBlocks--;
          free.set(b.hash, b);
        }
      }
    },

    reset() {
      const removed = [...free.keys()];
      const all = removed.length === blocks.size;
      for (const h of removed) blocks.delete(h);
      free.clear();
      // vLLM publishes AllBlocksCleared when the pool is emptied; a partial drop is a BlockRemoved.
      if (removed.length) emit([all ? { type: 'AllBlocksCleared' } : { type: 'BlockRemoved', blockHashes: removed }]);
      return removed.length;
    },

    usage: () => (referencedBlocks + partialSlots) / capacityBlocks,
    stats: () => ({ referenced: referencedBlocks + partialSlots, cached: blocks.size, capacity: capacityBlocks }),
  };
}
