// vLLM's own request log lines: the per-request attribution path that needs neither the EPP nor a
// pod-naming header. Each model-server pod logs the request ids it received; a pod whose log has our
// id served it. This module holds the upstream facts (flags, line shapes, id rules) that the simulator
// writes and evidence/attribution/vllm-request-log.ts reads.
//
// Version: the seed study ran ghcr.io/llm-d/llm-d-cuda:v0.6.0, which it reports as vLLM v0.17.1, V1
// engine (richajoy/llm-d-lambda-deployment b0fc0dfd docs/prefix-cache-testing.md:13 and
// docs/pd-2x2-detailed-findings.md:169). The vLLM repository could not be read at the v0.17.1 tag here
// (too large to mirror); the facts below come from the vllm-project/vllm files the code index holds,
// at the commits named, plus excerpts of later versions. They agree on the parts the reader relies on
// ("Received request <id>:" and the id prefixes) across v0.10-era and current code; where versions
// differ the reader accepts every shape listed. Not verified at exactly v0.17.1: say so in a report.
import { z } from 'zod';

/** The vLLM version the seed study's model-server image carried (see the header). */
export const SEED_VLLM_VERSION = '0.17.1';

/**
 * vLLM server flags for this path.
 * - `--enable-log-requests` (AsyncEngineArgs.enable_log_requests, default False, argparse
 *   BooleanOptionalAction so `--no-enable-log-requests` exists too): turns on RequestLogger and the
 *   engine's "Added request" line. It replaced `--disable-log-requests` (logging was on by default
 *   before), deprecated with "This will be removed in v0.12.0" (vllm/engine/arg_utils.py,
 *   AsyncEngineArgs.disable_log_requests property). So on the seed's v0.17.1 request logging is OFF
 *   unless the pod's args add `--enable-log-requests`.
 * - `--enable-request-id-headers`: adds XRequestIdMiddleware, which only echoes X-Request-Id on the
 *   *response* (a 32-hex uuid4 when the request had none; tests/entrypoints/openai/test_basic.py
 *   test_enable_request_id_header). The id in the log comes from the request's X-Request-Id header
 *   whether or not this flag is set (OpenAIServing._base_request_id, below). It is still worth setting:
 *   the response header lets the client see the id the pod used.
 * - `--enable-log-outputs`: adds "Generated response" lines (needs request logging on).
 * - `--max-log-len`: truncates the logged prompt; the id is never truncated.
 */
export const VLLM_LOG_FLAGS = {
  enableLogRequests: '--enable-log-requests',
  /** vLLM < 0.10.2-ish: logging on by default; this turned it off. Accepted until v0.12.0. */
  disableLogRequestsLegacy: '--disable-log-requests',
  enableRequestIdHeaders: '--enable-request-id-headers',
  enableLogOutputs: '--enable-log-outputs',
} as const;

/**
 * The request id the OpenAI server logs, per endpoint.
 * - `OpenAIServing._base_request_id(raw_request, default)`: the request's `X-Request-Id` header if
 *   present, else the body's `request_id`, else `random_uuid()` (32 hex). Starlette's
 *   `headers.get` returns the first value when the header repeats: llm-d's P/D sidecar *adds* its own
 *   uuid after the incoming id (llm-d-inference-scheduler v0.7.1 pkg/sidecar/proxy/connector_nixlv2.go
 *   :81 and :191, `Header.Add(requestHeaderRequestID, uuidStr)`), so both legs log the incoming id.
 *   (vllm-project/vllm vllm/entrypoints/openai/engine/serving.py `_base_request_id`; the same logic in
 *   serving_engine.py of earlier versions.)
 * - chat: `request_id = f"chatcmpl-{self._base_request_id(raw_request, request.request_id)}"`, logged
 *   as is (vllm/entrypoints/openai/chat_completion/serving.py; serving_chat.py earlier).
 * - completions: `request_id = f"cmpl-{...}"`, then one engine request per prompt,
 *   `request_id_item = f"{request_id}-{i}"`, and that item id is what `_log_inputs` logs
 *   (serving_completion.py). One prompt → `cmpl-<id>-0`.
 * - the V1 engine's "Added request" line logs the *internal* id: from some version on the input
 *   processor makes ids unique, `request.request_id = f"{external_req_id}-{random_uuid():.8}"`
 *   (vllm/v1/engine/input_processor.py assign_request_id; version of introduction not verified), and
 *   parallel sampling (n > 1) children are `f"{index}_{parent_id}"` (vllm/v1/engine/parallel_sampling.py).
 */
export const VLLM_REQUEST_ID = {
  header: 'x-request-id',
  chatPrefix: 'chatcmpl-',
  completionPrefix: 'cmpl-',
} as const;

export const VLLM_LOG_MESSAGES = {
  /**
   * RequestLogger.log_inputs, INFO, once per engine request when request logging is on.
   * Current shape: `"Received request %s: params: %s, lora_request: %s."` (vllm-project/vllm
   * vllm/entrypoints/logger.py @ 63c2b7abcd70; later variants append a prompt summary before the dot,
   * "lora_request: %s%s."). Older (≤ ~0.10): `"Received request %s: prompt: %r, params: %s,
   * prompt_token_ids: %s, prompt_embeds shape: %s, lora_request: %s, prompt_adapter_request: %s."`
   * (vllm/entrypoints/logger.py @ 01ff1262). The prompt moved to DEBUG ("Request %s details: …").
   */
  received: 'Received request',
  /** AsyncLLM._add_request, INFO, when log_requests: `"Added request %s."` (vllm/v1/engine/async_llm.py). */
  added: 'Added request',
  /** RequestLogger.log_outputs, INFO, with --enable-log-outputs: `"Generated response %s%s: output: %r, …"`. */
  generated: 'Generated response',
} as const;

/**
 * The file vLLM's logger names for the Received line ([%(fileinfo)s:%(lineno)d]): `logger.py:NN` while
 * RequestLogger lived in vllm/entrypoints/logger.py; later logs show `[request_logger.py:63]` (the
 * middleware moved too, vllm/entrypoints/serve/middleware/x_request_id.py). Which name v0.17.1 prints is
 * not verified; nothing reads it.
 */
export const VLLM_REQUEST_LOGGER_FILE = 'logger.py';

/**
 * One vLLM log line: `[<VLLM_LOGGING_PREFIX>]<LEVEL> <MM-DD HH:MM:SS> [<file>:<line>] <message>`
 * (vllm/logger.py `_FORMAT = f"{VLLM_LOGGING_PREFIX}%(levelname)s %(asctime)s [%(fileinfo)s:%(lineno)d]
 * %(message)s"`, `_DATE_FORMAT = "%m-%d %H:%M:%S"`; very old versions had no brackets:
 * `"%(filename)s:%(lineno)d]"`). Newer versions colour the level (ANSI) on a tty or with
 * VLLM_LOGGING_COLOR=1. Multi-process servers prefix every stdout/stderr line with
 * `(<process name> pid=<pid>) `, cyan unless NO_COLOR (vllm/utils `_add_prefix` / `decorate_logs`), e.g.
 * `(APIServer pid=1) INFO 12-02 14:15:02 [logger.py:49] Received request chatcmpl-…`. `kubectl logs
 * --prefix` adds `[pod/<name>/<container>] `. The reader strips all of these.
 */
export interface VllmLogLineParts {
  level?: 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';
  at?: Date;
  file?: string;
  line?: number;
  /** `(APIServer pid=N) ` process prefix; omitted when not given. */
  processName?: string;
  pid?: number;
  message: string;
}

export function formatVllmLogLine(p: VllmLogLineParts): string {
  const at = p.at ?? new Date();
  const two = (n: number) => String(n).padStart(2, '0');
  const stamp = `${two(at.getMonth() + 1)}-${two(at.getDate())} ${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}`;
  const proc = p.processName ? `(${p.processName} pid=${p.pid ?? 1}) ` : '';
  return `${proc}${p.level ?? 'INFO'} ${stamp} [${p.file ?? VLLM_REQUEST_LOGGER_FILE}:${p.line ?? 49}] ${p.message}`;
}

/**
 * The subset of SamplingParams.__repr__ we write in the simulator and the reader looks into:
 * `SamplingParams(n=1, …, max_tokens=…, …, extra_args=…)` (vllm/sampling_params.py __repr__; fields
 * omitted here are vLLM's defaults and nothing reads them). P/D: the OpenAI request's
 * kv_transfer_params go into `extra_args["kv_transfer_params"]` (ChatCompletionRequest /
 * CompletionRequest.to_sampling_params), so the params print as a Python dict. The sidecar's prefill
 * leg carries `do_remote_decode: true` (connector_nixlv2.go), the decode leg `do_remote_prefill: true`.
 */
export function formatSamplingParams(p: { maxTokens: number | null; kvTransferParams?: Record<string, unknown> | null }): string {
  const extra = p.kvTransferParams ? `{'kv_transfer_params': ${pythonRepr(p.kvTransferParams)}}` : 'None';
  return `SamplingParams(n=1, presence_penalty=0.0, frequency_penalty=0.0, repetition_penalty=1.0, temperature=1.0, top_p=1.0, top_k=0, min_p=0.0, seed=None, stop=[], stop_token_ids=[], bad_words=[], include_stop_str_in_output=False, ignore_eos=False, max_tokens=${p.maxTokens ?? 'None'}, min_tokens=0, logprobs=None, prompt_logprobs=None, skip_special_tokens=True, spaces_between_special_tokens=True, structured_outputs=None, extra_args=${extra})`;
}

/** `Received request <id>: params: <params>, lora_request: None.` (current RequestLogger.log_inputs). */
export function formatReceivedRequest(requestId: string, params: string): string {
  return `${VLLM_LOG_MESSAGES.received} ${requestId}: params: ${params}, lora_request: None.`;
}

/** The id vLLM logs for a request that arrived with `X-Request-Id: base` (see VLLM_REQUEST_ID). */
export function loggedRequestId(api: 'chat' | 'completions', base: string): string {
  return api === 'chat' ? `${VLLM_REQUEST_ID.chatPrefix}${base}` : `${VLLM_REQUEST_ID.completionPrefix}${base}-0`;
}

export const VllmLogKindSchema = z.enum(['received', 'added', 'generated']);
export type VllmLogKind = z.infer<typeof VllmLogKindSchema>;

/**
 * The client-side ids a logged id may stand for, most specific first. Tolerant by design: the prefix
 * may be missing (another server front end), completions add `-<i>`, the engine's internal id adds
 * `-<8 hex>` and a `<n>_` child prefix. Candidates are looked up among the run's own ids, so an extra
 * candidate only matters if it happens to be another id of ours.
 */
export function requestIdCandidates(logged: string, kind: VllmLogKind = 'received'): string[] {
  const out: string[] = [];
  const add = (s: string) => {
    if (s && !out.includes(s)) out.push(s);
  };
  const bases: string[] = [logged];
  if (kind === 'added') {
    const child = /^\d+_(.+)$/.exec(logged);
    if (child) bases.unshift(child[1]!);
    for (const b of [...bases]) {
      const internal = /^(.+)-[0-9a-f]{8}$/.exec(b);
      if (internal) bases.unshift(internal[1]!);
    }
  }
  for (const b of bases) {
    if (b.startsWith(VLLM_REQUEST_ID.chatPrefix)) add(b.slice(VLLM_REQUEST_ID.chatPrefix.length));
    else if (b.startsWith(VLLM_REQUEST_ID.completionPrefix)) {
      const rest = b.slice(VLLM_REQUEST_ID.completionPrefix.length);
      const item = /^(.+)-\d+$/.exec(rest);
      if (item) add(item[1]!);
      add(rest);
    }
  }
  for (const b of bases) add(b);
  return out;
}

// Python's repr of a JSON-like value, as vLLM prints extra_args (dict → {'k': v}, true → True, null → None).
function pythonRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) return `[${v.map(pythonRepr).join(', ')}]`;
  return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `'${k}': ${pythonRepr(x)}`).join(', ')}}`;
}

/** Python-repr markers of the P/D leg inside a Received line's params (see formatSamplingParams). */
export const PD_LEG_MARKERS = {
  prefill: "'do_remote_decode': True",
  decode: "'do_remote_prefill': True",
} as const;
