// One finished request, as written to requests.jsonl (one JSON object per line).
// Everything a summary, a verdict or a comparison needs is derivable from these records alone,
// so `summarize` can rebuild a run from its requests.jsonl after a crash.
import { z } from 'zod';

export const ERROR_CLASSES = [
  'connect', // connection refused / DNS / TLS handshake
  'reset', // socket closed or reset after the request was sent
  'timeout', // per-request deadline passed (headers or whole request)
  'stall', // no bytes for longer than the stall timeout mid-stream
  'http_3xx', // a redirect: not followed (the benchmark measures the target it was given); Location in the message
  'http_4xx',
  'http_429',
  'http_5xx',
  'stream_error', // an {"error":…} frame inside a 200 stream
  'malformed', // SSE or JSON we could not parse, wrong content type
  'truncated', // stream ended without [DONE] / finish_reason
  'cancelled', // aborted by the caller (Ctrl-C, AbortSignal)
  'client', // a bug or limit on our side (body too large, etc.)
] as const;
export const ErrorClassSchema = z.enum(ERROR_CLASSES);
export type ErrorClass = z.infer<typeof ErrorClassSchema>;

/** Times in milliseconds on the run's monotonic clock (0 = run start). null = did not happen. */
export const RequestTimesSchema = z.object({
  intended: z.number(),
  sent: z.number(),
  headers: z.number().nullable(),
  firstToken: z.number().nullable(),
  end: z.number(),
});

export const RequestRecordSchema = z.object({
  /** Position in the run's request stream (0-based, in intended-send order). */
  seq: z.number().int().nonnegative(),
  /** x-request-id we sent. */
  requestId: z.string(),
  /** warmup records are written but kept out of statistics. */
  phase: z.enum(['warmup', 'measure']),
  /** Index of the load stage this request was scheduled in. */
  stage: z.number().int().nonnegative(),
  worker: z.number().int().nonnegative().default(0),
  api: z.enum(['chat', 'completions']),
  model: z.string(),
  servedModel: z.string().nullable(),
  responseId: z.string().nullable(),
  groupId: z.string().nullable(),
  sessionId: z.string().nullable(),
  tags: z.record(z.string(), z.string()),
  status: z.enum(['ok', 'error', 'cancelled']),
  httpStatus: z.number().int().nullable(),
  errorClass: ErrorClassSchema.nullable(),
  errorMessage: z.string().nullable(),
  finishReason: z.string().nullable(),
  times: RequestTimesSchema,
  /** Derived timings (ms). null where undefined (no first token, < 2 output tokens…). */
  ttftMs: z.number().nullable(),
  e2eMs: z.number().nullable(),
  tpotMs: z.number().nullable(),
  /** sent − intended: how late the client was. */
  scheduleDelayMs: z.number(),
  /** end − intended: latency as the user of an open-loop schedule saw it (no coordinated omission). */
  latencyFromIntendedMs: z.number(),
  /**
   * Content chunks: [offset from first token in ms, tokens in chunk]. ITL per token is derived from
   * these (see itl.ts), so the per-token definition can be recomputed from the records.
   */
  chunks: z.array(z.tuple([z.number(), z.number()])),
  /**
   * Arrival windows (client/arrival.ts): each stamp is the moment the client read the bytes, never early;
   * the window is how much earlier they may have arrived. The first content token's window, and the widest
   * window of the request's token arrivals. Absent in records from before they were measured.
   */
  firstTokenWindowMs: z.number().nonnegative().nullable().optional(),
  maxArrivalWindowMs: z.number().nonnegative().nullable().optional(),
  /** How chunk token counts were known: continuous usage, final usage spread over chunks, or 1/chunk. */
  tokenSource: z.enum(['continuous_usage', 'final_usage', 'chunk_count']).nullable(),
  promptTokens: z.number().int().nullable(),
  completionTokens: z.number().int().nullable(),
  cachedTokens: z.number().int().nullable(),
  /** Captured response headers (allowlist only; never request headers, so never secrets). */
  headers: z.record(z.string(), z.string()),
  /** Pod that served the request, when known per request, and how we know. */
  pod: z.string().nullable(),
  podSource: z.string().nullable(),
  /**
   * `routebench judge` re-attributed this record from saved evidence: the pod and source it had before the
   * first re-judging (kept once, so judging again never loses what the run itself found).
   */
  previousAttribution: z.strictObject({ pod: z.string().nullable(), podSource: z.string().nullable() }).optional(),
});
export type RequestRecord = z.infer<typeof RequestRecordSchema>;
export type RequestTimes = z.infer<typeof RequestTimesSchema>;
