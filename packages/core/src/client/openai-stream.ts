// Interprets the SSE events of one OpenAI-compatible streaming response (vLLM flavour) into what we
// measure: when content arrived, how many tokens each chunk carried, usage, served model, finish
// reason, and in-stream errors. Timing is supplied by the caller (the moment the bytes arrived).
import type { ErrorClass } from '../record/request-record.ts';

export interface StreamUsage {
  promptTokens: number | null;
  completionTokens: number | null;
  cachedTokens: number | null;
}

export interface StreamError {
  errorClass: ErrorClass;
  message: string;
  /** HTTP-like status carried in an error frame's `code`, if any. */
  code: number | null;
}

export interface StreamState {
  /** Arrival time (caller's clock, ms) of each content chunk and the tokens it carried (null: unknown yet). */
  chunkTimes: number[];
  chunkTokens: (number | null)[];
  servedModel: string | null;
  responseId: string | null;
  finishReason: string | null;
  usage: StreamUsage;
  /** continuous_usage_stats seen: chunkTokens are exact. */
  continuousUsage: boolean;
  done: boolean;
  error: StreamError | null;
}

export function createStreamState(): StreamState {
  return {
    chunkTimes: [],
    chunkTokens: [],
    servedModel: null,
    responseId: null,
    finishReason: null,
    usage: { promptTokens: null, completionTokens: null, cachedTokens: null },
    continuousUsage: false,
    done: false,
    error: null,
  };
}

/**
 * Both vLLM error shapes: v0.10.1+ `{"error":{message,type,param,code}}` and the older flat
 * `{"object":"error",message,type,param,code}` (streams wrapped the flat one in {"error":…}).
 */
export function extractErrorPayload(obj: unknown): { message: string; code: number | null; type: string | null } | null {
  if (!obj || typeof obj !== 'object') return null;
  const o = obj as Record<string, unknown>;
  const inner = o.error && typeof o.error === 'object' ? (o.error as Record<string, unknown>) : o.object === 'error' ? o : null;
  if (!inner) {
    if (typeof o.error === 'string') return { message: o.error, code: null, type: null };
    return null;
  }
  const code = typeof inner.code === 'number' ? inner.code : typeof inner.code === 'string' && /^\d+$/.test(inner.code) ? Number(inner.code) : null;
  return {
    message: typeof inner.message === 'string' ? inner.message : JSON.stringify(inner).slice(0, 500),
    code,
    type: typeof inner.type === 'string' ? inner.type : null,
  };
}

// The fast path: vLLM's chunk, recognised whole by one anchored regular expression instead of JSON.parse
// (which, with the objects it allocates, was 17–39% of the client's CPU in `pnpm bench`'s capacity profile).
// The expression accepts only a strict subset of JSON — exactly this key order, no whitespace, integers only,
// string escapes as JSON defines them — so whatever it accepts, JSON.parse would parse to the same values, and
// applyParsedChunk below gives the same state (openai-stream.test.ts checks both paths agree on every stream the
// tests and the simulator produce, and on mutated chunks). Anything else — another key order, extra keys
// (reasoning_content, tool_calls, logprobs), an error frame, whitespace — takes JSON.parse, so the fast path
// can only make parsing cheaper, never different. The shape is what our simulator and bench server send,
// modelled on vLLM's pydantic serialisation of ChatCompletionStreamResponse / CompletionStreamResponse
// (vllm/entrypoints/openai/protocol.py: id, object, created, model, choices[index, delta|text, logprobs,
// finish_reason, stop_reason], usage) — a server that orders keys otherwise is still read, just slower.
const JSON_STR = String.raw`"((?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*)"`;
const JSON_STR_NC = String.raw`"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"`;
// Integers JSON.parse reads exactly (≤ 16 digits: below 2^53 except a few 16-digit values, which both paths
// round the same way — Number() and JSON.parse share V8's string-to-double).
const INT_NC = '-?(?:0|[1-9][0-9]{0,15})';
const INT = `(${INT_NC})`;
const FAST_CHUNK = new RegExp(
  String.raw`^\{"id":${JSON_STR},"object":"(?:chat\.completion\.chunk|text_completion)","created":${INT_NC},"model":${JSON_STR}` +
    String.raw`,"choices":\[(?:\{"index":${INT_NC},` +
    // chat: delta {} | {"role":"assistant"[,"content":S]} | {"content":S}; completions: "text":S
    String.raw`(?:"delta":\{(?:"role":"assistant"(?:,"content":${JSON_STR})?|"content":${JSON_STR})?\}|"text":${JSON_STR})` +
    String.raw`,"logprobs":null,"finish_reason":(?:null|${JSON_STR})(?:,"stop_reason":(?:null|${INT_NC}|${JSON_STR_NC}))?\})?\]` +
    String.raw`(?:,"usage":(?:null|\{"prompt_tokens":${INT},"total_tokens":${INT_NC},"completion_tokens":${INT}` +
    String.raw`(?:,"prompt_tokens_details":(?:null|\{"cached_tokens":${INT}\}))?\}))?\}$`,
);
// Capture groups of FAST_CHUNK.
const G_ID = 1, G_MODEL = 2, G_ROLE_CONTENT = 3, G_CONTENT = 4, G_TEXT = 5, G_FINISH = 6, G_PROMPT = 7, G_COMPLETION = 8, G_CACHED = 9;

/**
 * A copy of `s` that shares no storage with the text it was cut from. V8 makes a slice of 13 or more characters a
 * view of its parent (a SlicedString), so a response id or model name kept in a record held the whole decoded
 * response text alive with it — 51 KB for a 256-token response — and every such text that outlived a young-
 * generation GC was promoted. Measured with run() at 256 connections × 256 tokens (`node --trace-gc-nvp`, 5 s):
 * promoted 571–616 → 240–370 MB, scavenge pauses 1.4–1.5 → 0.7–0.8 s, requests 6,816–7,131 → 11,699–13,996. Concatenating forces
 * a flat copy (V8 flattens the cons string before slicing it); shorter strings are copied by slice() anyway.
 * Used once per field per response (a field is re-read only when it changes), so the copy costs nothing.
 */
function detach(s: string): string {
  return s.length < 13 ? s : (` ${s}`).slice(1);
}

/** A captured JSON string body as its value (only bodies with escapes need decoding). */
function jsonString(body: string): string {
  return body.indexOf('\\') === -1 ? body : (JSON.parse(`"${body}"`) as string);
}

/** Whether `data` takes the fast path (for tests and the bench: the speed-up is real only if it does). */
export function isFastChunk(data: string): boolean {
  return FAST_CHUNK.test(data);
}

/** Feed one SSE `data:` payload received at time `t`. Returns false when the stream must stop (error). */
export function applyStreamEvent(state: StreamState, data: string, t: number): boolean {
  if (data === '[DONE]') {
    state.done = true;
    return true;
  }
  // test() checks the shape without building a match array; without a backslash every string body is its own
  // text and ends at the next quote, so the fields are read in place (no allocation but the strings kept).
  if (!FAST_CHUNK.test(data)) return applyJsonEvent(state, data, t);
  if (data.indexOf('\\') !== -1) return applyEscapedChunk(state, data, t);
  // FAST_CHUNK matched and no string holds an escape, so every field sits at a known distance from the end of
  // the one before it and every string ends at its next quote: walk the chunk once (a multi-character
  // indexOf per field cost ~100 ns each, most of this function's time in the bench profile).
  const idEnd = data.indexOf('"', 7); // {"id":"…
  if (state.responseId === null) state.responseId = detach(data.slice(7, idEnd));
  // ","object":"chat.completion.chunk" | "text_completion", then ","created":<int>
  const createdAt = idEnd + 12 + (data.charCodeAt(idEnd + 12) === 99 /* c */ ? 21 : 15) + 12;
  const modelAt = intEnd(data, createdAt) + 10; // ,"model":"
  const modelEnd = data.indexOf('"', modelAt);
  const model = state.servedModel;
  if (model === null || model.length !== modelEnd - modelAt || !data.startsWith(model, modelAt)) state.servedModel = detach(data.slice(modelAt, modelEnd));
  let at = modelEnd + 13; // ","choices":[
  const hasChoice = data.charCodeAt(at) !== 93; /* ']' */
  let hasContent = false;
  if (hasChoice) {
    at = intEnd(data, at + 9) + 1; // {"index":<int>,
    let bodyAt = -1;
    if (data.charCodeAt(at + 1) === 100 /* d */) {
      at += 9; // "delta":{
      if (data.charCodeAt(at + 1) === 114 /* r */) {
        at += 18; // "role":"assistant"
        if (data.charCodeAt(at) === 44 /* , */) bodyAt = at + 12; // ,"content":"
      } else if (data.charCodeAt(at) === 34 /* " */) bodyAt = at + 11; // "content":"
      if (bodyAt === -1) at += 1; // the delta's }
      else {
        hasContent = data.charCodeAt(bodyAt) !== 34;
        at = data.indexOf('"', bodyAt) + 2; // the body's closing quote and the delta's }
      }
    } else {
      bodyAt = at + 8; // "text":"
      hasContent = data.charCodeAt(bodyAt) !== 34;
      at = data.indexOf('"', bodyAt) + 1;
    }
    at += 33; // ,"logprobs":null,"finish_reason":
    if (data.charCodeAt(at) === 34) {
      const finishEnd = data.indexOf('"', at + 1);
      const finish = state.finishReason;
      if (finish === null || finish.length !== finishEnd - at - 1 || !data.startsWith(finish, at + 1)) state.finishReason = detach(data.slice(at + 1, finishEnd));
      at = finishEnd + 1;
    } else at += 4; // null
    if (data.charCodeAt(at) === 44 /* , */) {
      at += 15; // ,"stop_reason":  null | <int> | "<string>"
      if (data.charCodeAt(at) === 34) at = data.indexOf('"', at + 1) + 1;
      else if (data.charCodeAt(at) === 110 /* n */) at += 4;
      else at = intEnd(data, at);
    }
    at += 1; // the choice's }
  }
  at += 1; // ]
  let prompt: number | null = null;
  let completion: number | null = null;
  let cached: number | null = null;
  // ,"usage":{"prompt_tokens":<int>,"total_tokens":<int>,"completion_tokens":<int>[,"prompt_tokens_details":null|{"cached_tokens":<int>}]}
  if (data.charCodeAt(at) === 44 && data.charCodeAt(at + 9) === 123 /* { */) {
    at += 26;
    prompt = intAt(data, at);
    at = intEnd(data, intEnd(data, at) + 16) + 21;
    completion = intAt(data, at);
    at = intEnd(data, at);
    if (data.charCodeAt(at) === 44 && data.charCodeAt(at + 25) === 123) cached = intAt(data, at + 42);
  }
  return applyParsedChunk(state, t, hasContent, hasChoice, prompt, completion, cached);
}

/** Index just past the integer FAST_CHUNK matched at `at`. */
function intEnd(data: string, at: number): number {
  let i = data.charCodeAt(at) === 45 /* - */ ? at + 1 : at;
  for (let c = data.charCodeAt(i); c >= 48 && c <= 57; c = data.charCodeAt(++i));
  return i;
}

/** The integer FAST_CHUNK matched at `at` (up to 15 digits summed exactly; 16 through Number(), as JSON.parse). */
function intAt(data: string, at: number): number {
  const neg = data.charCodeAt(at) === 45; /* '-' */
  let i = neg ? at + 1 : at;
  let v = 0;
  const from = i;
  for (let c = data.charCodeAt(i); c >= 48 && c <= 57; c = data.charCodeAt(++i)) v = v * 10 + (c - 48);
  if (i - from > 15) v = Number(data.slice(from, i));
  return neg ? -v : v;
}

/** A fast-path chunk with an escape in a string: the captured bodies, decoded. */
function applyEscapedChunk(state: StreamState, data: string, t: number): boolean {
  const m = FAST_CHUNK.exec(data)!;
  state.servedModel = detach(jsonString(m[G_MODEL]!));
  if (state.responseId === null) state.responseId = detach(jsonString(m[G_ID]!));
  // Any escape decodes to at least one character, so a non-empty body is non-empty text.
  const content = m[G_CONTENT] ?? m[G_ROLE_CONTENT] ?? m[G_TEXT];
  const hasContent = content !== undefined && content.length > 0;
  const finish = m[G_FINISH];
  if (finish !== undefined) state.finishReason = detach(jsonString(finish));
  const hasChoice = data.charCodeAt(data.indexOf('"choices":[') + 11) !== 93; /* ']' */
  const completion = m[G_COMPLETION] === undefined ? null : Number(m[G_COMPLETION]);
  const prompt = m[G_PROMPT] === undefined ? null : Number(m[G_PROMPT]);
  const cached = m[G_CACHED] === undefined ? null : Number(m[G_CACHED]);
  return applyParsedChunk(state, t, hasContent, hasChoice, prompt, completion, cached);
}

/**
 * The JSON.parse path (the only one before the fast path; kept whole so a test can compare the two): any
 * JSON object, error frames included.
 */
export function applyJsonEvent(state: StreamState, data: string, t: number): boolean {
  if (data === '[DONE]') {
    state.done = true;
    return true;
  }
  let obj: Record<string, unknown>;
  try {
    obj = JSON.parse(data) as Record<string, unknown>;
  } catch {
    state.error = { errorClass: 'malformed', message: `invalid JSON in SSE data: ${truncate(data, 120)}`, code: null };
    return false;
  }
  if (!obj || typeof obj !== 'object') {
    state.error = { errorClass: 'malformed', message: `SSE data is not a JSON object: ${truncate(data, 120)}`, code: null };
    return false;
  }
  const err = extractErrorPayload(obj);
  if (err) {
    state.error = { errorClass: 'stream_error', message: err.message, code: err.code };
    return false;
  }
  if (typeof obj.model === 'string') state.servedModel = detach(obj.model);
  if (typeof obj.id === 'string' && state.responseId === null) state.responseId = detach(obj.id);

  const choices = Array.isArray(obj.choices) ? (obj.choices as Record<string, unknown>[]) : [];
  let hasContent = false;
  for (const c of choices) {
    if (!c || typeof c !== 'object') continue;
    if (chunkHasContent(c)) hasContent = true;
    if (typeof c.finish_reason === 'string') state.finishReason = detach(c.finish_reason);
  }

  const usage = obj.usage as Record<string, unknown> | undefined | null;
  let completion: number | null = null;
  let prompt: number | null = null;
  let cached: number | null = null;
  if (usage && typeof usage === 'object') {
    completion = num(usage.completion_tokens);
    prompt = num(usage.prompt_tokens);
    const details = usage.prompt_tokens_details as Record<string, unknown> | undefined | null;
    cached = details && typeof details === 'object' ? num(details.cached_tokens) : null;
  }
  return applyParsedChunk(state, t, hasContent, choices.length > 0, prompt, completion, cached);
}

/** What both paths found in one chunk, applied to the stream's state. */
function applyParsedChunk(
  state: StreamState,
  t: number,
  hasContent: boolean,
  hasChoice: boolean,
  prompt: number | null,
  completion: number | null,
  cached: number | null,
): boolean {
  let chunkTokens: number | null = null;
  if (hasChoice && completion !== null) {
    // continuous_usage_stats: a running total on content chunks.
    state.continuousUsage = true;
    chunkTokens = completion - (state.usage.completionTokens ?? 0);
  }
  if (completion !== null) state.usage.completionTokens = completion;
  if (prompt !== null) state.usage.promptTokens = prompt;
  if (cached !== null) state.usage.cachedTokens = cached;

  if (hasContent) {
    state.chunkTimes.push(t);
    state.chunkTokens.push(chunkTokens);
  } else if (chunkTokens !== null && chunkTokens > 0 && state.chunkTokens.length > 0) {
    // Usage advanced on a chunk without visible text (e.g. a token that decoded to ''): credit the last chunk.
    const last = state.chunkTokens.length - 1;
    state.chunkTokens[last] = (state.chunkTokens[last] ?? 0) + chunkTokens;
  }
  return true;
}

function chunkHasContent(c: Record<string, unknown>): boolean {
  if (typeof c.text === 'string') return c.text.length > 0; // completions
  const delta = c.delta as Record<string, unknown> | undefined;
  if (!delta || typeof delta !== 'object') return false;
  if (typeof delta.content === 'string' && delta.content.length > 0) return true;
  if (typeof delta.reasoning_content === 'string' && delta.reasoning_content.length > 0) return true;
  if (typeof delta.reasoning === 'string' && delta.reasoning.length > 0) return true;
  return Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0;
}

/**
 * Tokens per content chunk, and where the counts came from:
 * - continuous_usage: the server's running usage on every chunk (exact);
 * - final_usage: the final usage's completion_tokens spread evenly over the chunks (integer counts,
 *   remainders spread so the total is exact) — exact whenever the server sends one token per chunk;
 * - chunk_count: no usage at all, one token per chunk assumed.
 */
export function resolveChunkTokens(state: StreamState): { tokens: number[]; source: 'continuous_usage' | 'final_usage' | 'chunk_count' | null } {
  const k = state.chunkTimes.length;
  if (k === 0) return { tokens: [], source: null };
  if (state.continuousUsage && state.chunkTokens.every((x) => x !== null)) {
    return { tokens: state.chunkTokens.map((x) => Math.max(0, x as number)), source: 'continuous_usage' };
  }
  const total = state.usage.completionTokens;
  if (total !== null && total >= k) {
    const tokens: number[] = [];
    for (let j = 0; j < k; j++) tokens.push(Math.round((total * (j + 1)) / k) - Math.round((total * j) / k));
    return { tokens, source: 'final_usage' };
  }
  return { tokens: new Array<number>(k).fill(1), source: 'chunk_count' };
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s;
}
