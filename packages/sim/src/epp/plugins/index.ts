// Builds plugin instances from a resolved EndpointPickerConfig: one instance per configured plugin,
// shared by every profile that references it (as the EPP does).
import type { Rng } from '@routebench/core';
import type { KvEventBus } from '../../types.ts';
import type { ResolvedEppConfig, ResolvedPlugin } from '../config.ts';
import type { DeciderPlugin, EppPlugin } from '../scheduling-types.ts';
import type { Xxh64 } from '../xxhash64.ts';
import { createActiveRequestScorer } from './active-request-scorer.ts';
import { createDecodeFilter } from './decode-filter.ts';
import { createKvCacheUtilizationScorer } from './kv-cache-utilization-scorer.ts';
import { createLoadAwareScorer } from './load-aware-scorer.ts';
import { createMaxScorePicker } from './max-score-picker.ts';
import { createPdProfileHandler } from './pd-profile-handler.ts';
import { createPrecisePrefixCacheScorer, type BlockHasher } from './precise-prefix-cache-scorer.ts';
import { createPrefillFilter } from './prefill-filter.ts';
import { createPrefillHeaderHandler } from './prefill-header-handler.ts';
import { createAlwaysDisaggPdDecider, createPrefixBasedPdDecider } from './prefix-based-pd-decider.ts';
import { createPrefixCacheScorer, type PrefixMatchObservation } from './prefix-cache-scorer.ts';
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
  const out = new Map<string, EppPlugin>();
  const writeMatchInfo = config.featureGates.includes('prepareDataPlugins');
  // Deciders first: profile handlers hold a reference to theirs.
  const order = [...config.plugins].sort((a, b) => Number(b.kind === 'decider') - Number(a.kind === 'decider'));
  for (const p of order) out.set(p.name, build(p));
  return out;

  function build(p: ResolvedPlugin): EppPlugin {
    const params = p.parameters as Record<string, any>;
    switch (p.type) {
      case 'queue-scorer':
        return createQueueScorer(p.name);
      case 'kv-cache-utilization-scorer':
        return createKvCacheUtilizationScorer(p.name);
      case 'prefix-cache-scorer':
        return createPrefixCacheScorer(p.name, params, { xxh64: deps.xxh64, writeMatchInfo, onMatch: deps.onPrefixMatch });
      case 'load-aware-scorer':
        return createLoadAwareScorer(p.name, params);
      case 'active-request-scorer':
        return createActiveRequestScorer(p.name, params, deps.now);
      case 'session-affinity-scorer':
        return createSessionAffinityScorer(p.name);
      case 'precise-prefix-cache-scorer':
        return createPrecisePrefixCacheScorer(p.name, params, { bus: deps.kvEventBus, hashBlock: deps.hashBlock, writeMatchInfo });
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
      case 'pd-profile-handler':
        return createPdProfileHandler(p.name, {
          type: 'pd-profile-handler',
          decodeProfile: params.decodeProfile,
          prefillProfile: params.prefillProfile,
          decider: params.deciderPluginName ? (out.get(params.deciderPluginName) as DeciderPlugin) : undefined,
          threshold: params.threshold,
          hashBlockSize: params.hashBlockSize,
          prefixPluginName: params.prefixPluginName,
        });
      case 'disagg-profile-handler':
        return createPdProfileHandler(p.name, {
          type: 'disagg-profile-handler',
          decodeProfile: params.decodeProfile,
          prefillProfile: params.prefillProfile,
          decider: params.deciders?.prefill ? (out.get(params.deciders.prefill) as DeciderPlugin) : undefined,
        });
      case 'prefix-based-pd-decider':
        return createPrefixBasedPdDecider(p.name, params);
      case 'always-disagg-pd-decider':
        return createAlwaysDisaggPdDecider(p.name);
      case 'prefill-header-handler':
      case 'disagg-headers-handler':
        return createPrefillHeaderHandler(p.name, p.type);
      case 'tokenizer':
        return { kind: 'data', type: p.type, name: p.name };
      default:
        throw new Error(`plugin type '${p.type}' has no implementation`);
    }
  }
}
