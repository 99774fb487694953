// Parameter schemas of every EPP plugin type the simulator implements, keyed by plugin `type`.
// Names and defaults follow GIE v1.2.0 / llm-d-inference-scheduler v0.4–v0.8 (see llmd-internals.md §1).
// Schemas are strict: a misspelt parameter is an error, where the real EPP (Go encoding/json) would
// silently ignore it — a benchmark config that silently does nothing is exactly what we want to catch.
import { z } from 'zod';

const posInt = () =>
  z.number({ error: 'expected positive integer' }).int({ error: 'expected positive integer' }).positive({ error: 'expected positive integer' });
const nonNegInt = () =>
  z.number({ error: 'expected non-negative integer' }).int({ error: 'expected non-negative integer' }).nonnegative({ error: 'expected non-negative integer' });
const noParams = z.strictObject({});

/** Go-style duration ("2m", "150ms", "1h30m"). */
export const GoDurationSchema = z.string().regex(/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/, { error: 'expected a Go duration such as "2m" or "150ms"' });

export const PrefixCacheScorerParams = z.strictObject({
  autoTune: z.boolean().optional(),
  blockSize: posInt().optional(),
  /** GIE ≤v1.0 name of blockSize; GIE v1.2.0 ignores it (SCHED v0.4.0 sample configs still pass it). */
  hashBlockSize: posInt().optional(),
  maxPrefixBlocksToMatch: posInt().optional(),
  lruCapacityPerServer: posInt().optional(),
});

const TokenProcessorConfig = z.strictObject({ blockSize: posInt().optional(), hashSeed: z.string().optional() });
const TokenizersPoolConfig = z.strictObject({
  modelName: z.string().optional(),
  workersCount: posInt().optional(),
  uds: z.strictObject({ socketFile: z.string() }).optional(),
  hf: z.strictObject({ huggingFaceToken: z.string().optional(), tokenizersCacheDir: z.string().optional() }).optional(),
  local: z.strictObject({ autoDiscoveryDir: z.string().optional(), modelTokenizerMap: z.record(z.string(), z.string()).optional() }).optional(),
});
export const PrecisePrefixCacheScorerParams = z.strictObject({
  tokenProcessorConfig: TokenProcessorConfig.optional(),
  /** Top-level in SCHED v0.7.1 (the only place it takes effect). */
  speculativeIndexing: z.boolean().optional(),
  indexerConfig: z
    .strictObject({
      tokenProcessorConfig: TokenProcessorConfig.optional(),
      kvBlockIndexConfig: z
        .strictObject({
          inMemoryConfig: z.strictObject({ size: posInt().optional(), podCacheSize: posInt().optional() }).optional(),
          enableMetrics: z.boolean().optional(),
        })
        .optional(),
      tokenizersPoolConfig: TokenizersPoolConfig.optional(),
      prefixStoreConfig: z.strictObject({ cacheSize: posInt().optional(), blockSize: posInt().optional() }).optional(),
      /** Accepted because the seed study put it here; the real scorer ignores it at this level. */
      speculativeIndexing: z.boolean().optional(),
    })
    .optional(),
  kvEventsConfig: z
    .strictObject({
      zmqEndpoint: z.string().optional(),
      topicFilter: z.string().optional(),
      concurrency: posInt().optional(),
      discoverPods: z.boolean().optional(),
    })
    .optional(),
});

export const PickerParams = z.strictObject({ maxNumOfEndpoints: posInt().optional() });

export const PdProfileHandlerParams = z.strictObject({
  threshold: nonNegInt().optional(),
  hashBlockSize: posInt().optional(),
  decodeProfile: z.string().min(1).optional(),
  prefillProfile: z.string().min(1).optional(),
  prefixPluginName: z.string().min(1).optional(),
  primaryPort: z.number().int().min(0).max(65535).optional(),
  deciderPluginName: z.string().min(1).optional(),
});

export const DisaggProfileHandlerParams = z.strictObject({
  decodeProfile: z.string().min(1).optional(),
  prefillProfile: z.string().min(1).optional(),
  deciders: z.strictObject({ prefill: z.string().min(1).optional(), encode: z.string().min(1).optional() }).optional(),
});

export type PluginKind = 'scorer' | 'filter' | 'picker' | 'profile-handler' | 'pre-request' | 'decider' | 'data';

interface PluginTypeInfo {
  kind: PluginKind;
  params: z.ZodType;
}

/** Every plugin type the simulator knows, with its extension point and parameter schema. */
export const PLUGIN_TYPES: Record<string, PluginTypeInfo> = {
  'queue-scorer': { kind: 'scorer', params: noParams },
  'kv-cache-utilization-scorer': { kind: 'scorer', params: noParams },
  'prefix-cache-scorer': { kind: 'scorer', params: PrefixCacheScorerParams },
  'load-aware-scorer': { kind: 'scorer', params: z.strictObject({ threshold: posInt().optional() }) },
  'active-request-scorer': { kind: 'scorer', params: z.strictObject({ requestTimeout: GoDurationSchema.optional() }) },
  'session-affinity-scorer': { kind: 'scorer', params: noParams },
  'precise-prefix-cache-scorer': { kind: 'scorer', params: PrecisePrefixCacheScorerParams },
  'max-score-picker': { kind: 'picker', params: PickerParams },
  'random-picker': { kind: 'picker', params: PickerParams },
  'weighted-random-picker': { kind: 'picker', params: PickerParams },
  'decode-filter': { kind: 'filter', params: noParams },
  'prefill-filter': { kind: 'filter', params: noParams },
  'single-profile-handler': { kind: 'profile-handler', params: noParams },
  'pd-profile-handler': { kind: 'profile-handler', params: PdProfileHandlerParams },
  'disagg-profile-handler': { kind: 'profile-handler', params: DisaggProfileHandlerParams },
  'prefix-based-pd-decider': { kind: 'decider', params: z.strictObject({ nonCachedTokens: nonNegInt().optional() }) },
  'always-disagg-pd-decider': { kind: 'decider', params: noParams },
  'prefill-header-handler': { kind: 'pre-request', params: noParams },
  'disagg-headers-handler': { kind: 'pre-request', params: noParams },
  /** The UDS tokenizer plugin of SCHED v0.7: the simulator tokenizes in-process, so it only validates. */
  tokenizer: {
    kind: 'data',
    params: z.strictObject({
      modelName: z.string().optional(),
      udsTokenizerConfig: z.strictObject({ socketFile: z.string() }).optional(),
    }),
  },
};

export function pluginKind(type: string): PluginKind {
  const info = PLUGIN_TYPES[type];
  if (!info) throw new Error(`unknown plugin type '${type}'`);
  return info.kind;
}
