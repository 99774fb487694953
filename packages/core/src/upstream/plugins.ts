// The EndpointPickerConfig plugin types each llm-d generation registers, with their extension point
// (kind), their parameter schema (field names = the Go structs' JSON tags), and whether the routebench
// simulator simulates them. The simulator's config loader validates a config against this table, so a
// config that loads in the simulator is one the real EPP of that generation would also accept.
//
// Where the registrations were read:
//   v0.7   GIE v1.4.0 cmd/epp/runner/runner.go:441-469 registerInTreePlugins, plus
//          llm-d-inference-scheduler v0.7.1 pkg/plugins/register.go RegisterAllPlugins (cmd/epp/main.go calls it
//          before the GIE runner; go.mod pins GIE v1.4.0).
//   router llm-d-router ebab68792 cmd/epp/runner/runner.go:567-730 registerInTreePlugins (GIE merged in).
// Type strings are the `...Type = "..."` constants next to each factory.
//
// Parameter decoding differs: GIE v1.4.0 / SCHED v0.7.1 factories call encoding/json Unmarshal, which
// ignores unknown fields (the loader turns those into warnings), while llm-d-router passes
// `fwkplugin.StrictDecoder(spec.Parameters)` (ROUTER pkg/epp/config/loader/configloader.go:258), so an
// unknown field fails plugin instantiation (errors).
import { z } from 'zod';
import { UPSTREAM_SOURCES, type LlmdVersion } from './versions.ts';

export type UpstreamPluginKind =
  | 'filter'
  | 'scorer'
  | 'picker'
  | 'profile-handler'
  | 'decider'
  | 'pre-request'
  | 'data-producer'
  | 'data-source'
  | 'data-extractor'
  | 'parser'
  | 'admitter'
  | 'flow-control'
  | 'saturation-detector'
  | 'response-received'
  | 'screener'
  | 'discovery'
  | 'request-header';

export interface UpstreamPluginType {
  kind: UpstreamPluginKind;
  /** Whether the routebench simulator simulates this plugin (false → the loader refuses the config). */
  simulated: boolean;
  /** Parameter schema (strict: unknown fields are issues; v0.7's loader reports them as warnings). */
  params: z.ZodType;
  /** How the simulator treats it, where that is not obvious (no-op producers, approximations). */
  note?: string;
  /** Deprecated in this generation (still registered). */
  deprecated?: string;
}

const posInt = () =>
  z.number({ error: 'expected positive integer' }).int({ error: 'expected positive integer' }).positive({ error: 'expected positive integer' });
const nonNegInt = () =>
  z.number({ error: 'expected non-negative integer' }).int({ error: 'expected non-negative integer' }).nonnegative({ error: 'expected non-negative integer' });
const intAny = () => z.number({ error: 'expected integer' }).int({ error: 'expected integer' });
const noParams = z.strictObject({});
/** Nested config the simulator does not read field by field (tokenizer and kv-cache library configs). */
const anyParams = z.record(z.string(), z.unknown());

/** Go-style duration ("2m", "150ms", "1h30m"). */
export const GoDurationSchema = z.string().regex(/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/, { error: 'expected a Go duration such as "2m" or "150ms"' });

const PickerParams = z.strictObject({ maxNumOfEndpoints: posInt().optional() });

// ── v0.7 (GIE v1.4.0 + SCHED v0.7.1) parameter schemas ──────────────────────────────────────────────

/**
 * GIE v1.4.0 pkg/epp/framework/plugins/scheduling/scorer/prefix/plugin.go:84-99 Config: `blockSizeTokens`
 * (default 16, DefaultBlockSizeTokens :42; block = tokens × 4 characters, averageCharactersPerToken :72);
 * `blockSize` (characters) alone makes New() fail (:186-190): "BlockSize is depricated, use BlockSizeTokens
 * instead". autoTune defaults to true (DefaultConfig :75-81).
 */
export const GieV140PrefixCacheScorerParams = z
  .strictObject({
    autoTune: z.boolean().optional(),
    blockSizeTokens: intAny().optional(),
    blockSize: intAny().optional(),
    maxPrefixBlocksToMatch: intAny().optional(),
    lruCapacityPerServer: intAny().optional(),
  })
  .superRefine((p, ctx) => {
    if ((p.blockSize ?? 0) > 0 && !((p.blockSizeTokens ?? 0) > 0))
      ctx.addIssue({
        code: 'custom',
        path: ['blockSize'],
        message: 'GIE v1.4.0 refuses blockSize without blockSizeTokens ("BlockSize is depricated, use BlockSizeTokens instead", prefix/plugin.go:187-190)',
      });
  });

const TokenProcessorConfig = z.strictObject({ blockSize: posInt().optional(), hashSeed: z.string().optional() });
const TokenizersPoolConfig = z.strictObject({
  modelName: z.string().optional(),
  workersCount: posInt().optional(),
  uds: z.strictObject({ socketFile: z.string() }).optional(),
  hf: z.strictObject({ huggingFaceToken: z.string().optional(), tokenizersCacheDir: z.string().optional() }).optional(),
  local: z.strictObject({ autoDiscoveryDir: z.string().optional(), modelTokenizerMap: z.record(z.string(), z.string()).optional() }).optional(),
});
/** SCHED v0.7.1 pkg/plugins/scorer/precise_prefix_cache.go PluginConfig (+ llm-d-kv-cache config). */
export const SchedV071PrecisePrefixCacheScorerParams = z.strictObject({
  tokenProcessorConfig: TokenProcessorConfig.optional(),
  /** Top-level in SCHED v0.7.1 (the only place it takes effect). */
  speculativeIndexing: z.boolean().optional(),
  speculativeTTL: GoDurationSchema.optional(),
  indexerConfig: z
    .strictObject({
      tokenProcessorConfig: TokenProcessorConfig.optional(),
      kvBlockIndexConfig: z
        .strictObject({
          inMemoryConfig: z.strictObject({ size: posInt().optional(), podCacheSize: posInt().optional() }).optional(),
          enableMetrics: z.boolean().optional(),
          metricsLoggingInterval: z.number().optional(),
        })
        .optional(),
      tokenizersPoolConfig: TokenizersPoolConfig.optional(),
      prefixStoreConfig: z.strictObject({ cacheSize: posInt().optional(), blockSize: posInt().optional() }).optional(),
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

/** SCHED v0.7.1 pkg/plugins/profile/pd_profile_handler.go:33-40 (deprecated alias of disagg-profile-handler). */
export const SchedV071PdProfileHandlerParams = z.strictObject({
  decodeProfile: z.string().min(1).optional(),
  prefillProfile: z.string().min(1).optional(),
  prefixPluginType: z.string().min(1).optional(),
  prefixPluginName: z.string().min(1).optional(),
  primaryPort: z.number().int().min(0).max(65535).optional(),
  /** Default "prefix-based-pd-decider": a plugin of that name must exist (pd_profile_handler.go:70-80). */
  deciderPluginName: z.string().min(1).optional(),
});

const DisaggFlatParams = {
  decodeProfile: z.string().min(1).optional(),
  prefillProfile: z.string().min(1).optional(),
  encodeProfile: z.string().min(1).optional(),
  prefillDeciderPluginName: z.string().min(1).optional(),
  encodeDeciderPluginName: z.string().min(1).optional(),
  deciderPluginName: z.string().min(1).optional(),
};
const DisaggNestedParams = {
  profiles: z.strictObject({ decode: z.string().optional(), prefill: z.string().optional(), encode: z.string().optional() }).optional(),
  deciders: z.strictObject({ prefill: z.string().optional(), encode: z.string().optional() }).optional(),
};
const noMixing = (p: Record<string, unknown>, ctx: z.RefinementCtx) => {
  const nested = Object.values((p.profiles ?? {}) as object).some(Boolean) || Object.values((p.deciders ?? {}) as object).some(Boolean);
  const flat = Object.keys(DisaggFlatParams).filter((k) => p[k] !== undefined);
  if (nested && flat.length)
    ctx.addIssue({
      code: 'custom',
      path: [flat[0]!],
      message: 'cannot mix deprecated flat parameters with nested parameters (profiles, deciders): use one format or the other',
    });
};
/**
 * SCHED v0.7.1 pkg/plugins/profile/disagg_profile_handler.go:36-62,108-135: nested `profiles{decode,prefill,
 * encode}` + `deciders{prefill,encode}`, or the legacy flat names (mixing both fails); profile defaults
 * decode/prefill/encode; no `deciders.prefill` → "P/D disaggregation disabled".
 */
export const SchedV071DisaggProfileHandlerParams = z.strictObject({ ...DisaggNestedParams, ...DisaggFlatParams }).superRefine(noMixing);

/** SCHED v0.7.1 pkg/plugins/profile/prefix_based_pd_decider.go:26-36: nonCachedTokens ≥ 0, default 0. */
export const SchedV071PrefixBasedPdDeciderParams = z.strictObject({ nonCachedTokens: nonNegInt().optional() });

// ── router (llm-d-router ebab68792) parameter schemas ────────────────────────────────────────────────

/**
 * ROUTER pkg/epp/framework/plugins/scheduling/scorer/prefix/plugin.go:34-42: the scorer only reads
 * PrefixCacheMatchInfo from a producer (default `approx-prefix-cache-producer`); block size and LRU moved there.
 */
export const RouterPrefixCacheScorerParams = z
  .strictObject({
    prefixMatchInfoProducerName: z.string().min(1).optional(),
    matchLengthWeight: z.number().optional(),
    matchLengthScaleTokens: intAny().optional(),
  })
  .superRefine((p, ctx) => {
    if ((p.matchLengthWeight ?? 0) !== 0)
      ctx.addIssue({ code: 'custom', path: ['matchLengthWeight'], message: 'the match-length score term is not simulated (only the match ratio is)' });
  });

/**
 * ROUTER pkg/epp/framework/plugins/requestcontrol/dataproducer/approximateprefix/types.go:136-165:
 * blockSizeTokens default 16, autoTune default true, maxPrefixTokensToMatch default 131072 (wins over
 * maxPrefixBlocksToMatch, default 2048), lruCapacityPerServer 31250; deprecated `blockSize` is copied into
 * blockSizeTokens when that is left at its default (plugin.go:386-398).
 */
export const RouterApproxPrefixCacheProducerParams = z.strictObject({
  autoTune: z.boolean().optional(),
  blockSizeTokens: intAny().optional(),
  blockSize: intAny().optional(),
  maxPrefixBlocksToMatch: nonNegInt().optional(),
  maxPrefixTokensToMatch: nonNegInt().optional(),
  lruCapacityPerServer: intAny().optional(),
});

/** ROUTER .../profilehandler/disagg/disagg_profile_handler.go:72-103 (nested + legacy flat + stageOrder). */
export const RouterDisaggProfileHandlerParams = z
  .strictObject({ stageOrder: z.string().optional(), ...DisaggNestedParams, ...DisaggFlatParams })
  .superRefine(noMixing);

/** ROUTER .../profilehandler/disagg/pd_profile_handler.go:33-44 (deprecated since v0.7.0). */
export const RouterPdProfileHandlerParams = SchedV071PdProfileHandlerParams.extend({ prefixMatchInfoProducerName: z.string().min(1).optional() });

/** ROUTER .../profilehandler/disagg/prefix_based_pd_decider.go:22-41: nonCachedTokens and promptTokens ≥ 0. */
export const RouterPrefixBasedPdDeciderParams = z.strictObject({ nonCachedTokens: nonNegInt().optional(), promptTokens: nonNegInt().optional() });

// ── tables ───────────────────────────────────────────────────────────────────────────────────────────

const sim = (kind: UpstreamPluginKind, params: z.ZodType = noParams, note?: string, deprecated?: string): UpstreamPluginType => ({
  kind,
  simulated: true,
  params,
  ...(note && { note }),
  ...(deprecated && { deprecated }),
});
const notSim = (kind: UpstreamPluginKind, deprecated?: string): UpstreamPluginType => ({ kind, simulated: false, params: anyParams, ...(deprecated && { deprecated }) });

const NO_OP_DATA = 'no-op: the simulator scrapes pod metrics and parses OpenAI bodies itself; the effect on scheduling is the same';

const V07_PLUGINS: Record<string, UpstreamPluginType> = {
  // GIE v1.4.0 cmd/epp/runner/runner.go:443-469
  'prefix-cache-scorer': sim('scorer', GieV140PrefixCacheScorerParams),
  'max-score-picker': sim('picker', PickerParams),
  'random-picker': sim('picker', PickerParams),
  'weighted-random-picker': sim('picker', PickerParams),
  'single-profile-handler': sim('profile-handler'),
  'kv-cache-utilization-scorer': sim('scorer'),
  'queue-scorer': sim('scorer'),
  'running-requests-size-scorer': notSim('scorer'),
  'lora-affinity-scorer': notSim('scorer'),
  'global-strict-fairness-policy': notSim('flow-control'),
  'round-robin-fairness-policy': notSim('flow-control'),
  'fcfs-ordering-policy': notSim('flow-control'),
  'edf-ordering-policy': notSim('flow-control'),
  'predicted-latency-scorer': notSim('scorer'),
  'header-based-testing-filter': notSim('filter'),
  // runner.go:462 "register response received plugin for test purpose only (used in conformance tests)"
  'destination-endpoint-served-verifier': sim('response-received', noParams, 'adds x-conformance-test-served-endpoint to the response (test plugin)'),
  'metrics-data-source': sim('data-source', anyParams, NO_OP_DATA),
  'model-server-protocol-metrics': sim('data-extractor', anyParams, NO_OP_DATA),
  'k8s-notification-source': sim('data-source', anyParams, NO_OP_DATA),
  'request-attribute-reporter': notSim('pre-request'),
  // SCHED v0.7.1 pkg/plugins/register.go:15-45
  'by-label': notSim('filter'),
  'by-label-selector': notSim('filter'),
  'encode-filter': notSim('filter'),
  'decode-filter': sim('filter'),
  'prefill-filter': sim('filter'),
  'disagg-headers-handler': sim('pre-request', z.strictObject({ prefillProfile: z.string().optional(), encodeProfile: z.string().optional() })),
  'prefill-header-handler': sim('pre-request', z.strictObject({ prefillProfile: z.string().optional(), encodeProfile: z.string().optional() }), undefined, 'legacy alias of disagg-headers-handler'),
  'data-parallel-profile-handler': sim('profile-handler', z.strictObject({ primaryPort: z.number().int().min(0).max(65535).optional() }), 'as single-profile-handler: each simulated pod is one data-parallel rank'),
  'disagg-profile-handler': sim('profile-handler', SchedV071DisaggProfileHandlerParams),
  'pd-profile-handler': sim('profile-handler', SchedV071PdProfileHandlerParams, undefined, 'legacy alias; use disagg-profile-handler'),
  'precise-prefix-cache-scorer': sim('scorer', SchedV071PrecisePrefixCacheScorerParams),
  'load-aware-scorer': sim('scorer', z.strictObject({ threshold: posInt().optional() })),
  'session-affinity-scorer': sim('scorer'),
  'active-request-scorer': sim('scorer', z.strictObject({ requestTimeout: GoDurationSchema.optional() })),
  'no-hit-lru-scorer': notSim('scorer'),
  'models-data-source': sim('data-source', anyParams, NO_OP_DATA),
  'model-server-protocol-models': sim('data-extractor', anyParams, NO_OP_DATA),
  'prefix-based-pd-decider': sim('decider', SchedV071PrefixBasedPdDeciderParams),
  'always-disagg-pd-decider': sim('decider'),
  tokenizer: sim(
    'data-producer',
    z.strictObject({ modelName: z.string().optional(), udsTokenizerConfig: z.strictObject({ socketFile: z.string() }).optional() }),
    'no-op: the simulator tokenizes in-process',
  ),
  'always-disagg-multimodal-decider': notSim('decider'),
  'context-length-aware': notSim('scorer'),
};

const ROUTER_PLUGINS: Record<string, UpstreamPluginType> = {
  // ROUTER cmd/epp/runner/runner.go:567-730
  'disaggregatedset-rollout-screener': notSim('screener'),
  'by-label-selector': notSim('filter', 'v0.9.0 → label-selector-filter'),
  'by-label': notSim('filter', 'v0.9.0 → label-selector-filter'),
  'label-selector-filter': notSim('filter'),
  'encode-filter': notSim('filter'),
  'decode-filter': sim('filter'),
  'prefill-filter': sim('filter'),
  'session-affinity-filter': notSim('filter'),
  'endpoint-attribute-filter': notSim('filter'),
  'topology-affinity-filter': notSim('filter'),
  'utilization-filter': notSim('filter'),
  'data-parallel-profile-handler': sim('profile-handler', z.strictObject({ primaryPort: z.number().int().min(0).max(65535).optional() }), 'as single-profile-handler: each simulated pod is one data-parallel rank'),
  'load-aware-scorer': sim('scorer', z.strictObject({ threshold: posInt().optional() })),
  'context-length-aware': notSim('scorer'),
  'session-affinity-scorer': notSim('scorer'),
  'header-label-affinity-scorer': notSim('scorer'),
  'models-data-source': sim('data-source', anyParams, NO_OP_DATA),
  'models-data-extractor': sim('data-extractor', anyParams, NO_OP_DATA),
  'topology-extractor': notSim('data-extractor'),
  'dcgm-data-source': notSim('data-source'),
  'dcgm-extractor': notSim('data-extractor'),
  'prefix-cache-scorer': sim('scorer', RouterPrefixCacheScorerParams),
  'max-score-picker': sim('picker', PickerParams),
  'random-picker': sim('picker', PickerParams),
  'weighted-random-picker': sim('picker', PickerParams),
  'single-profile-handler': sim('profile-handler'),
  'disagg-headers-handler': sim('pre-request', z.strictObject({ prefillProfile: z.string().optional(), encodeProfile: z.string().optional() }), undefined, 'v0.9.0 → disagg-profile-handler'),
  'prefill-header-handler': sim('pre-request', z.strictObject({ prefillProfile: z.string().optional(), encodeProfile: z.string().optional() }), undefined, 'v0.9.0 → disagg-profile-handler'),
  'pd-profile-handler': sim('profile-handler', RouterPdProfileHandlerParams, undefined, 'v0.7.0 → disagg-profile-handler'),
  // ROUTER disagg_profile_handler.go:526 PreRequest writes x-prefiller-host-port itself.
  'disagg-profile-handler': sim('profile-handler', RouterDisaggProfileHandlerParams),
  'always-disagg-pd-decider': sim('decider'),
  'prefix-based-pd-decider': sim('decider', RouterPrefixBasedPdDeciderParams),
  'always-disagg-multimodal-decider': notSim('decider'),
  'kv-cache-utilization-scorer': sim('scorer'),
  'queue-scorer': sim('scorer'),
  'running-requests-size-scorer': notSim('scorer'),
  'lora-affinity-scorer': notSim('scorer'),
  'token-load-scorer': notSim('scorer'),
  'no-hit-lru-scorer': notSim('scorer'),
  'active-request-scorer': notSim('scorer'),
  'precise-prefix-cache-scorer': notSim('scorer'),
  'mm-embeddings-cache-scorer': notSim('scorer'),
  'precise-prefix-cache-producer': sim(
    'data-producer',
    anyParams,
    'the precise KV-event index; prefix-cache-scorer with prefixMatchInfoProducerName pointing here scores matched/total blocks from it',
  ),
  'header-profile-handler': notSim('profile-handler'),
  'endpoint-attribute-scorer': notSim('scorer'),
  'topology-affinity-scorer': notSim('scorer'),
  'burst-prefix-cache-producer': notSim('data-producer'),
  'p2p-source-producer': notSim('data-producer'),
  'multicluster-session-affinity-filter': notSim('filter'),
  'multicluster-queue-scorer': notSim('scorer'),
  'multicluster-kv-cache-utilization-scorer': notSim('scorer'),
  'multicluster-prefix-cache-scorer': notSim('scorer'),
  'multicluster-approx-prefix-cache-producer': notSim('data-producer'),
  'global-strict-fairness-policy': notSim('flow-control'),
  'round-robin-fairness-policy': notSim('flow-control'),
  'program-aware-fairness': notSim('flow-control'),
  'fcfs-ordering-policy': notSim('flow-control'),
  'edf-ordering-policy': notSim('flow-control'),
  'slo-deadline-ordering-policy': notSim('flow-control'),
  'static-usage-limit-policy': notSim('flow-control'),
  'sheddable-eviction-filter': notSim('flow-control'),
  'priority-then-time-eviction-order-policy': notSim('flow-control'),
  'priority-holdback-policy': notSim('flow-control'),
  'soft-reflective-ceiling-policy': notSim('flow-control'),
  // runner.go:598-613 RegisterAsDefaultProducer: inserted automatically when a consumer needs their data.
  'approx-prefix-cache-producer': sim('data-producer', RouterApproxPrefixCacheProducerParams, 'the approximate prefix index (block size, LRU)'),
  'inflight-load-producer': sim('data-producer', anyParams, 'no-op: no simulated plugin consumes it'),
  'predicted-latency-producer': notSim('data-producer'),
  tokenizer: sim('data-producer', anyParams, 'no-op: the simulator tokenizes in-process', 'v0.9.0 → token-producer'),
  'mm-embeddings-cache-producer': notSim('data-producer'),
  'token-producer': sim('data-producer', anyParams, 'no-op: the simulator tokenizes in-process'),
  'session-id-producer': sim('data-producer', anyParams, 'no-op: no simulated plugin consumes it'),
  'latency-slo-admitter': notSim('admitter'),
  'probabilistic-admitter': notSim('admitter'),
  'prefix-cache-affinity-filter': notSim('filter'),
  'slo-headroom-tier-filter': notSim('filter'),
  'latency-scorer': notSim('scorer'),
  'header-based-testing-filter': notSim('filter'),
  // runner.go:689 (test purpose only, used in conformance tests)
  'destination-endpoint-served-verifier': sim('response-received', noParams, 'adds x-conformance-test-served-endpoint to the response (test plugin)'),
  'metrics-data-source': sim('data-source', anyParams, NO_OP_DATA),
  'core-metrics-extractor': sim('data-extractor', anyParams, NO_OP_DATA),
  'multicluster-metrics-data-source': notSim('data-source'),
  'multicluster-metrics-extractor': notSim('data-extractor'),
  'k8s-notification-source': sim('data-source', anyParams, NO_OP_DATA),
  'endpoint-notification-source': sim('data-source', anyParams, NO_OP_DATA),
  'request-attribute-reporter': notSim('pre-request'),
  'openai-parser': sim('parser', anyParams, NO_OP_DATA),
  'vllmgrpc-parser': notSim('parser'),
  'passthrough-parser': notSim('parser'),
  'anthropic-parser': notSim('parser'),
  'vllmhttp-parser': notSim('parser'),
  'sglanghttp-parser': notSim('parser'),
  'vertexai-parser': notSim('parser'),
  'concurrency-detector': notSim('saturation-detector'),
  'utilization-detector': notSim('saturation-detector'),
  'file-discovery': notSim('discovery'),
  'multicluster-file-discovery': notSim('discovery'),
  'agent-identity': notSim('request-header'),
};

export const UPSTREAM_PLUGINS: Record<LlmdVersion, Readonly<Record<string, UpstreamPluginType>>> = { 'v0.7': V07_PLUGINS, router: ROUTER_PLUGINS };

/** Plugin types a version registers (ordered as registered). */
export function knownPluginTypes(version: LlmdVersion): string[] {
  return Object.keys(UPSTREAM_PLUGINS[version]);
}

/** Plugin types the simulator simulates in a version. */
export function simulatedPluginTypes(version: LlmdVersion): string[] {
  return Object.entries(UPSTREAM_PLUGINS[version])
    .filter(([, t]) => t.simulated)
    .map(([n]) => n);
}

/** "llm-d-router ebab68792" / "llm-d-inference-scheduler v0.7.1 + GIE v1.4.0": how error messages name a version. */
export function versionLabel(version: LlmdVersion): string {
  const s = UPSTREAM_SOURCES[version];
  return version === 'router' ? `${s.epp.repo.split('/')[1]} ${s.epp.ref.slice(0, 8)}` : `${s.epp.repo.split('/')[1]} ${s.epp.ref} + GIE ${s.gie.ref}`;
}

/**
 * The top level of an EndpointPickerConfig per version. Both loaders decode with
 * `serializer.EnableStrict` (GIE v1.4.0 pkg/epp/config/loader/configloader.go decodeRawConfig; ROUTER
 * configloader.go:236-243), so any other key is an error. apiVersion and kind may be omitted: the
 * decoder defaults them from the target type.
 */
export interface EppConfigApi {
  apiVersions: readonly string[];
  /** Deprecated apiVersions (accepted with a log line). */
  deprecatedApiVersions: readonly string[];
  topLevelKeys: readonly string[];
  /** Registered feature gates (unknown gates fail: "feature gate '%s' is unknown or unregistered"). */
  featureGates: readonly string[];
}

export const EPP_CONFIG_API: Record<LlmdVersion, EppConfigApi> = {
  // GIE v1.4.0 apix/config/v1alpha1/endpointpickerconfig_types.go:31-63 (note: `data`, not `dataLayer`);
  // group inference.networking.x-k8s.io (zz_generated.register.go:31); gates runner.go:486-488
  // (datalayer/factory.go:31-32 "dataLayer", "prepareDataPlugins"; flowcontrol/config.go:28 "flowControl").
  'v0.7': {
    apiVersions: ['inference.networking.x-k8s.io/v1alpha1'],
    deprecatedApiVersions: [],
    topLevelKeys: ['apiVersion', 'kind', 'featureGates', 'plugins', 'schedulingProfiles', 'saturationDetector', 'data', 'flowControl'],
    featureGates: ['dataLayer', 'flowControl', 'prepareDataPlugins'],
  },
  // ROUTER apix/config/v1alpha1/endpointpickerconfig_types.go (group llm-d.ai, zz_generated.register.go:15);
  // the old group is still decoded (configloader.go:52-66 deprecatedSchemeGroupVersion); gates
  // runner.go:754-755 (`name` or `name=bool`, validation.go:138-150).
  router: {
    apiVersions: ['llm-d.ai/v1alpha1'],
    deprecatedApiVersions: ['inference.networking.x-k8s.io/v1alpha1'],
    topLevelKeys: ['apiVersion', 'kind', 'featureGates', 'plugins', 'schedulingProfiles', 'dataLayer', 'flowControl', 'requestHandler', 'saturationDetector', 'parser'],
    featureGates: ['flowControl', 'haPopulateNonLeaderDatastore'],
  },
};
