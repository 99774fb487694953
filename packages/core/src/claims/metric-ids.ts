// Canonical metric names the claims read (see metrics/metric-names.ts for how exposed names map onto them:
// counters lose `_total`, older vLLM / GIE / llm-d names are renamed to the newest). Kept here so the claims
// do not depend on the shape of the metrics module's constant table.
export const M = {
  kvUsage: 'vllm:kv_cache_usage_perc',
  requestSuccess: 'vllm:request_success',
  promptTokens: 'vllm:prompt_tokens',
  prefixCacheQueries: 'vllm:prefix_cache_queries',
  prefixCacheHits: 'vllm:prefix_cache_hits',
  externalHits: 'vllm:external_prefix_cache_hits',
  externalQueries: 'vllm:external_prefix_cache_queries',
  nixlFailedTransfers: 'vllm:nixl_num_failed_transfers',
  nixlXferTime: 'vllm:nixl_xfer_time_seconds',
  prefillKvComputed: 'vllm:request_prefill_kv_computed_tokens',
  eppReadyPods: 'inference_pool_ready_pods',
  disaggDecision: 'llm_d_inference_scheduler_disagg_decision',
} as const;
