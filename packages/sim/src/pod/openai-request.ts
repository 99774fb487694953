// Parse an OpenAI-compatible request body (chat or completions) the way vLLM reads it, into what
// the engine needs: prompt token ids, output budget, streaming options, and the P/D role carried by
// kv_transfer_params. Unknown body fields are accepted (vLLM ignores most extra sampling fields).
import { z } from 'zod';
import { encode, renderChat } from '@routebench/core';
import { apiError, type ApiError } from './openai-errors.ts';

const ContentSchema = z.union([
  z.string(),
  z.array(z.looseObject({ type: z.string(), text: z.string().optional() })),
]);

const KvTransferParamsSchema = z.looseObject({
  do_remote_decode: z.boolean().nullish(),
  do_remote_prefill: z.boolean().nullish(),
  remote_block_ids: z.array(z.union([z.string(), z.number()])).nullish(),
  remote_engine_id: z.string().nullish(),
  remote_host: z.string().nullish(),
  remote_port: z.number().nullish(),
});

const CommonSchema = {
  model: z.string({ error: 'expected a string' }),
  stream: z.boolean().nullish(),
  stream_options: z
    .looseObject({ include_usage: z.boolean().nullish(), continuous_usage_stats: z.boolean().nullish() })
    .nullish(),
  max_tokens: z.number().int().min(1).nullish(),
  min_tokens: z.number().int().min(0).nullish(),
  ignore_eos: z.boolean().nullish(),
  kv_transfer_params: KvTransferParamsSchema.nullish(),
};

const ChatBodySchema = z.looseObject({
  ...CommonSchema,
  messages: z.array(z.looseObject({ role: z.string(), content: ContentSchema.nullish() })).min(1),
  max_completion_tokens: z.number().int().min(1).nullish(),
});

const CompletionsBodySchema = z.looseObject({
  ...CommonSchema,
  // A string, a one-element string list, or pre-tokenised ids (vLLM accepts all three for one prompt).
  prompt: z.union([z.string(), z.array(z.string()).length(1), z.array(z.number().int().nonnegative()).min(1)]),
});

export type PdRole = 'none' | 'prefill' | 'decode';

export interface GenerationRequest {
  api: 'chat' | 'completions';
  model: string;
  stream: boolean;
  includeUsage: boolean;
  continuousUsage: boolean;
  promptTokenIds: number[];
  /** Effective max output tokens (request value, or what is left of the context). */
  maxTokens: number;
  maxTokensRequested: number | null;
  minTokens: number;
  ignoreEos: boolean;
  /** 'prefill' = kv_transfer_params.do_remote_decode; 'decode' = do_remote_prefill. */
  pdRole: PdRole;
  kvTransferParams: Record<string, unknown> | null;
}

function contentText(c: z.infer<typeof ContentSchema> | null | undefined): string {
  if (c == null) return '';
  if (typeof c === 'string') return c;
  return c.map((p) => p.text ?? '').join('');
}

function zodMessage(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
}

/**
 * Validate and normalise one body. Model existence is not checked here (the caller knows its served names).
 * Context-length errors carry vLLM's message.
 */
export function parseGenerationRequest(
  api: 'chat' | 'completions',
  body: unknown,
  maxModelLen: number,
): GenerationRequest | ApiError {
  const parsed = (api === 'chat' ? ChatBodySchema : CompletionsBodySchema).safeParse(body);
  if (!parsed.success) return apiError(400, zodMessage(parsed.error));
  const b = parsed.data as z.infer<typeof ChatBodySchema> & z.infer<typeof CompletionsBodySchema>;

  let promptTokenIds: number[];
  if (api === 'chat') promptTokenIds = encode(renderChat(b.messages.map((m) => ({ role: m.role, content: contentText(m.content) }))));
  else if (typeof b.prompt === 'string') promptTokenIds = encode(b.prompt);
  else if (typeof b.prompt[0] === 'string') promptTokenIds = encode(b.prompt[0]);
  else promptTokenIds = [...(b.prompt as number[])];
  const requested = (api === 'chat' ? b.max_completion_tokens : null) ?? b.max_tokens ?? null;
  const where = api === 'chat' ? 'messages' : 'prompt';
  if (promptTokenIds.length >= maxModelLen || (requested !== null && promptTokenIds.length + requested > maxModelLen)) {
    const asked = promptTokenIds.length + (requested ?? 0);
    return apiError(
      400,
      `This model's maximum context length is ${maxModelLen} tokens. However, you requested ${asked} tokens ` +
        `(${promptTokenIds.length} in the ${where}, ${requested ?? 0} in the completion). ` +
        `Please reduce the length of the ${where} or completion.`,
      where,
    );
  }
  const kv = b.kv_transfer_params ?? null;
  const pdRole: PdRole = kv?.do_remote_decode ? 'prefill' : kv?.do_remote_prefill ? 'decode' : 'none';
  const maxTokens = requested ?? maxModelLen - promptTokenIds.length;
  const minTokens = Math.min(b.min_tokens ?? 0, maxTokens);
  return {
    api,
    model: b.model,
    stream: b.stream === true,
    includeUsage: b.stream_options?.include_usage === true,
    continuousUsage: b.stream_options?.continuous_usage_stats === true,
    promptTokenIds,
    maxTokens,
    maxTokensRequested: requested,
    minTokens,
    ignoreEos: b.ignore_eos === true,
    pdRole,
    kvTransferParams: kv,
  };
}

export function isApiError(x: GenerationRequest | ApiError): x is ApiError {
  return (x as ApiError).status !== undefined;
}
