// The pod's /metrics: vLLM V1 engine metric names, types and labels {model_name, engine="0"}.
// Bucket boundaries are vLLM's, from vllm/v1/metrics/loggers.py (PrometheusStatLogger; 0.10/0.11-era
// file, commit 005a810b, and later versions for request_prefill_kv_computed_tokens) and, for
// vllm:nixl_xfer_time_seconds, vllm/distributed/kv_transfer/kv_connector/v1/nixl_connector.py
// (NixlPromMetrics: buckets[1:] of 0.001,0.005,…,5.0).
import { createRegistry, type Registry, type Counter, type Histogram } from '../prom-text.ts';

export const TTFT_BUCKETS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0,
  640.0, 2560.0,
];
export const ITL_BUCKETS = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0,
];
export const REQUEST_LATENCY_BUCKETS = [
  0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0,
  7680.0,
];
export const NIXL_XFER_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 5.0];

/** vLLM's build_1_2_5_buckets(max): 1,2,5,10,20,50,… ≤ max. */
export function build125Buckets(max: number): number[] {
  const out: number[] = [];
  for (let exp = 1; ; exp *= 10) {
    for (const m of [1, 2, 5]) {
      if (m * exp > max) return out;
      out.push(m * exp);
    }
  }
}

export interface PodMetricsOptions {
  modelName: string;
  metricNames: 'current' | 'legacy';
  blockSize: number;
  capacityBlocks: number;
  maxModelLen: number;
  /** Read live engine state at scrape time. */
  state: () => { running: number; waiting: number; kvUsage: number };
  /**
   * The pod runs with the NIXL KV connector (P/D pods). vLLM's vllm:nixl_* metrics come from the connector's
   * own stats (nixl_connector.py NixlPromMetrics), so a pod without it exposes none. Default true.
   */
  kvConnector?: boolean;
}

export interface PodMetrics {
  registry: Registry;
  labels: Readonly<{ model_name: string; engine: string }>;
  prefixQueries: Counter;
  prefixHits: Counter;
  externalQueries: Counter;
  externalHits: Counter;
  promptTokens: Counter;
  generationTokens: Counter;
  requestSuccess: Counter;
  nixlFailedTransfers: Counter;
  ttft: Histogram;
  itl: Histogram;
  e2e: Histogram;
  queueTime: Histogram;
  prefillTime: Histogram;
  decodeTime: Histogram;
  inferenceTime: Histogram;
  promptTokensHist: Histogram;
  generationTokensHist: Histogram;
  prefillKvComputed: Histogram;
  maxTokensParam: Histogram;
  nixlXferTime: Histogram;
}

export function createPodMetrics(o: PodMetricsOptions): PodMetrics {
  const r = createRegistry();
  // Frozen: the registry caches the series of a frozen labels object (hot path, one call per token).
  const labels = Object.freeze({ model_name: o.modelName, engine: '0' });
  const legacy = o.metricNames === 'legacy';

  r.gauge({
    name: 'vllm:num_requests_running',
    help: 'Number of requests in model execution batches.',
    collect: () => [{ labels, value: o.state().running }],
  });
  r.gauge({
    name: 'vllm:num_requests_waiting',
    help: 'Number of requests waiting to be processed.',
    collect: () => [{ labels, value: o.state().waiting }],
  });
  r.gauge(
    legacy
      ? {
          name: 'vllm:gpu_cache_usage_perc',
          help: 'GPU KV-cache usage. 1 means 100 percent usage.',
          collect: () => [{ labels, value: o.state().kvUsage }],
        }
      : {
          name: 'vllm:kv_cache_usage_perc',
          help: 'KV-cache usage. 1 means 100 percent usage.',
          collect: () => [{ labels, value: o.state().kvUsage }],
        },
  );
  const counter = (name: string, help: string) => {
    const c = r.counter({ name, help });
    c.ensure(labels);
    return c;
  };
  const prefixQueries = counter('vllm:prefix_cache_queries_total', 'Prefix cache queries, in terms of number of queried tokens.');
  const prefixHits = counter('vllm:prefix_cache_hits_total', 'Prefix cache hits, in terms of number of cached tokens.');
  const externalQueries = counter(
    'vllm:external_prefix_cache_queries_total',
    'External prefix cache queries from KV connector cross-instance cache sharing, in terms of number of queried tokens.',
  );
  const externalHits = counter(
    'vllm:external_prefix_cache_hits_total',
    'External prefix cache hits from KV connector cross-instance cache sharing, in terms of number of cached tokens.',
  );
  const promptTokens = counter('vllm:prompt_tokens_total', 'Number of prefill tokens processed.');
  const generationTokens = counter('vllm:generation_tokens_total', 'Number of generation tokens processed.');
  const requestSuccess = r.counter({ name: 'vllm:request_success_total', help: 'Count of successfully processed requests.' });
  for (const reason of ['stop', 'length', 'abort']) requestSuccess.ensure({ ...labels, finished_reason: reason });
  // The sim never preempts (a request waits until its blocks fit), but dashboards and claims read it.
  counter('vllm:num_preemptions_total', 'Cumulative number of preemption from the engine.');
  // Without a connector the NIXL series live in a registry nobody renders (the engine still calls them).
  const nixlRegistry = o.kvConnector === false ? createRegistry() : r;
  const nixlFailedTransfers = nixlRegistry.counter({ name: 'vllm:nixl_num_failed_transfers_total', help: 'Number of failed NIXL KV Cache transfers.' });
  nixlFailedTransfers.ensure(labels);

  const hist = (name: string, help: string, buckets: readonly number[]) => {
    const h = r.histogram({ name, help, buckets });
    h.ensure(labels);
    return h;
  };
  const tokenBuckets = build125Buckets(o.maxModelLen);
  const ttft = hist('vllm:time_to_first_token_seconds', 'Histogram of time to first token in seconds.', TTFT_BUCKETS);
  const itl = legacy
    ? hist('vllm:time_per_output_token_seconds', 'Histogram of time per output token in seconds.', ITL_BUCKETS)
    : hist('vllm:inter_token_latency_seconds', 'Histogram of inter-token latency in seconds.', ITL_BUCKETS);
  const e2e = hist('vllm:e2e_request_latency_seconds', 'Histogram of e2e request latency in seconds.', REQUEST_LATENCY_BUCKETS);
  const queueTime = hist('vllm:request_queue_time_seconds', 'Histogram of time spent in WAITING phase for request.', REQUEST_LATENCY_BUCKETS);
  const inferenceTime = hist(
    'vllm:request_inference_time_seconds',
    'Histogram of time spent in RUNNING phase for request.',
    REQUEST_LATENCY_BUCKETS,
  );
  const prefillTime = hist('vllm:request_prefill_time_seconds', 'Histogram of time spent in PREFILL phase for request.', REQUEST_LATENCY_BUCKETS);
  const decodeTime = hist('vllm:request_decode_time_seconds', 'Histogram of time spent in DECODE phase for request.', REQUEST_LATENCY_BUCKETS);
  const promptTokensHist = hist('vllm:request_prompt_tokens', 'Number of prefill tokens processed.', tokenBuckets);
  const generationTokensHist = hist('vllm:request_generation_tokens', 'Number of generation tokens processed.', tokenBuckets);
  const maxTokensParam = hist('vllm:request_params_max_tokens', 'Histogram of the max_tokens request parameter.', tokenBuckets);
  const prefillKvComputed = hist(
    'vllm:request_prefill_kv_computed_tokens',
    'Histogram of new KV tokens computed during prefill (excluding cached tokens).',
    tokenBuckets,
  );
  const nixlXferTime = nixlRegistry.histogram({ name: 'vllm:nixl_xfer_time_seconds', help: 'Histogram of transfer duration for NIXL KV Cache transfers.', buckets: NIXL_XFER_BUCKETS });
  nixlXferTime.ensure(labels);

  r.gauge({
    name: 'vllm:cache_config_info',
    help: 'Information of the LLMEngine CacheConfig',
    collect: () => [
      {
        labels: {
          block_size: String(o.blockSize),
          cache_dtype: 'auto',
          enable_prefix_caching: 'True',
          engine: '0',
          gpu_memory_utilization: '0.9',
          num_gpu_blocks: String(o.capacityBlocks),
        },
        value: 1,
      },
    ],
  });

  return {
    registry: r,
    labels,
    prefixQueries,
    prefixHits,
    externalQueries,
    externalHits,
    promptTokens,
    generationTokens,
    requestSuccess,
    nixlFailedTransfers,
    ttft,
    itl,
    e2e,
    queueTime,
    prefillTime,
    decodeTime,
    inferenceTime,
    promptTokensHist,
    generationTokensHist,
    prefillKvComputed,
    maxTokensParam,
    nixlXferTime,
  };
}
