// One canonical name per metric across the generations of vLLM / GIE / llm-d that a cluster may run,
// so claims and attribution can ask for "kv cache usage" without knowing which version is deployed.
// Canonical = the newest name, and for counters the name without `_total` (prometheus_client
// declares counters without it and exposes `<name>_total`; Prometheus servers store `_total`).
import type { MetricType } from './prom-parse.ts';

/** Old name → new name. Applied after stripping `_total` from counters. */
const RENAMES: ReadonlyArray<readonly [RegExp, string]> = [
  // vLLM 0.9.2 renamed the KV gauge; 0.11 renamed per-token latency.
  [/^vllm:gpu_cache_usage_perc$/, 'vllm:kv_cache_usage_perc'],
  [/^vllm:time_per_output_token_seconds$/, 'vllm:inter_token_latency_seconds'],
  [/^vllm:gpu_prefix_cache_(queries|hits)$/, 'vllm:prefix_cache_$1'],
  // GIE v1.1.0: InferenceModel → InferenceObjective.
  [/^inference_model_/, 'inference_objective_'],
  // llm-d scheduler: pd_decision_total deprecated for disagg_decision_total.
  [/^llm_d_inference_scheduler_pd_decision$/, 'llm_d_inference_scheduler_disagg_decision'],
  // llm-d-router adds llm_d_epp_{pd,disagg}_decision_total beside the deprecated pair, incremented together
  // (ROUTER ebab68792 profilehandler/disagg/metrics.go:41-133); one per target is kept (onePerGeneration).
  [/^llm_d_epp_(pd|disagg)_decision$/, 'llm_d_inference_scheduler_disagg_decision'],
];

/** Canonical names used by routebench (constants so callers do not spell them). */
export const CANONICAL_METRICS = {
  running: 'vllm:num_requests_running',
  waiting: 'vllm:num_requests_waiting',
  kvUsage: 'vllm:kv_cache_usage_perc',
  requestSuccess: 'vllm:request_success',
  promptTokens: 'vllm:prompt_tokens',
  generationTokens: 'vllm:generation_tokens',
  prefixCacheQueries: 'vllm:prefix_cache_queries',
  prefixCacheHits: 'vllm:prefix_cache_hits',
  preemptions: 'vllm:num_preemptions',
  ttft: 'vllm:time_to_first_token_seconds',
  itl: 'vllm:inter_token_latency_seconds',
  e2e: 'vllm:e2e_request_latency_seconds',
  eppReadyPods: 'inference_pool_ready_pods',
  eppAvgKv: 'inference_pool_average_kv_cache_utilization',
  eppAvgQueue: 'inference_pool_average_queue_size',
  eppPerPodQueue: 'inference_pool_per_pod_queue_size',
  eppSchedulerAttempts: 'inference_extension_scheduler_attempts',
  eppObjectiveRequests: 'inference_objective_request',
  disaggDecision: 'llm_d_inference_scheduler_disagg_decision',
  externalHits: 'vllm:external_prefix_cache_hits',
  externalQueries: 'vllm:external_prefix_cache_queries',
  nixlFailedTransfers: 'vllm:nixl_num_failed_transfers',
  nixlXferTime: 'vllm:nixl_xfer_time_seconds',
  prefillKvComputed: 'vllm:request_prefill_kv_computed_tokens',
} as const;

/**
 * Canonical name of a family. `type` matters only for `_total`: a histogram may legitimately end in
 * `_total` (vllm:iteration_tokens_total), so only counters (or names the caller knows to be
 * counters) lose it.
 */
export function canonicalMetricName(name: string, type?: MetricType): string {
  let n = name;
  if (type === 'counter' && n.endsWith('_total')) n = n.slice(0, -'_total'.length);
  for (const [re, to] of RENAMES) {
    if (re.test(n)) {
      n = n.replace(re, to);
      break;
    }
  }
  return n;
}

/** Names a canonical counter/gauge/histogram may be exposed under, newest first (for PromQL). */
export function exposedNameVariants(canonical: string, type: MetricType): string[] {
  const bases = [canonical];
  for (const [re, to] of RENAMES) {
    // Invert the simple renames by trying every old form whose rewrite lands on `canonical`.
    for (const old of OLD_FORMS) if (re.test(old) && old.replace(re, to) === canonical) bases.push(old);
  }
  if (canonical.startsWith('inference_objective_')) bases.push('inference_model_' + canonical.slice('inference_objective_'.length));
  const unique = [...new Set(bases)];
  if (type !== 'counter') return unique;
  return unique.flatMap((b) => [b + '_total', b]);
}

const OLD_FORMS = [
  'vllm:gpu_cache_usage_perc',
  'vllm:time_per_output_token_seconds',
  'vllm:gpu_prefix_cache_queries',
  'vllm:gpu_prefix_cache_hits',
  'llm_d_inference_scheduler_pd_decision',
];
