// What a workload produces and the client sends: one request, before it is sent.
import { z } from 'zod';

export const ChatMessageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
});
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

export const RequestSpecSchema = z
  .object({
    /** OpenAI endpoint: chat → /v1/chat/completions (messages), completions → /v1/completions (prompt). */
    api: z.enum(['chat', 'completions']).default('chat'),
    model: z.string().min(1),
    messages: z.array(ChatMessageSchema).optional(),
    prompt: z.string().optional(),
    maxTokens: z.number().int().positive(),
    /** Ask the server to generate exactly maxTokens (vLLM `ignore_eos` + `min_tokens`). */
    ignoreEos: z.boolean().default(true),
    /** Shared-prefix group, multi-turn session, or any other unit whose requests should stick together. */
    groupId: z.string().optional(),
    sessionId: z.string().optional(),
    turn: z.number().int().nonnegative().optional(),
    /** Free-form labels; each becomes a histogram dimension (e.g. {class: "long"}). */
    tags: z.record(z.string(), z.string()).default({}),
    /** Extra request headers for this request only (e.g. x-session-token). */
    headers: z.record(z.string(), z.string()).default({}),
    /** Prompt length the generator aimed for, in tokens of the tokenizer the run reports. */
    promptTokensTarget: z.number().int().nonnegative().optional(),
    /** Extra JSON body fields merged into the request (e.g. temperature). */
    extraBody: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((r) => (r.api === 'chat' ? !!r.messages : typeof r.prompt === 'string'), {
    message: 'chat requests need `messages`, completions requests need `prompt`',
  });
export type RequestSpec = z.infer<typeof RequestSpecSchema>;
export type RequestSpecInput = z.input<typeof RequestSpecSchema>;
