// What every workload generator shares: length distributions (inference-perf style), the options every
// workload accepts, the stream type they return, and the one function that turns text into a RequestSpec.
import { z } from 'zod';
import { TOKENIZER_NAME, createRng, normal, RequestSpecSchema, type ChatMessage, type RequestSpec, type Rng } from '@routebench/core';
import { getPromptTokenizer, TokenizerNameSchema, type PromptTokenizer, type TokenizerName } from '../prompt-tokenizer.ts';
import { nonEmptyString, nonNegInt, posInt } from '../schema-parts.ts';

const LENGTH_HELP = 'expected a positive integer or {distribution: fixed|uniform|normal, mean, std_dev, min, max}';

/** A token length: a plain integer, or a distribution in inference-perf's field names. */
const LengthDistributionSchema = z
  .strictObject({
    distribution: z.enum(['fixed', 'uniform', 'normal']).default('normal'),
    mean: z.number({ error: 'expected a number' }).positive({ error: 'expected a positive number' }).optional(),
    std_dev: z.number({ error: 'expected a number' }).nonnegative({ error: 'expected a non-negative number' }).default(0),
    min: nonNegInt().optional(),
    max: posInt().optional(),
  })
  .superRefine((d, ctx) => {
    if (d.distribution === 'uniform' && (d.min === undefined || d.max === undefined))
      ctx.addIssue({ code: 'custom', path: ['min'], message: 'a uniform distribution needs `min` and `max`' });
    if (d.distribution !== 'uniform' && d.mean === undefined)
      ctx.addIssue({ code: 'custom', path: ['mean'], message: `a ${d.distribution} distribution needs \`mean\`` });
    if (d.min !== undefined && d.max !== undefined && d.min > d.max)
      ctx.addIssue({ code: 'custom', path: ['max'], message: `max (${d.max}) is below min (${d.min})` });
  });

export const LengthSchema = z.union([nonNegInt(), LengthDistributionSchema], { error: LENGTH_HELP });
export type Length = z.infer<typeof LengthSchema>;

/** Draw one length (an integer ≥ 0, ≥ 1 unless min allows 0). */
export function sampleLength(len: Length, rng: Rng): number {
  if (typeof len === 'number') return len;
  const lo = len.min ?? 1;
  const hi = len.max ?? Number.MAX_SAFE_INTEGER;
  let v: number;
  if (len.distribution === 'uniform') v = lo + Math.floor(rng() * (hi - lo + 1));
  else if (len.distribution === 'fixed' || len.std_dev === 0) v = Math.round(len.mean!);
  else v = Math.round(normal(rng, len.mean!, len.std_dev));
  return Math.min(hi, Math.max(lo, v));
}

/** Options every workload accepts. */
export const CommonWorkloadFields = {
  /** Tokenizer used to size prompts; the simulator counts with the deterministic one. */
  tokenizer: TokenizerNameSchema.default(TOKENIZER_NAME),
  /** chat → messages on /v1/chat/completions; completions → one prompt string on /v1/completions. */
  api: z.enum(['chat', 'completions']).default('chat'),
  /** Model name; defaults to the scenario's `model`. */
  model: nonEmptyString().optional(),
};

export interface WorkloadContext {
  seed: number | string;
  /** Model used when the workload does not name one. */
  model: string;
}

/**
 * A deterministic request stream. `requests()` starts it over from the beginning every time it is called,
 * so two calls give identical sequences. Streams are endless (a later pass repeats or extends the first
 * one); the run's load spec decides when to stop.
 */
export interface WorkloadStream {
  type: string;
  /** The tokenizer prompt lengths were measured with (report it with the results). */
  tokenizer: TokenizerName;
  /** Requests in one pass of the workload's structure (groups × prompts, sessions × turns…), null if none. */
  passSize: number | null;
  requests(): IterableIterator<RequestSpec>;
}

/** First n requests of a stream (n must be finite: streams are endless). */
export function take(stream: WorkloadStream, n: number): RequestSpec[] {
  const out: RequestSpec[] = [];
  if (n <= 0) return out;
  for (const r of stream.requests()) {
    out.push(r);
    if (out.length >= n) break;
  }
  return out;
}

/** A named sub-stream of a seed: independent draws for independent parts (prefixes, order, lengths). */
export function subRng(seed: number | string, ...parts: (string | number)[]): Rng {
  return createRng([String(seed), ...parts.map(String)].join('/'));
}

export interface RequestParts {
  api: 'chat' | 'completions';
  model: string;
  messages: ChatMessage[];
  maxTokens: number;
  groupId?: string;
  sessionId?: string;
  turn?: number;
  tags?: Record<string, string>;
}

/**
 * Build and validate one RequestSpec. For completions the messages' contents are concatenated into one
 * prompt (no chat template), so the same text reaches the model either way. promptTokensTarget is what the
 * server should report as prompt tokens when it uses the same tokenizer (chat framing included).
 */
export function buildRequest(p: RequestParts, tok: PromptTokenizer): RequestSpec {
  const common = {
    model: p.model,
    maxTokens: Math.max(1, p.maxTokens),
    groupId: p.groupId,
    sessionId: p.sessionId,
    turn: p.turn,
    tags: p.tags ?? {},
  };
  if (p.api === 'completions') {
    const parts = p.messages.map((m) => m.content);
    return RequestSpecSchema.parse({ ...common, api: 'completions', prompt: parts.join(''), promptTokensTarget: tok.countJoined(parts) });
  }
  return RequestSpecSchema.parse({ ...common, api: 'chat', messages: p.messages, promptTokensTarget: tok.countChat(p.messages) });
}

export { getPromptTokenizer };
