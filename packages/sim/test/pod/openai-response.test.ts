import { describe, it, expect } from 'vitest';
import { contentChunk, contentFramer, roleChunk, sse, usageChunk, usageOf, type ResponseContext } from '../../src/pod/openai-response.ts';
import { isFastChunk } from '../../../core/src/client/openai-stream.ts';

describe('contentFramer', () => {
  it('produces exactly the serialised content chunk, for chat and completions, with awkward text', () => {
    for (const api of ['chat', 'completions'] as const) {
      const ctx: ResponseContext = { api, id: 'x-"1"', created: 5, model: 'm\\n' };
      const f = contentFramer(ctx);
      for (const t of [' hello', '"', '\\', '\n', '\u0000', ' é']) expect(f(t)).toBe(sse(contentChunk(ctx, t, null)));
    }
  });
});

// The client's fast path (core client/openai-stream.ts) is modelled on these chunks: every chunk the simulator
// sends must take it, or the bench figures would be the JSON.parse path's.

describe('simulator chunks and the client fast path', () => {
  it('every chat and completions chunk the simulator builds takes the fast path', () => {
    for (const api of ['chat', 'completions'] as const) {
      const ctx: ResponseContext = { api, id: 'chatcmpl-rb-1', created: 1767225600, model: 'meta-llama/Llama-3.1-8B' };
      const chunks = [
        ...(api === 'chat' ? [roleChunk(ctx), roleChunk(ctx, usageOf(12, 0))] : []),
        contentChunk(ctx, ' tok', null),
        contentChunk(ctx, ' tok', null, usageOf(12, 1)),
        contentChunk(ctx, 'x', 'length', usageOf(12, 2, 8)),
        contentChunk(ctx, 'y', 'stop'),
        usageChunk(ctx, usageOf(12, 2)),
        usageChunk(ctx, usageOf(12, 2, 4)),
      ];
      for (const c of chunks) {
        const data = sse(c).slice('data: '.length, -2);
        expect(isFastChunk(data), data).toBe(true);
      }
      expect(isFastChunk(contentFramer(ctx)(' "é"').slice('data: '.length, -2))).toBe(true);
    }
  });
});
