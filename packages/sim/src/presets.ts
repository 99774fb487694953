// Cluster presets reproducing the seed study's deployments (seed-repo.md §3), with latencies small enough
// that a test finishes in seconds: ITL 2–5 ms, prefill 0.05–0.2 ms/token.
import { z } from 'zod';
import { DEFAULT_LLMD_VERSION, LlmdVersionSchema, type LlmdVersion } from '@routebench/core';
import type { ClusterSpecInput } from './cluster.ts';
import type { MultiPoolSpecInput } from './multi-pool.ts';
import { PodFaultsSchema, type PodSpecInput } from './pod/pod-spec.ts';
import { KvEventsFaultSchema } from './kv-event-bus.ts';

export const PRESET_NAMES = ['agg-2', 'random-picker', 'multi-model', 'multi-model-mixed', 'autoscale', 'pd-1p1d', 'pd-2p2d', 'pd-precise'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export const PresetOptionsSchema = z.strictObject({
  /** 'broken': every NIXL transfer fails and decode pods recompute the prompt. */
  kvTransfer: z.enum(['ok', 'broken']).default('ok'),
  /** 'dropped': KV events never reach the EPP. 'pod-id-mismatch': they arrive under a pod id the scorer never looks up. */
  kvEvents: KvEventsFaultSchema.default('ok'),
  /** x-inference-pod/-namespace/-port response headers (llm-d-inference-sim only). */
  identityHeaders: z.boolean().default(true),
  /** Per-pod faults by pod name. */
  faults: z.record(z.string(), PodFaultsSchema).default({}),
  /** Multiplies every latency (2 = everything twice as slow). */
  speed: z.number().positive().default(1),
  eppLogPath: z.string().min(1).optional(),
  seed: z.union([z.number().int(), z.string()]).default(1),
  /** Per-pod batch size (vLLM --max-num-seqs). */
  maxNumSeqs: z.number().int().positive().optional(),
  /**
   * The P/D presets' decider. 'always-disagg' swaps prefix-based-pd-decider for upstream's
   * always-disagg-pd-decider (SCHED v0.7.1 pkg/plugins/profile/always_disagg_pd_decider.go: disaggregate()
   * returns true), which splits every request: selective P/D turned off, the pd-selective claim's control.
   */
  pdDecider: z.enum(['prefix-based', 'always-disagg']).default('prefix-based'),
  /** The llm-d generation the cluster behaves as: its EPP config shapes, plugins, logs and metrics. */
  llmdVersion: LlmdVersionSchema.default(DEFAULT_LLMD_VERSION),
});
export type PresetOptions = z.infer<typeof PresetOptionsSchema>;
export type PresetOptionsInput = z.input<typeof PresetOptionsSchema>;

/** The seed study's aggregated config (V1/V3): prefix ×2, queue ×1, kv-cache-utilization ×2. */
export const AGG_EPP_CONFIG = `apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
plugins:
- type: max-score-picker
- type: prefix-cache-scorer
- type: queue-scorer
- type: kv-cache-utilization-scorer
schedulingProfiles:
- name: default
  plugins:
  - pluginRef: max-score-picker
  - pluginRef: prefix-cache-scorer
    weight: 2
  - pluginRef: queue-scorer
    weight: 1
  - pluginRef: kv-cache-utilization-scorer
    weight: 2
`;

/** Control: the same scorers, but a random picker (scores are computed and ignored). */
export const RANDOM_EPP_CONFIG = AGG_EPP_CONFIG.replace(/max-score-picker/g, 'random-picker');

/** P/D with the approximate scorer, v0.7 form (SCHED v0.6/v0.7 guide: pd-profile-handler + prefix-based-pd-decider, prepareDataPlugins gate). */
export const PD_EPP_CONFIG = `apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
featureGates: [prepareDataPlugins]
plugins:
- type: prefill-header-handler
- type: prefix-cache-scorer
  parameters: {maxPrefixBlocksToMatch: 256, lruCapacityPerServer: 31250}
- type: queue-scorer
- type: prefill-filter
- type: decode-filter
- type: max-score-picker
- type: prefix-based-pd-decider
  parameters: {nonCachedTokens: 16}
- type: pd-profile-handler
  parameters: {deciderPluginName: prefix-based-pd-decider}
schedulingProfiles:
- name: prefill
  plugins: [{pluginRef: prefill-filter}, {pluginRef: max-score-picker}, {pluginRef: prefix-cache-scorer, weight: 2}, {pluginRef: queue-scorer, weight: 1}]
- name: decode
  plugins: [{pluginRef: decode-filter}, {pluginRef: max-score-picker}, {pluginRef: prefix-cache-scorer, weight: 2}, {pluginRef: queue-scorer, weight: 1}]
`;

/** P/D with the precise scorer (seed §3.4): precise ×3, kv-util ×2, queue ×2; block size = the pods' 16. */
export const PD_PRECISE_EPP_CONFIG = `apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
featureGates: [prepareDataPlugins]
plugins:
- type: prefill-header-handler
- type: precise-prefix-cache-scorer
  parameters:
    tokenProcessorConfig: {blockSize: 16}
    kvEventsConfig: {topicFilter: "kv@", concurrency: 4, zmqEndpoint: "tcp://*:5557"}
- type: kv-cache-utilization-scorer
- type: queue-scorer
- type: prefill-filter
- type: decode-filter
- type: max-score-picker
- type: prefix-based-pd-decider
  parameters: {nonCachedTokens: 16}
- type: pd-profile-handler
  parameters: {deciderPluginName: prefix-based-pd-decider}
schedulingProfiles:
- name: prefill
  plugins: [{pluginRef: prefill-filter}, {pluginRef: max-score-picker}, {pluginRef: precise-prefix-cache-scorer, weight: 3}, {pluginRef: kv-cache-utilization-scorer, weight: 2}, {pluginRef: queue-scorer, weight: 2}]
- name: decode
  plugins: [{pluginRef: decode-filter}, {pluginRef: max-score-picker}, {pluginRef: precise-prefix-cache-scorer, weight: 3}, {pluginRef: kv-cache-utilization-scorer, weight: 2}, {pluginRef: queue-scorer, weight: 2}]
`;

/** llm-d-router form of AGG_EPP_CONFIG: same scorers and weights under the llm-d.ai group (the old group is deprecated there). */
export const AGG_EPP_CONFIG_ROUTER = AGG_EPP_CONFIG.replace('inference.networking.x-k8s.io/v1alpha1', 'llm-d.ai/v1alpha1');
export const RANDOM_EPP_CONFIG_ROUTER = AGG_EPP_CONFIG_ROUTER.replace(/max-score-picker/g, 'random-picker');

/**
 * llm-d-router form of PD_EPP_CONFIG, as upstream's sample (ROUTER ebab68792 deploy/config/pd-epp-config.yaml):
 * the approximate index lives in approx-prefix-cache-producer, disagg-profile-handler names its decider under
 * `deciders.prefill` and sets the prefiller header itself (no prefill-header-handler).
 */
export const PD_EPP_CONFIG_ROUTER = `apiVersion: llm-d.ai/v1alpha1
kind: EndpointPickerConfig
plugins:
- type: approx-prefix-cache-producer
  parameters: {maxPrefixTokensToMatch: 16384, lruCapacityPerServer: 31250}
- type: prefix-cache-scorer
- type: queue-scorer
- type: prefill-filter
- type: decode-filter
- type: max-score-picker
- type: disagg-profile-handler
  parameters: {deciders: {prefill: prefix-based-pd-decider}}
- type: prefix-based-pd-decider
  parameters: {nonCachedTokens: 16}
schedulingProfiles:
- name: prefill
  plugins: [{pluginRef: prefill-filter}, {pluginRef: max-score-picker}, {pluginRef: prefix-cache-scorer, weight: 2}, {pluginRef: queue-scorer, weight: 1}]
- name: decode
  plugins: [{pluginRef: decode-filter}, {pluginRef: max-score-picker}, {pluginRef: prefix-cache-scorer, weight: 2}, {pluginRef: queue-scorer, weight: 1}]
`;

/**
 * llm-d-router form of PD_PRECISE_EPP_CONFIG: precise-prefix-cache-producer (KV events) feeding
 * prefix-cache-scorer through prefixMatchInfoProducerName, as ROUTER ebab68792
 * deploy/config/epp-precise-prefix-cache-config.yaml wires it; weights as the seed's (3/2/2).
 */
export const PD_PRECISE_EPP_CONFIG_ROUTER = `apiVersion: llm-d.ai/v1alpha1
kind: EndpointPickerConfig
plugins:
- type: precise-prefix-cache-producer
  parameters:
    tokenProcessorConfig: {blockSize: 16}
    kvEventsConfig: {topicFilter: "kv@", concurrency: 4, zmqEndpoint: "tcp://*:5557"}
- type: prefix-cache-scorer
  parameters: {prefixMatchInfoProducerName: precise-prefix-cache-producer}
- type: kv-cache-utilization-scorer
- type: queue-scorer
- type: prefill-filter
- type: decode-filter
- type: max-score-picker
- type: disagg-profile-handler
  parameters: {deciders: {prefill: prefix-based-pd-decider}}
- type: prefix-based-pd-decider
  parameters: {nonCachedTokens: 16}
schedulingProfiles:
- name: prefill
  plugins: [{pluginRef: prefill-filter}, {pluginRef: max-score-picker}, {pluginRef: prefix-cache-scorer, weight: 3}, {pluginRef: kv-cache-utilization-scorer, weight: 2}, {pluginRef: queue-scorer, weight: 2}]
- name: decode
  plugins: [{pluginRef: decode-filter}, {pluginRef: max-score-picker}, {pluginRef: prefix-cache-scorer, weight: 3}, {pluginRef: kv-cache-utilization-scorer, weight: 2}, {pluginRef: queue-scorer, weight: 2}]
`;

/** Each preset's EPP config, per generation. */
const EPP_CONFIGS: Record<LlmdVersion, { agg: string; random: string; pd: string; pdPrecise: string }> = {
  'v0.7': { agg: AGG_EPP_CONFIG, random: RANDOM_EPP_CONFIG, pd: PD_EPP_CONFIG, pdPrecise: PD_PRECISE_EPP_CONFIG },
  router: { agg: AGG_EPP_CONFIG_ROUTER, random: RANDOM_EPP_CONFIG_ROUTER, pd: PD_EPP_CONFIG_ROUTER, pdPrecise: PD_PRECISE_EPP_CONFIG_ROUTER },
};

/** The P/D configs with the decider plugin swapped (its entry and every reference to it by name). */
function withDecider(cfg: (typeof EPP_CONFIGS)[LlmdVersion], decider: PresetOptions['pdDecider']): (typeof EPP_CONFIGS)[LlmdVersion] {
  if (decider === 'prefix-based') return cfg;
  const swap = (yaml: string) => {
    const out = yaml
      .replace('- type: prefix-based-pd-decider\n  parameters: {nonCachedTokens: 16}\n', '- type: always-disagg-pd-decider\n')
      .replace(/deciderPluginName: prefix-based-pd-decider|prefill: prefix-based-pd-decider/g, (m) => m.replace('prefix-based-pd-decider', 'always-disagg-pd-decider'));
    // A preset config that no longer has the decider entry would silently keep the selective decider.
    if (out.includes('prefix-based-pd-decider')) throw new Error('presets: pdDecider always-disagg: the P/D config still names prefix-based-pd-decider');
    return out;
  };
  return { ...cfg, pd: swap(cfg.pd), pdPrecise: swap(cfg.pdPrecise) };
}

const MODEL_7B = 'Qwen/Qwen2.5-7B-Instruct';
const MODEL_05B = 'Qwen/Qwen2.5-0.5B-Instruct';

export function presetSpec(name: PresetName, optsInput: PresetOptionsInput = {}): ClusterSpecInput {
  const r = PresetOptionsSchema.safeParse(optsInput);
  if (!r.success) throw new Error(`invalid preset options: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  const o = r.data;
  if (!(PRESET_NAMES as readonly string[]).includes(name)) throw new Error(`unknown preset '${name}' (known: ${PRESET_NAMES.join(', ')})`);

  const pod = (podName: string, extra: Partial<PodSpecInput> = {}, lat = { itl: 3, prefill: 0.1 }): PodSpecInput => ({
    name: podName,
    models: [MODEL_7B],
    role: 'both',
    maxNumSeqs: o.maxNumSeqs ?? 16,
    identityHeaders: o.identityHeaders,
    kvTransfer: o.kvTransfer,
    latency: {
      prefillOverheadMs: 1 * o.speed,
      prefillTimePerTokenMs: lat.prefill * o.speed,
      interTokenLatencyMs: lat.itl * o.speed,
      timeFactorUnderLoad: 1.5,
      kvTransferTimePerTokenMs: 0.01 * o.speed,
      seed: `${o.seed}:${podName}`,
    },
    kvCache: { blockSize: 16, capacityBlocks: 4096 },
    faults: o.faults[podName] ?? {},
    ...extra,
  });
  // Claims that read the EPP log need its per-request lines: "Request handled" is V(3) and the scorer lines
  // V(4), so a real cluster needs the EPP at `--v=4` (`--v=3` for attribution only); the chart default is 1.
  const base = { llmdVersion: o.llmdVersion, kvEvents: o.kvEvents, eppLogPath: o.eppLogPath, seed: o.seed, ...(o.eppLogPath ? { eppVerbosity: 4 } : {}) };
  const cfg = withDecider(EPP_CONFIGS[o.llmdVersion], o.pdDecider);
  const checkFaults = (pods: PodSpecInput[]) => {
    for (const n of Object.keys(o.faults)) if (!pods.some((p) => p.name === n)) throw new Error(`invalid preset options: faults.${n}: no pod named '${n}' in preset ${name}`);
    return pods;
  };

  switch (name) {
    case 'agg-2':
      return { ...base, eppConfig: cfg.agg, pods: checkFaults([pod('agg-0'), pod('agg-1')]) };
    case 'random-picker':
      return { ...base, eppConfig: cfg.random, pods: checkFaults([pod('agg-0'), pod('agg-1')]) };
    case 'multi-model':
      // One pool per model behind body-based routing: not one cluster (multiPoolPresetSpec below).
      throw new Error(`preset multi-model is one InferencePool per model behind body-based routing: use multiPoolPresetSpec('multi-model') and startMultiPool(); 'multi-model-mixed' is the single pool over both models`);
    case 'multi-model-mixed':
      // Both models' pods in one InferencePool: the EPP does not filter by model, so requests reach pods that
      // do not serve their model and get vLLM's 404 (the negative control of the model-routing claim).
      return {
        ...base,
        eppConfig: cfg.agg,
        pods: checkFaults([
          pod('qwen-7b', { models: [MODEL_7B], maxModelLen: 8192 }, { itl: 5, prefill: 0.2 }),
          pod('qwen-05b', { models: [MODEL_05B], maxModelLen: 4096 }, { itl: 2, prefill: 0.05 }),
        ]),
      };
    case 'autoscale':
      checkFaults([]);
      return {
        ...base,
        eppConfig: cfg.agg,
        pods: [],
        autoscale: {
          template: pod('decode', { maxNumSeqs: o.maxNumSeqs ?? 5, startupDelayMs: 300 }),
          minReplicas: 1,
          maxReplicas: 4,
          targetQueueSize: 5,
          intervalMs: 250,
          scaleUpStabilizationMs: 0,
          scaleDownStabilizationMs: 1500,
          tolerance: 0.1,
        },
      };
    case 'pd-1p1d':
      return { ...base, eppConfig: cfg.pd, sidecars: true, pods: checkFaults([pod('prefill-0', { role: 'prefill' }), pod('decode-0', { role: 'decode' })]) };
    case 'pd-2p2d':
      return {
        ...base,
        eppConfig: cfg.pd,
        sidecars: true,
        pods: checkFaults([pod('prefill-0', { role: 'prefill' }), pod('prefill-1', { role: 'prefill' }), pod('decode-0', { role: 'decode' }), pod('decode-1', { role: 'decode' })]),
      };
    case 'pd-precise':
      return {
        ...base,
        eppConfig: cfg.pdPrecise,
        sidecars: true,
        pods: checkFaults([pod('prefill-0', { role: 'prefill' }), pod('prefill-1', { role: 'prefill' }), pod('decode-0', { role: 'decode' }), pod('decode-1', { role: 'decode' })]),
      };
  }
}

/** Presets that are several pools behind a body-based router (startMultiPool), not one cluster (startCluster). */
export const MULTI_POOL_PRESETS: readonly PresetName[] = ['multi-model'];
export const isMultiPoolPreset = (name: string): boolean => (MULTI_POOL_PRESETS as readonly string[]).includes(name);

/**
 * multi-model as upstream deploys it (core upstream/bbr.ts): one InferencePool + EPP per model, each pool's
 * HTTPRoute matching X-Gateway-Base-Model-Name, behind body-based routing. The pods, EPP config and options
 * are multi-model-mixed's, split by model; an eppLogPath is shared (every pool's EPP appends its lines).
 */
export function multiPoolPresetSpec(name: PresetName, optsInput: PresetOptionsInput = {}): MultiPoolSpecInput {
  if (name !== 'multi-model') throw new Error(`preset '${name}' is not a multi-pool preset (multi-pool: ${MULTI_POOL_PRESETS.join(', ')})`);
  const mixed = presetSpec('multi-model-mixed', optsInput);
  const slug = (m: string) => m.slice(m.lastIndexOf('/') + 1).toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const models = [...new Set(mixed.pods.flatMap((p) => p.models ?? []))];
  return {
    pools: models.map((model) => ({
      name: `pool-${slug(model)}`,
      baseModel: model,
      cluster: { ...mixed, pods: mixed.pods.filter((p) => (p.models ?? [])[0] === model) },
    })),
  };
}
