import { describe, expect, it } from 'vitest';
import { applyStreamEvent, createStreamState, extractErrorPayload, resolveChunkTokens } from '../../src/client/openai-stream.ts';

const chunk = (content: string, usage?: object) =>
  JSON.stringify({ id: 'c1', model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }], ...(usage ? { usage } : {}) });

describe('OpenAI stream interpretation', () => {
  it('uses continuous usage for exact per-chunk tokens', () => {
    const s = createStreamState();
    applyStreamEvent(s, JSON.stringify({ id: 'c1', model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] }), 1);
    applyStreamEvent(s, chunk('a', { prompt_tokens: 5, completion_tokens: 1 }), 2);
    applyStreamEvent(s, chunk('bcd', { prompt_tokens: 5, completion_tokens: 4 }), 3);
    applyStreamEvent(s, JSON.stringify({ id: 'c1', choices: [], usage: { prompt_tokens: 5, completion_tokens: 4, prompt_tokens_details: { cached_tokens: 2 } } }), 4);
    applyStreamEvent(s, '[DONE]', 5);
    expect(s.chunkTimes).toEqual([2, 3]);
    expect(resolveChunkTokens(s)).toEqual({ tokens: [1, 3], source: 'continuous_usage' });
    expect(s.usage).toEqual({ promptTokens: 5, completionTokens: 4, cachedTokens: 2 });
    expect(s.done).toBe(true);
  });

  it('spreads final usage evenly with an exact total', () => {
    const s = createStreamState();
    for (let i = 0; i < 3; i++) applyStreamEvent(s, chunk('x'), i);
    applyStreamEvent(s, JSON.stringify({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 7 } }), 9);
    const r = resolveChunkTokens(s);
    expect(r.source).toBe('final_usage');
    expect(r.tokens.reduce((a, b) => a + b, 0)).toBe(7);
  });

  it('falls back to one token per chunk without usage', () => {
    const s = createStreamState();
    for (let i = 0; i < 3; i++) applyStreamEvent(s, chunk('x'), i);
    expect(resolveChunkTokens(s)).toEqual({ tokens: [1, 1, 1], source: 'chunk_count' });
  });

  it('reads both vLLM error shapes', () => {
    expect(extractErrorPayload({ error: { message: 'new', type: 'BadRequestError', param: null, code: 400 } })).toEqual({ message: 'new', code: 400, type: 'BadRequestError' });
    expect(extractErrorPayload({ object: 'error', message: 'old', type: 'BadRequestError', param: null, code: 400 })).toEqual({ message: 'old', code: 400, type: 'BadRequestError' });
    expect(extractErrorPayload({ id: 'x', choices: [] })).toBeNull();
  });

  it('stops on invalid JSON with a malformed error', () => {
    const s = createStreamState();
    expect(applyStreamEvent(s, '{"a":', 1)).toBe(false);
    expect(s.error?.errorClass).toBe('malformed');
  });
});
