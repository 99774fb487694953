// Multi-turn chat sessions. Turn k carries the whole conversation so far: the system prompt, earlier user
// turns and synthetic assistant replies of exactly the earlier turns' output lengths (what the model would
// have produced with ignore_eos), so requests need no responses to be built and a session's prefix grows
// turn by turn. Every request has sessionId and turn, so affinity across turns can be checked.
import { z } from 'zod';
import type { ChatMessage, RequestSpec } from '@routebench/core';
import { getPromptTokenizer } from '../prompt-tokenizer.ts';
import { nonNegInt, posInt } from '../schema-parts.ts';
import { buildRequest, CommonWorkloadFields, LengthSchema, sampleLength, subRng, type WorkloadContext, type WorkloadStream } from './common.ts';

export const MultiTurnParamsSchema = z.strictObject({
  type: z.literal('multi-turn'),
  num_sessions: posInt(),
  turns_per_session: posInt(),
  /** Tokens of each session's own system prompt (0 = none). */
  system_prompt_len: nonNegInt().default(0),
  user_len: LengthSchema,
  output_len: LengthSchema,
  /** Interleave sessions (seeded) rather than sending each session's turns back to back. */
  interleave: z.boolean().default(true),
  ...CommonWorkloadFields,
});
export type MultiTurnParams = z.infer<typeof MultiTurnParamsSchema>;

interface Session {
  id: string;
  turns: { user: string; outputLen: number; reply: string }[];
  system: string;
}

export function multiTurnWorkload(params: MultiTurnParams, ctx: WorkloadContext): WorkloadStream {
  const p = params;
  const tok = getPromptTokenizer(p.tokenizer);
  const model = p.model ?? ctx.model;

  function session(pass: number, s: number): Session {
    const rng = subRng(ctx.seed, 'mt', 'session', pass, s);
    const system = tok.words(p.system_prompt_len, rng);
    const turns = Array.from({ length: p.turns_per_session }, () => {
      const user = tok.words(Math.max(1, sampleLength(p.user_len, rng)), rng);
      const outputLen = Math.max(1, sampleLength(p.output_len, rng));
      return { user, outputLen, reply: tok.words(outputLen, rng) };
    });
    return { id: `session-${pass}-${s}`, turns, system };
  }

  function request(sess: Session, k: number): RequestSpec {
    const messages: ChatMessage[] = p.system_prompt_len > 0 ? [{ role: 'system', content: sess.system }] : [];
    for (let t = 0; t < k; t++) {
      messages.push({ role: 'user', content: sess.turns[t]!.user }, { role: 'assistant', content: sess.turns[t]!.reply });
    }
    messages.push({ role: 'user', content: sess.turns[k]!.user });
    return buildRequest(
      { api: p.api, model, messages, maxTokens: sess.turns[k]!.outputLen, sessionId: sess.id, groupId: sess.id, turn: k + 1 },
      tok,
    );
  }

  function* requests(): IterableIterator<RequestSpec> {
    // Each pass starts new sessions: repeating old ones would turn whole prompts into cache hits.
    for (let pass = 0; ; pass++) {
      const sessions = Array.from({ length: p.num_sessions }, (_, s) => session(pass, s));
      const next = new Array<number>(sessions.length).fill(0);
      if (!p.interleave) {
        for (const sess of sessions) for (let k = 0; k < p.turns_per_session; k++) yield request(sess, k);
        continue;
      }
      // Pick a random session that still has turns; its turns stay in order.
      const rng = subRng(ctx.seed, 'mt', 'order', pass);
      const open = sessions.map((_, i) => i);
      while (open.length > 0) {
        const j = Math.floor(rng() * open.length);
        const s = open[j]!;
        yield request(sessions[s]!, next[s]!++);
        if (next[s]! >= p.turns_per_session) open.splice(j, 1);
      }
    }
  }
  return { type: 'multi-turn', tokenizer: tok.name, passSize: p.num_sessions * p.turns_per_session, requests };
}
