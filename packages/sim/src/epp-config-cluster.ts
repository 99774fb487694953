// clusterSpecFromEppConfig: a simulated cluster that an upstream EndpointPickerConfig makes sense for.
// The config is loaded under the given llm-d version first (so an unknown or non-simulated plugin is
// refused naming the plugin type and version), then the pods are derived from what it schedules:
//   - P/D (a disagg/pd profile handler with a prefill decider, or any profile with prefill-filter):
//     `prefill` pods (llm-d.ai/role=prefill) + `decode` pods behind the routing sidecar;
//   - otherwise N aggregated pods (role both: what decode-filter keeps, like unlabelled pods).
// With a precise prefix index the pods' KV block size is the index's (tokenProcessorConfig.blockSize),
// as upstream's samples require ("must match vLLM block size").
import type { LlmdVersion } from '@routebench/core';
import type { ClusterSpecInput } from './cluster.ts';
import { loadEppConfig, type ResolvedEppConfig } from './epp/config.ts';
import { disaggHandlerOptions, preciseBlockSize } from './epp/plugin-params.ts';
import type { PodSpecInput } from './pod/pod-spec.ts';

export interface EppConfigClusterOptions {
  version: LlmdVersion;
  /** EPP `--v` (default: the cluster spec's default, the chart's 1). */
  eppVerbosity?: number;
  /** Aggregated pods (default 2); P/D configs get this many prefill and this many decode pods. */
  replicas?: number;
  model?: string;
  /** Values for `${VAR}` in the config (default: process.env, with MODEL_NAME defaulting to the model). */
  env?: Record<string, string | undefined>;
  seed?: number | string;
  eppLogPath?: string;
}

export const DEFAULT_EPP_CONFIG_MODEL = 'Qwen/Qwen2.5-7B-Instruct';

/** Whether a resolved config splits prefill from decode. */
export function isDisaggregated(config: ResolvedEppConfig): boolean {
  const handler = config.plugins.find((p) => p.name === config.profileHandler)!;
  if (handler.type === 'disagg-profile-handler' || handler.type === 'pd-profile-handler') {
    const o = disaggHandlerOptions(handler.type, handler.parameters);
    if (o.prefillDecider && config.profiles.some((p) => p.name === o.prefillProfile)) return true;
  }
  const prefillFilters = new Set(config.plugins.filter((p) => p.type === 'prefill-filter').map((p) => p.name));
  return config.profiles.some((p) => p.filters.some((f) => prefillFilters.has(f)));
}

export function clusterSpecFromEppConfig(text: string, opts: EppConfigClusterOptions): ClusterSpecInput {
  const model = opts.model ?? DEFAULT_EPP_CONFIG_MODEL;
  const env: Record<string, string | undefined> = { MODEL_NAME: model, ...(opts.env ?? process.env) };
  const resolved = loadEppConfig(text, { version: opts.version, env });
  const n = opts.replicas ?? 2;
  const precise = resolved.plugins.find((p) => p.type === 'precise-prefix-cache-scorer' || p.type === 'precise-prefix-cache-producer');
  const blockSize = precise ? preciseBlockSize(precise.parameters) : 16;
  const pod = (name: string, role: PodSpecInput['role']): PodSpecInput => ({
    name,
    role,
    models: [model],
    maxNumSeqs: 16,
    latency: { prefillOverheadMs: 1, prefillTimePerTokenMs: 0.1, interTokenLatencyMs: 3, timeFactorUnderLoad: 1.5, kvTransferTimePerTokenMs: 0.01, seed: `${opts.seed ?? 1}:${name}` },
    kvCache: { blockSize, capacityBlocks: 4096 },
  });
  const pd = isDisaggregated(resolved);
  const pods = pd
    ? [...Array.from({ length: n }, (_, i) => pod(`prefill-${i}`, 'prefill')), ...Array.from({ length: n }, (_, i) => pod(`decode-${i}`, 'decode'))]
    : Array.from({ length: n }, (_, i) => pod(`pod-${i}`, 'both'));
  // The text, with placeholders filled, is what the cluster loads again under the same version.
  const substituted = text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => env[name] ?? '');
  return {
    llmdVersion: opts.version,
    ...(opts.eppVerbosity !== undefined && { eppVerbosity: opts.eppVerbosity }),
    eppConfig: substituted,
    pods,
    sidecars: pd,
    ...(opts.seed !== undefined && { seed: opts.seed }),
    ...(opts.eppLogPath && { eppLogPath: opts.eppLogPath }),
  };
}
