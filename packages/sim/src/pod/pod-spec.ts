// Configuration of one simulated vLLM model-server pod. Field names follow vLLM / llm-d-inference-sim
// flags where one exists (max-num-seqs, max-waiting-queue-length, max-model-len, time-factor-under-load…).
import { z } from 'zod';

export const PodFaultsSchema = z.strictObject({
  /** Probability [0,1] of answering with an HTTP error, by status code ("500": 0.1). */
  errorRate: z.record(z.string().regex(/^[1-5]\d\d$/, 'an HTTP status code'), z.number().min(0).max(1)).optional(),
  midStreamErrorRate: z.number().min(0).max(1).optional(),
  stallRate: z.number().min(0).max(1).optional(),
  resetRate: z.number().min(0).max(1).optional(),
  slowFactor: z.number().positive().optional(),
});

export const PodLatencySchema = z.strictObject({
  /** Fixed part of a prefill (ms), scaled by the load factor. */
  prefillOverheadMs: z.number().nonnegative().default(0),
  /** Per uncached prompt token (ms), scaled by the load factor. */
  prefillTimePerTokenMs: z.number().nonnegative().default(0),
  /** Between successive output tokens (ms), scaled by the load factor. */
  interTokenLatencyMs: z.number().nonnegative().default(0),
  /** Latency multiplier when the batch is full (maxNumSeqs running); linear in between. */
  timeFactorUnderLoad: z.number().min(1).default(1),
  /** Per transferred prompt token on a P/D decode (ms), no load factor (as llm-d-inference-sim). */
  kvTransferTimePerTokenMs: z.number().nonnegative().default(0),
  /** Gaussian sd as a fraction of each mean; draws clamped to [0.3·mean, 1.7·mean] like llm-d-inference-sim. */
  jitterFraction: z.number().min(0).max(0.3).default(0),
  seed: z.union([z.number().int(), z.string()]).default(0),
});

export const PodKvCacheSchema = z.strictObject({
  blockSize: z.number().int().positive().default(16),
  capacityBlocks: z.number().int().positive().default(1024),
});

export const PodSpecSchema = z.strictObject({
  name: z.string().min(1),
  namespace: z.string().min(1).default('default'),
  role: z.enum(['both', 'prefill', 'decode']).default('both'),
  /** Served model names; the first is primary (metrics label, KV-event topic). */
  models: z.array(z.string().min(1)).min(1),
  host: z.string().default('127.0.0.1'),
  /** 0 = ephemeral port chosen by the OS. */
  port: z.number().int().min(0).max(65535).default(0),
  maxNumSeqs: z.number().int().positive().default(5),
  maxWaitingQueueLength: z.number().int().nonnegative().default(1000),
  maxModelLen: z.number().int().positive().default(4096),
  latency: PodLatencySchema.default(PodLatencySchema.parse({})),
  kvCache: PodKvCacheSchema.default(PodKvCacheSchema.parse({})),
  /** x-inference-pod / -namespace / -port response headers (llm-d-inference-sim only; real vLLM has none). */
  identityHeaders: z.boolean().default(true),
  /** Echo x-request-id (vLLM --enable-request-id-headers). */
  enableRequestIdHeaders: z.boolean().default(true),
  /**
   * vLLM `--enable-log-requests` (default off since it replaced `--disable-log-requests`, core
   * upstream/vllm-logs.ts VLLM_LOG_FLAGS): one "Received request <id>: params: …" line per request.
   */
  enableLogRequests: z.boolean().default(false),
  /**
   * File standing in for the pod's container log (what `kubectl logs` would return). Created when given;
   * request lines are written only with `enableLogRequests`, as a real pod logs none without the flag.
   */
  requestLogPath: z.string().min(1).optional(),
  /** 'broken' = KV transfer always fails (e.g. CUDA IPC blocked under MIG); decode recomputes. */
  kvTransfer: z.enum(['ok', 'broken']).default('ok'),
  /** Error body shape: vLLM ≥ v0.10.1 nests under "error"; 'legacy' is the flat {"object":"error",…}. */
  errorShape: z.enum(['v0.10.1', 'legacy']).default('v0.10.1'),
  /** 'legacy' exposes vllm:gpu_cache_usage_perc and vllm:time_per_output_token_seconds instead of the new names. */
  metricNames: z.enum(['current', 'legacy']).default('current'),
  /** /health/ready answers 503 (and requests 503) for this long after start. */
  startupDelayMs: z.number().nonnegative().default(0),
  faults: PodFaultsSchema.default({}),
  /** Keep per-request emission times of content chunks (ground truth for client timing tests). */
  recordEmissions: z.boolean().default(false),
});

export type PodSpec = z.infer<typeof PodSpecSchema>;
export type PodSpecInput = z.input<typeof PodSpecSchema>;
export type PodLatency = z.infer<typeof PodLatencySchema>;

/** Parse a pod spec, throwing an error that names each bad field path and what was expected. */
export function parsePodSpec(input: unknown): PodSpec {
  const r = PodSpecSchema.safeParse(input);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `  ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
  throw new Error(`invalid pod spec:\n${lines.join('\n')}`);
}
