// precise-prefix-cache-scorer (SCHED v0.4.0 + llm-d-kv-cache-manager v0.4.0): an index of the blocks
// each pod really holds, built from the pods' KV events (BlockStored/BlockRemoved/AllBlocksCleared).
// Read path: tokenize the prompt as the pods do (encode(renderChat(messages)) or encode(prompt)), cut
// into `tokenProcessorConfig.blockSize`-token blocks (default 16), chain the block hashes with the pods'
// own hash function, then take the longest consecutive prefix: pods holding block 0 start active, each
// next block keeps the intersection, every surviving pod gets +1 per block. The EPP then min-max
// normalizes those raw counts (all equal → 1.0); pods absent from the map score 0.
// If KV events never arrive (the seed study's failure, fault `kvEvents: 'dropped'`), every pod scores 0.
// The index is keyed as upstream's is: by the <pod-id> of each batch's topic `kv@<pod-id>@<model>`,
// and endpoints are looked up by `Address:Port` (core upstream/kv-events.ts). A pod whose topic names
// it otherwise (fault `kvEvents: 'pod-id-mismatch'`) has its blocks indexed but never scores.
// (Upstream also hashes the topic's model into the block keys; the simulator's hashes ignore the model.)
import { encode, kvEventsIndexKey, renderChat } from '@routebench/core';
import type { KvEventBatch, KvEventBus } from '../../types.ts';
import { PREFIX_MATCH_INFO_KEY, type Endpoint, type PrefixMatchInfo, type ScorerPlugin, type SchedulingRequest } from '../scheduling-types.ts';

export type BlockHasher = (parent: string | null, tokenIds: readonly number[]) => string;

export interface PrecisePrefixParams {
  tokenProcessorConfig?: { blockSize?: number };
  indexerConfig?: { tokenProcessorConfig?: { blockSize?: number } };
  kvEventsConfig?: { topicFilter?: string };
}

export interface PrecisePrefixDeps {
  bus: KvEventBus | undefined;
  hashBlock: BlockHasher;
  writeMatchInfo: boolean;
}

export interface PrecisePrefixCacheScorer extends ScorerPlugin {
  /** Raw (un-normalized) block counts for a request, by index key (the topics' pod ids). */
  indexScores(req: SchedulingRequest): Map<string, number>;
  /** Raw block counts for a request, by endpoint name: each endpoint looked up by its scorer key. */
  rawScores(req: SchedulingRequest, endpoints: readonly Endpoint[]): Map<string, number>;
  /** Blocks indexed under a pod id (for tests and logs). */
  indexedBlocks(podId: string): number;
  close(): void;
}

/** The prompt text the pods tokenize. */
export function promptText(req: SchedulingRequest): string {
  if (req.api === 'completions') return req.prompt ?? '';
  return renderChat((req.messages ?? []).map((m) => ({ role: m.role, content: typeof m.content === 'string' ? m.content : JSON.stringify(m.content) })));
}

/**
 * The scorer's key for an endpoint: `Address:Port` (core precisePodKey). The simulator's
 * Endpoint.address is already the pod's `host:port`.
 */
export function endpointKey(e: Pick<Endpoint, 'address'>): string {
  return e.address;
}

export function chainHashes(tokens: readonly number[], blockSize: number, hashBlock: BlockHasher): string[] {
  const out: string[] = [];
  let parent: string | null = null;
  for (let i = 0; i + blockSize <= tokens.length; i += blockSize) {
    parent = hashBlock(parent, tokens.slice(i, i + blockSize));
    out.push(parent);
  }
  return out;
}

export function createPrecisePrefixCacheScorer(name: string, params: PrecisePrefixParams, deps: PrecisePrefixDeps): PrecisePrefixCacheScorer {
  const blockSize = params.tokenProcessorConfig?.blockSize ?? params.indexerConfig?.tokenProcessorConfig?.blockSize ?? 16;
  const topicFilter = params.kvEventsConfig?.topicFilter ?? 'kv@';
  const hashToPods = new Map<string, Set<string>>();
  const podHashes = new Map<string, Set<string>>();

  const remove = (pod: string, hash: string) => {
    podHashes.get(pod)?.delete(hash);
    const pods = hashToPods.get(hash);
    if (!pods) return;
    pods.delete(pod);
    if (pods.size === 0) hashToPods.delete(hash);
  };
  const onBatch = (batch: KvEventBatch) => {
    if (!batch.topic.startsWith(topicFilter)) return; // the ZMQ SUB prefix filter
    const pod = kvEventsIndexKey(batch.topic);
    let mine = podHashes.get(pod);
    if (!mine) podHashes.set(pod, (mine = new Set()));
    for (const ev of batch.events) {
      if (ev.type === 'BlockStored') {
        for (const h of ev.blockHashes) {
          mine.add(h);
          let pods = hashToPods.get(h);
          if (!pods) hashToPods.set(h, (pods = new Set()));
          pods.add(pod);
        }
      } else if (ev.type === 'BlockRemoved') {
        for (const h of ev.blockHashes) remove(pod, h);
      } else {
        for (const h of [...mine]) remove(pod, h);
      }
    }
  };
  const unsubscribe = deps.bus?.subscribe(onBatch);

  function indexScores(req: SchedulingRequest): Map<string, number> {
    const hashes = chainHashes(encode(promptText(req)), blockSize, deps.hashBlock);
    const res = new Map<string, number>();
    let active: Set<string> | undefined;
    for (const h of hashes) {
      const pods = hashToPods.get(h);
      if (!pods) break;
      active = active ? new Set([...active].filter((p) => pods.has(p))) : new Set(pods);
      if (active.size === 0) break;
      for (const p of active) res.set(p, (res.get(p) ?? 0) + 1);
    }
    return res;
  }

  function rawScores(req: SchedulingRequest, endpoints: readonly Endpoint[]): Map<string, number> {
    const byKey = indexScores(req);
    const res = new Map<string, number>();
    for (const e of endpoints) {
      const n = byKey.get(endpointKey(e));
      if (n !== undefined) res.set(e.name, n);
    }
    return res;
  }

  return {
    kind: 'scorer',
    type: 'precise-prefix-cache-scorer',
    name,
    indexScores,
    rawScores,
    indexedBlocks: (podId) => podHashes.get(podId)?.size ?? 0,
    score(req, endpoints, cycle) {
      const raw = rawScores(req, endpoints);
      if (deps.writeMatchInfo) {
        const info: PrefixMatchInfo = { matchBlocks: raw, totalBlocks: Math.floor(encode(promptText(req)).length / blockSize), blockSizeTokens: blockSize };
        cycle.set(PREFIX_MATCH_INFO_KEY, info);
      }
      // Min-max over the endpoints found in the index; absent endpoints score 0.
      const vals = [...raw.values()];
      const min = Math.min(...vals);
      const max = Math.max(...vals);
      return new Map(endpoints.map((e) => {
        const s = raw.get(e.name);
        return [e.name, s === undefined ? 0 : max === min ? 1 : (s - min) / (max - min)];
      }));
    },
    close: () => unsubscribe?.(),
  };
}
