import { describe, it, expect } from 'vitest';
import { contentChunk, contentFramer, sse, type ResponseContext } from '../../src/pod/openai-response.ts';

describe('contentFramer', () => {
  it('produces exactly the serialised content chunk, for chat and completions, with awkward text', () => {
    for (const api of ['chat', 'completions'] as const) {
      const ctx: ResponseContext = { api, id: 'x-"1"', created: 5, model: 'm\\n' };
      const f = contentFramer(ctx);
      for (const t of [' hello', '"', '\\', '\n', '\u0000', ' é']) expect(f(t)).toBe(sse(contentChunk(ctx, t, null)));
    }
  });
});
