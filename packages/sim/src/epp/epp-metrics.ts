// The EPP's own Prometheus metrics (GIE v1.2.0–v1.5.0 names and labels, llmd-internals.md §4):
// inference_objective_* per model, inference_pool_* gauges (label `name`), scheduler attempts with the
// GIE v1.5 per-endpoint labels, the prefix indexer histograms, and llm-d's P/D decision counter.
// Per-generation labels and which handler bumps which decision counter come from
// @routebench/core upstream/metrics.ts (SCHEDULER_ATTEMPTS_LABELS, DECISION_COUNTER_BY_HANDLER).
import { DECISION_COUNTER_BY_HANDLER, DEFAULT_LLMD_VERSION, SCHEDULER_ATTEMPTS_LABELS, type DecisionProfileHandler, type LlmdVersion } from '@routebench/core';
import { createRegistry, type Registry } from '../prom-text.ts';
import type { Endpoint } from './scheduling-types.ts';

const DURATION_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700, 3600];
const SCHED_BUCKETS = [0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1];
const RATIO_BUCKETS = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];
const HIT_BYTES_BUCKETS = [0, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536];

export interface EppMetrics {
  registry: Registry;
  requestReceived(model: string, targetModel: string): void;
  requestError(model: string, targetModel: string, errorCode: string): void;
  requestDone(model: string, targetModel: string, seconds: number): void;
  running(model: string, delta: 1 | -1): void;
  schedulerAttempt(status: 'success' | 'failure', targetModel: string, primary?: Endpoint): void;
  schedulerDuration(seconds: number): void;
  prefixMatch(matchBlocks: number, totalBlocks: number, blockSize: number): void;
  /** Only the counter of the handler that made the decision moves (SCHED v0.7.1; see DECISION_COUNTER_BY_HANDLER). */
  disaggDecision(model: string, decision: string, handler?: DecisionProfileHandler): void;
  render(): string;
}

export function createEppMetrics(o: {
  poolName: string;
  endpoints: () => Endpoint[];
  indexerSize: () => number;
  version?: LlmdVersion;
  /** The config's profile handler (type and name): which decision counter moves, and the router's plugin labels. */
  decisionHandler?: { type: DecisionProfileHandler; name: string };
}): EppMetrics {
  // The EPP is Go (prometheus/client_golang via controller-runtime): an unused *Vec is not exposed at all.
  const r = createRegistry({ omitEmptyFamilies: true });
  const attemptLabels = SCHEDULER_ATTEMPTS_LABELS[o.version ?? DEFAULT_LLMD_VERSION];
  const reqTotal = r.counter({ name: 'inference_objective_request_total', help: '[ALPHA] Counter of inference objective requests broken out for each model and target model.' });
  const reqErr = r.counter({ name: 'inference_objective_request_error_total', help: '[ALPHA] Counter of inference objective requests errors broken out for each model and target model.' });
  const reqDur = r.histogram({ name: 'inference_objective_request_duration_seconds', help: '[ALPHA] Inference objective response latency distribution in seconds for each model and target model.', buckets: DURATION_BUCKETS });
  const running = r.gauge({ name: 'inference_objective_running_requests', help: '[ALPHA] Inference objective number of running requests in each model.' });
  const fresh = () => o.endpoints();
  r.gauge({
    name: 'inference_pool_average_kv_cache_utilization',
    help: '[ALPHA] The average kv cache utilization for an inference server pool.',
    collect: () => {
      const eps = fresh();
      return [{ labels: { name: o.poolName }, value: eps.length ? eps.reduce((s, e) => s + e.metrics.kvUsage, 0) / eps.length : 0 }];
    },
  });
  r.gauge({
    name: 'inference_pool_average_queue_size',
    help: '[ALPHA] The average number of requests pending in the model server queue.',
    // GIE computes this with integer division Σqueue / pods.
    collect: () => {
      const eps = fresh();
      return [{ labels: { name: o.poolName }, value: eps.length ? Math.floor(eps.reduce((s, e) => s + e.metrics.waiting, 0) / eps.length) : 0 }];
    },
  });
  r.gauge({ name: 'inference_pool_ready_pods', help: '[ALPHA] The number of ready pods in the inference server pool.', collect: () => [{ labels: { name: o.poolName }, value: fresh().length }] });
  r.gauge({
    name: 'inference_pool_per_pod_queue_size',
    help: '[ALPHA] The total number of requests pending in the model server queue for each underlying pod.',
    collect: () => fresh().map((e) => ({ labels: { name: o.poolName, model_server_pod: e.name }, value: e.metrics.waiting })),
  });
  const attempts = r.counter({ name: 'inference_extension_scheduler_attempts_total', help: '[ALPHA] Total number of scheduling attempts.' });
  const schedDur = r.histogram({ name: 'inference_extension_scheduler_e2e_duration_seconds', help: '[ALPHA] End-to-end scheduling latency distribution in seconds.', buckets: SCHED_BUCKETS });
  r.gauge({ name: 'inference_extension_prefix_indexer_size', help: '[ALPHA] Size of the prefix indexer.', collect: () => [{ labels: {}, value: o.indexerSize() }] });
  const hitRatio = r.histogram({ name: 'inference_extension_prefix_indexer_hit_ratio', help: '[ALPHA] Ratio of prefix length matched to total prefix length in the cache lookup.', buckets: RATIO_BUCKETS });
  const hitBytes = r.histogram({ name: 'inference_extension_prefix_indexer_hit_bytes', help: '[ALPHA] Length of the prefix match in number of bytes in the cache lookup.', buckets: HIT_BYTES_BUCKETS });
  const disagg = r.counter({ name: 'llm_d_inference_scheduler_disagg_decision_total', help: 'Total number of disaggregation routing decisions made' });
  const pdLegacy = r.counter({ name: 'llm_d_inference_scheduler_pd_decision_total', help: 'Total number of P/D disaggregation decisions made (deprecated: use llm_d_inference_scheduler_disagg_decision_total)' });
  // llm-d-router keeps both llm_d_inference_scheduler_* counters (deprecated) and adds llm_d_epp_* copies
  // with plugin_name/plugin_type labels, incremented together (ROUTER ebab68792
  // pkg/epp/framework/plugins/scheduling/profilehandler/disagg/metrics.go:41-133).
  const router = (o.version ?? DEFAULT_LLMD_VERSION) === 'router';
  const eppDisagg = router ? r.counter({ name: 'llm_d_epp_disagg_decision_total', help: '[ALPHA] Total number of disaggregation routing decisions made' }) : undefined;
  const eppPd = router ? r.counter({ name: 'llm_d_epp_pd_decision_total', help: '[ALPHA] Total number of P/D disaggregation decisions made' }) : undefined;

  return {
    registry: r,
    requestReceived: (m, t) => reqTotal.inc({ model_name: m, target_model_name: t }),
    requestError: (m, t, code) => reqErr.inc({ model_name: m, target_model_name: t, error_code: code }),
    requestDone: (m, t, s) => reqDur.observe({ model_name: m, target_model_name: t }, s),
    running: (m, d) => running.inc({ model_name: m }, d),
    schedulerAttempt(status, targetModel, primary) {
      const [host, port] = primary ? [primary.name, primary.address.split(':')[1] ?? ''] : ['', ''];
      const all: Record<string, string> = { status, target_model_name: targetModel, pod_name: host, namespace: primary?.namespace ?? '', port };
      // GIE v1.4.0 has only {status}; v1.5.0 adds target_model_name and the endpoint labels.
      attempts.inc(Object.fromEntries(attemptLabels.map((k) => [k, all[k] ?? ''])));
    },
    schedulerDuration: (s) => schedDur.observe({}, s),
    prefixMatch(matchBlocks, totalBlocks, blockSize) {
      hitRatio.observe({}, matchBlocks / totalBlocks);
      hitBytes.observe({}, matchBlocks * blockSize);
    },
    disaggDecision(model, decision, handler = o.decisionHandler?.type ?? 'disagg-profile-handler') {
      // SCHED v0.7.1 pkg/metrics/metrics.go:58-72: an empty model is recorded as "unknown".
      const labels = { model_name: model || 'unknown', decision_type: decision };
      const legacy = DECISION_COUNTER_BY_HANDLER[handler] === 'llm_d_inference_scheduler_pd_decision_total';
      (legacy ? pdLegacy : disagg).inc(labels);
      const name = o.decisionHandler?.type === handler ? o.decisionHandler.name : handler;
      (legacy ? eppPd : eppDisagg)?.inc({ plugin_name: name, plugin_type: handler, ...labels });
    },
    render: () => r.render(),
  };
}
