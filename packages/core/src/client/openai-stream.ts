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

/** Feed one SSE `data:` payload received at time `t`. Returns false when the stream must stop (error). */
export function applyStreamEvent(state: StreamState, data: string, t: number): boolean {
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
  if (typeof obj.model === 'string') state.servedModel = obj.model;
  if (typeof obj.id === 'string' && state.responseId === null) state.responseId = obj.id;

  const choices = Array.isArray(obj.choices) ? (obj.choices as Record<string, unknown>[]) : [];
  let hasContent = false;
  for (const c of choices) {
    if (!c || typeof c !== 'object') continue;
    if (chunkHasContent(c)) hasContent = true;
    if (typeof c.finish_reason === 'string') state.finishReason = c.finish_reason;
  }

  const usage = obj.usage as Record<string, unknown> | undefined | null;
  let chunkTokens: number | null = null;
  if (usage && typeof usage === 'object') {
    const completion = num(usage.completion_tokens);
    const prompt = num(usage.prompt_tokens);
    const details = usage.prompt_tokens_details as Record<string, unknown> | undefined | null;
    const cached = details && typeof details === 'object' ? num(details.cached_tokens) : null;
    if (choices.length > 0 && completion !== null) {
      // continuous_usage_stats: a running total on content chunks.
      state.continuousUsage = true;
      chunkTokens = completion - (state.usage.completionTokens ?? 0);
    }
    if (completion !== null) state.usage.completionTokens = completion;
    if (prompt !== null) state.usage.promptTokens = prompt;
    if (cached !== null) state.usage.cachedTokens = cached;
  }

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
