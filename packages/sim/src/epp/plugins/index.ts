// Builds plugin instances from a resolved EndpointPickerConfig: one instance per configured plugin,
// shared by every profile that references it (as the EPP does).
import type { Rng } from '@routebench/core';
import type { KvEventBus } from '../../types.ts';
import type { ResolvedEppConfig, ResolvedPlugin } from '../config.ts';
import { encode } from '@routebench/core';
import { approxPrefixOptions, disaggHandlerOptions, preciseBlockSize, type ApproxPrefixOptions } from '../plugin-params.ts';
import { PREFIX_MATCH_INFO_KEY, type DataPlugin, type DeciderPlugin, type EppPlugin, type PrefixMatchInfo } from '../scheduling-types.ts';
import type { Xxh64 } from '../xxhash64.ts';
import { createActiveRequestScorer } from './active-request-scorer.ts';
import { createDecodeFilter } from './decode-filter.ts';
import { createKvCacheUtilizationScorer } from './kv-cache-utilization-scorer.ts';
import { createLoadAwareScorer } from './load-aware-scorer.ts';
import { createMaxScorePicker } from './max-score-picker.ts';
import { createPdProfileHandler } from './pd-profile-handler.ts';
import { createPrecisePrefixCacheScorer, promptText, type BlockHasher, type PrecisePrefixCacheScorer } from './precise-prefix-cache-scorer.ts';
import { createPrefillFilter } from './prefill-filter.ts';
import { createPrefillHeaderHandler } from './prefill-header-handler.ts';
import { createAlwaysDisaggPdDecider, createPrefixBasedPdDecider } from './prefix-based-pd-decider.ts';
import { createPrefixCacheScorer, type PrefixMatchObservation } from './prefix-cache-scorer.ts';
import { createPrefixIndexer } from './prefix-indexer.ts';
import { createQueueScorer } from './queue-scorer.ts';
import { createRandomPicker } from './random-picker.ts';
import { createSessionAffinityScorer } from './session-affinity-scorer.ts';
import { createSingleProfileHandler } from './single-profile-handler.ts';
import { createWeightedRandomPicker } from './weighted-random-picker.ts';

export interface PluginDeps {
  rng: Rng;
  xxh64: Xxh64;
  /** KV events of the pods (precise-prefix-cache-scorer); undefined = the EPP receives none. */
  kvEventBus?: KvEventBus;
  /** The pods' block hash (must match theirs for the precise scorer to find anything). */
  hashBlock: BlockHasher;
  onPrefixMatch?: (m: PrefixMatchObservation) => void;
  now?: () => number;
}

export function createPlugins(config: ResolvedEppConfig, deps: PluginDeps): Map<string, EppPlugin> {
  const version = config.version;
  const out = new Map<string, EppPlugin>();
  // v0.7: the approximate prefix scorer writes PrefixCacheMatchInfo only with the prepareDataPlugins gate
  // (GIE v1.4.0 datalayer/factory.go:32). llm-d-router: producers are registered as default producers of
  // their data (ROUTER runner.go:598-613 RegisterAsDefaultProducer), so the decider always gets it.
  const writeMatchInfo = version === 'router' || config.featureGates.includes('prepareDataPlugins');
  const byName = new Map(config.plugins.map((p) => [p.name, p]));
  // Deciders and producers first: handlers and scorers hold references to them.
  const rank = (p: ResolvedPlugin) => (p.kind === 'decider' || p.kind === 'data-producer' ? 0 : 1);
  const order = [...config.plugins].sort((a, b) => rank(a) - rank(b));
  for (const p of order) out.set(p.name, build(p));
  return out;

  function routerPrefixScorer(p: ResolvedPlugin, params: Record<string, any>): EppPlugin {
    // ROUTER prefix-cache-scorer reads PrefixCacheMatchInfo from its producer (default: an
    // approx-prefix-cache-producer with default parameters) and scores matchBlocks / totalBlocks.
    const producerName: string | undefined = params.prefixMatchInfoProducerName;
    const producer = producerName ? byName.get(producerName) : config.plugins.find((x) => x.type === 'approx-prefix-cache-producer');
    if (producerName && !producer) throw new Error(`plugins '${p.name}': prefixMatchInfoProducerName '${producerName}' names no plugin`);
    if (producer?.type === 'precise-prefix-cache-producer') {
      const precise = (out.get(producer.name) as PreciseProducerPlugin).precise;
      return createPreciseBackedPrefixScorer(p.name, precise, preciseBlockSize(producer.parameters), writeMatchInfo);
    }
    if (producer && producer.type !== 'approx-prefix-cache-producer')
      throw new Error(`plugins '${p.name}': prefixMatchInfoProducerName '${producer.name}' is a ${producer.type}, not a prefix-cache producer`);
    return createPrefixCacheScorer(p.name, prefixParams(approxPrefixOptions('router', producer?.parameters ?? {})), {
      xxh64: deps.xxh64,
      writeMatchInfo,
      onMatch: deps.onPrefixMatch,
    });
  }

  function build(p: ResolvedPlugin): EppPlugin {
    const params = p.parameters as Record<string, any>;
    switch (p.type) {
      case 'queue-scorer':
        return createQueueScorer(p.name);
      case 'kv-cache-utilization-scorer':
        return createKvCacheUtilizationScorer(p.name);
      case 'prefix-cache-scorer':
        if (version === 'router') return routerPrefixScorer(p, params);
        return createPrefixCacheScorer(p.name, prefixParams(approxPrefixOptions('v0.7', params)), { xxh64: deps.xxh64, writeMatchInfo, onMatch: deps.onPrefixMatch });
      case 'load-aware-scorer':
        return createLoadAwareScorer(p.name, params);
      case 'active-request-scorer':
        return createActiveRequestScorer(p.name, params, deps.now);
      case 'session-affinity-scorer':
        return createSessionAffinityScorer(p.name);
      case 'precise-prefix-cache-scorer':
        return createPrecisePrefixCacheScorer(p.name, preciseParams(params), { bus: deps.kvEventBus, hashBlock: deps.hashBlock, writeMatchInfo });
      case 'precise-prefix-cache-producer': {
        const precise = createPrecisePrefixCacheScorer(p.name, preciseParams(params), { bus: deps.kvEventBus, hashBlock: deps.hashBlock, writeMatchInfo: false });
        const producer: PreciseProducerPlugin = { kind: 'data-producer', type: p.type, name: p.name, precise, close: () => precise.close() };
        return producer;
      }
      case 'max-score-picker':
        return createMaxScorePicker(p.name, params, deps.rng);
      case 'random-picker':
        return createRandomPicker(p.name, params, deps.rng);
      case 'weighted-random-picker':
        return createWeightedRandomPicker(p.name, params, deps.rng);
      case 'decode-filter':
        return createDecodeFilter(p.name);
      case 'prefill-filter':
        return createPrefillFilter(p.name);
      case 'single-profile-handler':
        return createSingleProfileHandler(p.name);
      case 'data-parallel-profile-handler':
        // One profile, one pick: with one simulated pod per data-parallel rank this is single-profile-handler.
        return { ...createSingleProfileHandler(p.name), type: p.type };
      case 'pd-profile-handler':
      case 'disagg-profile-handler': {
        const o = disaggHandlerOptions(p.type, params);
        return createPdProfileHandler(p.name, {
          type: p.type,
          decodeProfile: o.decodeProfile,
          prefillProfile: o.prefillProfile,
          decider: o.prefillDecider ? (out.get(o.prefillDecider) as DeciderPlugin | undefined) : undefined,
          setsPrefillerHeader: version === 'router' && p.type === 'disagg-profile-handler',
        });
      }
      case 'prefix-based-pd-decider':
        return createPrefixBasedPdDecider(p.name, params, version);
      case 'always-disagg-pd-decider':
        return createAlwaysDisaggPdDecider(p.name);
      case 'prefill-header-handler':
      case 'disagg-headers-handler':
        return createPrefillHeaderHandler(p.name, p.type, params.prefillProfile || 'prefill');
      default:
        // No-op plugins outside the scheduling cycle (data producers/sources/extractors, parsers, the
        // destination-endpoint-served-verifier test plugin whose header the gateway writes).
        if (p.kind === 'filter' || p.kind === 'scorer' || p.kind === 'picker' || p.kind === 'profile-handler' || p.kind === 'decider' || p.kind === 'pre-request')
          throw new Error(`plugin type '${p.type}' has no implementation`);
        return { kind: p.kind, type: p.type, name: p.name } as DataPlugin;
    }
  }
}

interface PreciseProducerPlugin extends DataPlugin {
  precise: PrecisePrefixCacheScorer;
  close(): void;
}

function prefixParams(o: ApproxPrefixOptions) {
  return { autoTune: o.autoTune, blockSize: o.blockSizeChars, maxPrefixBlocksToMatch: o.maxPrefixBlocksToMatch, lruCapacityPerServer: o.lruCapacityPerServer };
}

/** The precise index reads only the block size and the topic filter; hand it those, whatever the level. */
function preciseParams(params: Record<string, any>) {
  return { tokenProcessorConfig: { blockSize: preciseBlockSize(params) }, kvEventsConfig: params.kvEventsConfig };
}

/**
 * ROUTER prefix-cache-scorer fed by precise-prefix-cache-producer: score = blocks the pod really holds
 * (from KV events) / prompt blocks, the match ratio of scorer/prefix/plugin.go:151-158.
 */
function createPreciseBackedPrefixScorer(name: string, precise: PrecisePrefixCacheScorer, blockSize: number, writeMatchInfo: boolean): EppPlugin {
  return {
    kind: 'scorer',
    type: 'prefix-cache-scorer',
    name,
    // cluster.ts sums prefix indexers for inference_extension_prefix_indexer_size; this one has none.
    indexer: createPrefixIndexer(),
    score(req, endpoints, cycle) {
      const raw = precise.rawScores(req, endpoints);
      const total = Math.floor(encode(promptText(req)).length / blockSize);
      if (writeMatchInfo) cycle.set(PREFIX_MATCH_INFO_KEY, { matchBlocks: raw, totalBlocks: total, blockSizeTokens: blockSize } satisfies PrefixMatchInfo);
      return new Map(endpoints.map((e) => [e.name, total === 0 ? 0 : Math.min(1, (raw.get(e.name) ?? 0) / total)]));
    },
  } as EppPlugin;
}
