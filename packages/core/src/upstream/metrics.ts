// EPP and vLLM metric facts per llm-d generation, read from upstream source (2026-12-02). The simulator
// writes these names and labels; the evidence readers read them.
import type { LlmdVersion } from './versions.ts';

/**
 * Labels of `inference_extension_scheduler_attempts_total`.
 *   v0.7:   GIE v1.4.0 pkg/epp/metrics/metrics.go:320-323 — `[]string{"status"}` only.
 *   router: GIE v1.5.0 pkg/epp/metrics/metrics.go:59,331-334 — status, target_model_name + endpointLabels
 *           (pod_name, namespace, port).
 * So per-endpoint scheduler attempts are unavailable on the seed's stack.
 */
export const SCHEDULER_ATTEMPTS_LABELS: Record<LlmdVersion, readonly string[]> = {
  'v0.7': ['status'],
  router: ['status', 'target_model_name', 'pod_name', 'namespace', 'port'],
};

/** SCHED v0.7.1 pkg/metrics/metrics.go:14-21 (DecisionType* constants). */
export const DISAGG_DECISION_TYPES = ['decode-only', 'prefill-decode', 'encode-decode', 'encode-prefill-decode'] as const;

/**
 * Which profile handler increments which decision counter (both registered, labels model_name,
 * decision_type; SCHED v0.7.1 pkg/metrics/metrics.go:28-46; model "" → "unknown", :58-72):
 *   disagg-profile-handler → llm_d_inference_scheduler_disagg_decision_total only
 *     (pkg/plugins/profile/disagg_profile_handler.go:308 RecordDisaggDecision);
 *   pd-profile-handler (deprecated) → llm_d_inference_scheduler_pd_decision_total only
 *     (pkg/plugins/profile/pd_profile_handler.go:197,208 RecordPDDecision).
 * A reader must accept either name (metric-names.ts maps pd_decision onto disagg_decision).
 */
export const DECISION_COUNTER_BY_HANDLER = {
  'disagg-profile-handler': 'llm_d_inference_scheduler_disagg_decision_total',
  'pd-profile-handler': 'llm_d_inference_scheduler_pd_decision_total',
} as const;
export type DecisionProfileHandler = keyof typeof DECISION_COUNTER_BY_HANDLER;

/**
 * EPP /metrics authentication. `--metrics-endpoint-auth` defaults to true (GIE v1.4.0
 * pkg/epp/server/options.go:87,123); when on, the metrics server uses controller-runtime's
 * `filters.WithAuthenticationAndAuthorization` (GIE v1.4.0 cmd/epp/runner/runner.go:265-273), which
 * authenticates the bearer token with a TokenReview and authorises `get` on the non-resource URL
 * /metrics with a SubjectAccessReview. controller-runtime answers a missing/invalid token with 401
 * and a token without the RBAC permission with 403 (pkg/metrics/filters/filters.go; not re-read at a tag
 * here — treat any 401/403 as "auth required"). The kube API server's authentication filter deletes the
 * Authorization header before proxying (k8s apiserver pkg/endpoints/filters/authentication.go), so a
 * scrape through the API-server pod proxy never carries a token to the EPP.
 */
export const EPP_METRICS_AUTH_DEFAULT = true;
export const EPP_METRICS_AUTH_REJECT_STATUS = { missingOrInvalidToken: 401, forbidden: 403 } as const;
export const EPP_METRICS_AUTH_HINT =
  'EPP /metrics needs a token (--metrics-endpoint-auth defaults to true); the API-server proxy strips Authorization; pass --epp-token-file and a direct URL';

/**
 * vLLM v1 external prefix cache counters (vllm/v1/core/sched/scheduler.py, connector_prefix_cache_stats;
 * vllm/v1/metrics/loggers.py vllm:external_prefix_cache_queries / _hits). On a pod with a KV connector
 * (--kv-transfer-config, i.e. every llm-d P/D pod) the scheduler records them for EVERY request it
 * schedules: queries = tokens not found locally, hits = tokens the connector loads externally. Read through
 * code search (the vllm repo is too large to fetch, so no commit is pinned): current scheduler.py sets
 * `connector_prefix_cache_queries = request.num_tokens - num_new_local_computed_tokens` and records it
 * after block allocation whenever it is != 0; an older `_update_connector_prefix_cache_stats` recorded
 * `num_tokens=request.num_tokens`. Either way every scheduled request counts, split or not.
 * Decode-only and prefill-side requests therefore add queries with 0 hits, which dilutes the ratio: the
 * seed's 2x2 run showed queries 57/38, hits 0 and no P/D split; its passing NIXL run showed 54.3%.
 * A claim must judge transfers from split requests (decision counters / prefill-pod request deltas)
 * and NIXL's own counters, not from the ratio alone.
 */
export const EXTERNAL_PREFIX_CACHE_SEMANTICS = {
  recordedOn: 'every request of a pod with a KV connector',
  queries: 'num_tokens - local prefix-cache hits (older vLLM: num_tokens)',
  hits: 'tokens loaded through the KV connector',
} as const;

/**
 * NIXL connector metric names as routebench reads them (vllm/distributed/kv_transfer/kv_connector/v1/
 * nixl_connector.py NixlPromMetrics; the conformance page found all to exist). Not re-read at a commit
 * in this pass.
 */
export const NIXL_METRICS = {
  xferTime: 'vllm:nixl_xfer_time_seconds',
  failedTransfers: 'vllm:nixl_num_failed_transfers',
} as const;
