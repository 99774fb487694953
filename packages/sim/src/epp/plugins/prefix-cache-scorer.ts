// prefix-cache-scorer, the approximate one (GIE v1.2.0 plugins/multi/prefix/plugin.go):
//   - input bytes = prompt, or Go json.Marshal(messages); blocks of `blockSize` characters (default 64;
//     autoTune: the first pod's vllm:cache_config_info block_size × 4);
//   - truncated to maxPrefixBlocksToMatch (256) blocks; a trailing partial block is ignored;
//   - h0 = xxhash64(model ‖ cache_salt), h_i = xxhash64(block_i ‖ LE64(h_{i−1}));
//   - score = leading-block matches of the pod / total blocks;
//   - after the pick (PreRequest), the blocks are added to the index for the primary pod only, with a
//     per-pod LRU of lruCapacityPerServer (31250; autoTune: the pod's num_gpu_blocks).
import { PREFIX_MATCH_INFO_KEY, userInputText, type CycleState, type Endpoint, type PrefixMatchInfo, type ScorerPlugin, type SchedulingRequest } from '../scheduling-types.ts';
import type { Xxh64 } from '../xxhash64.ts';
import { createPrefixIndexer, type PrefixIndexer } from './prefix-indexer.ts';

export interface PrefixCacheParams {
  autoTune?: boolean;
  blockSize?: number;
  hashBlockSize?: number;
  maxPrefixBlocksToMatch?: number;
  lruCapacityPerServer?: number;
}

export interface PrefixMatchObservation {
  matchBlocks: number;
  totalBlocks: number;
  blockSize: number;
}

export interface PrefixCacheScorerDeps {
  xxh64: Xxh64;
  /** Write PrefixCacheMatchInfo for the P/D decider (SCHED's prepareDataPlugins feature gate). */
  writeMatchInfo: boolean;
  /** Called at PreRequest with the primary pod's match (inference_extension_prefix_indexer_hit_*). */
  onMatch?: (m: PrefixMatchObservation) => void;
}

/** Per-request state this scorer keeps in the cycle (read by pd-profile-handler's threshold mode). */
export interface PrefixScorerState {
  hashes: bigint[];
  matches: Map<string, number>;
  blockSize: number;
}
export const prefixStateKey = (pluginName: string) => `prefix-cache-scorer/${pluginName}`;

const encoder = new TextEncoder();

export function hashPrompt(xxh64: Xxh64, model: string, cacheSalt: string, input: Uint8Array, blockSize: number, maxBlocks: number): bigint[] {
  if (input.length < blockSize) return [];
  const usable = Math.min(input.length, blockSize * maxBlocks);
  const out: bigint[] = [];
  let prev = xxh64(encoder.encode(model + cacheSalt));
  const buf = new Uint8Array(blockSize + 8);
  const view = new DataView(buf.buffer);
  for (let i = 0; i + blockSize <= usable; i += blockSize) {
    buf.set(input.subarray(i, i + blockSize), 0);
    view.setBigUint64(blockSize, prev, true);
    prev = xxh64(buf);
    out.push(prev);
  }
  return out;
}

export interface PrefixCacheScorer extends ScorerPlugin {
  indexer: PrefixIndexer;
}

export function createPrefixCacheScorer(name: string, params: PrefixCacheParams, deps: PrefixCacheScorerDeps): PrefixCacheScorer {
  const autoTune = params.autoTune ?? true;
  const maxBlocks = params.maxPrefixBlocksToMatch ?? 256;
  const lruCapacity = params.lruCapacityPerServer ?? 31250;
  const indexer = createPrefixIndexer();
  const key = prefixStateKey(name);

  function state(req: SchedulingRequest, endpoints: Endpoint[], cycle: CycleState): PrefixScorerState {
    const cached = cycle.get(key) as PrefixScorerState | undefined;
    if (cached) return cached; // the same instance may score in several profiles of one request
    const podBlock = autoTune ? endpoints.find((e) => e.metrics.blockSize)?.metrics.blockSize : undefined;
    const blockSize = podBlock ? podBlock * 4 : (params.blockSize ?? 64);
    const hashes = hashPrompt(deps.xxh64, req.model, req.cacheSalt ?? '', encoder.encode(userInputText(req)), blockSize, maxBlocks);
    const s = { hashes, matches: indexer.match(hashes), blockSize };
    cycle.set(key, s);
    return s;
  }

  return {
    kind: 'scorer',
    type: 'prefix-cache-scorer',
    name,
    indexer,
    score(req, endpoints, cycle) {
      const s = state(req, endpoints, cycle);
      if (deps.writeMatchInfo) {
        const info: PrefixMatchInfo = { matchBlocks: s.matches, totalBlocks: s.hashes.length, blockSizeTokens: s.blockSize / 4 };
        cycle.set(PREFIX_MATCH_INFO_KEY, info);
      }
      const total = s.hashes.length;
      return new Map(endpoints.map((e) => [e.name, total === 0 ? 0 : (s.matches.get(e.name) ?? 0) / total]));
    },
    preRequest(_req, result, cycle) {
      const s = cycle.get(key) as PrefixScorerState | undefined;
      const primary = result.profileResults[result.primaryProfileName]?.targets[0];
      if (!s || !primary) return;
      const capacity = autoTune && primary.metrics.numGpuBlocks ? primary.metrics.numGpuBlocks : lruCapacity;
      if (s.hashes.length > 0) {
        deps.onMatch?.({ matchBlocks: s.matches.get(primary.name) ?? 0, totalBlocks: s.hashes.length, blockSize: s.blockSize });
        indexer.add(s.hashes, primary.name, capacity);
      }
    },
  };
}
