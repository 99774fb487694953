// Response bodies and SSE chunks shaped like vLLM's OpenAI server (serving_chat.py / serving_completion.py):
// chat chunks `chat.completion.chunk` with a first `delta {"role":"assistant","content":""}`,
// completions chunks `text_completion`; `data: <json>\n\n` framing, `data: [DONE]\n\n` terminator.

export interface ResponseContext {
  api: 'chat' | 'completions';
  id: string;
  created: number;
  model: string;
}

export interface Usage {
  prompt_tokens: number;
  total_tokens: number;
  completion_tokens: number;
  prompt_tokens_details?: { cached_tokens: number };
}

export function usageOf(prompt: number, completion: number, cached?: number): Usage {
  const u: Usage = { prompt_tokens: prompt, total_tokens: prompt + completion, completion_tokens: completion };
  if (cached !== undefined) u.prompt_tokens_details = { cached_tokens: cached };
  return u;
}

export function sse(obj: unknown): string {
  return `data: ${JSON.stringify(obj)}\n\n`;
}

export const SSE_DONE = 'data: [DONE]\n\n';

function chunkBase(c: ResponseContext) {
  return {
    id: c.id,
    object: c.api === 'chat' ? 'chat.completion.chunk' : 'text_completion',
    created: c.created,
    model: c.model,
  };
}

/** The chat role chunk vLLM sends with the first engine output. Completions have none. */
export function roleChunk(c: ResponseContext, usage?: Usage): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ...chunkBase(c),
    choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
  };
  if (usage) out.usage = usage;
  return out;
}

/** One token's chunk; the last one carries finish_reason (and stop_reason) like vLLM. */
export function contentChunk(c: ResponseContext, text: string, finishReason: string | null, usage?: Usage): Record<string, unknown> {
  const choice: Record<string, unknown> =
    c.api === 'chat'
      ? { index: 0, delta: { content: text }, logprobs: null, finish_reason: finishReason }
      : { index: 0, text, logprobs: null, finish_reason: finishReason };
  if (finishReason !== null) choice.stop_reason = null;
  const out: Record<string, unknown> = { ...chunkBase(c), choices: [choice] };
  if (usage) out.usage = usage;
  return out;
}

export function usageChunk(c: ResponseContext, usage: Usage): Record<string, unknown> {
  return { ...chunkBase(c), choices: [], usage };
}

export function fullResponse(
  c: ResponseContext,
  text: string,
  finishReason: string,
  usage: Usage,
  kvTransferParams: Record<string, unknown> | null,
): Record<string, unknown> {
  if (c.api === 'chat') {
    return {
      id: c.id,
      object: 'chat.completion',
      created: c.created,
      model: c.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: text, reasoning_content: null, tool_calls: [] },
          logprobs: null,
          finish_reason: finishReason,
          stop_reason: null,
        },
      ],
      usage,
      prompt_logprobs: null,
      kv_transfer_params: kvTransferParams,
    };
  }
  return {
    id: c.id,
    object: 'text_completion',
    created: c.created,
    model: c.model,
    choices: [{ index: 0, text, logprobs: null, finish_reason: finishReason, stop_reason: null, prompt_logprobs: null }],
    usage,
    kv_transfer_params: kvTransferParams,
  };
}

/**
 * Fast path for the common chunk (no finish_reason, no usage): the JSON around the token text is
 * built once per request, so 500 streams × one chunk per ITL do not each re-serialise whole objects.
 * Produces exactly sse(contentChunk(c, text, null)).
 */
export function contentFramer(c: ResponseContext): (text: string) => string {
  const head = JSON.stringify(contentChunk(c, '\u0000', null));
  const [before, after] = head.split('"\\u0000"') as [string, string];
  return (text) => `data: ${before}${JSON.stringify(text)}${after}\n\n`;
}
