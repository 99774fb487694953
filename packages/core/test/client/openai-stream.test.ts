import { describe, expect, it } from 'vitest';
import { applyJsonEvent, applyStreamEvent, createStreamState, extractErrorPayload, isFastChunk, resolveChunkTokens } from '../../src/client/openai-stream.ts';
import { sseEvents } from '../../../../bench/sse-frames.ts';

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

// The fast path (one regular expression for vLLM's chunk shape) against JSON.parse: for every chunk either
// the fast path declines it, or both give the same stream state. Streams: vLLM-shaped chat and completions
// streams (role chunk, content chunks with continuous usage, finish with stop_reason, usage-only chunk), then
// each chunk mutated in ways a server or proxy could send.
describe('OpenAI stream fast path', () => {
  const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1700000000, model: 'm' };
  const usage = (c: number, cached?: number) => ({ prompt_tokens: 8, total_tokens: 8 + c, completion_tokens: c, ...(cached === undefined ? {} : { prompt_tokens_details: { cached_tokens: cached } }) });
  const chat = [
    { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }], usage: usage(0) },
    { ...base, choices: [{ index: 0, delta: { content: ' tok' }, logprobs: null, finish_reason: null }], usage: usage(1) },
    { ...base, choices: [{ index: 0, delta: { content: 'é"\\\n\u0001😀' }, logprobs: null, finish_reason: null }], usage: usage(3) },
    { ...base, choices: [{ index: 0, delta: { content: 'x' }, logprobs: null, finish_reason: 'length', stop_reason: null }], usage: usage(4) },
    { ...base, choices: [], usage: usage(4, 2) },
  ].map((o) => JSON.stringify(o));
  const cbase = { id: 'cmpl-1', object: 'text_completion', created: 1700000000, model: 'm/x' };
  const completions = [
    { ...cbase, choices: [{ index: 0, text: 'a', logprobs: null, finish_reason: null }] },
    { ...cbase, choices: [{ index: 0, text: '', logprobs: null, finish_reason: null }] },
    { ...cbase, choices: [{ index: 0, text: 'b', logprobs: null, finish_reason: 'stop', stop_reason: 13 }] },
    { ...cbase, choices: [{ index: 0, text: 'c', logprobs: null, finish_reason: 'stop', stop_reason: '</s>' }], usage: null },
    { ...cbase, choices: [], usage: { prompt_tokens: 8, total_tokens: 11, completion_tokens: 3, prompt_tokens_details: null } },
  ].map((o) => JSON.stringify(o));

  const mutations: ((s: string) => string)[] = [
    (s) => s,
    (s) => s.replace('"m"', '"m\\u00e9"').replace('"m/x"', '"m\\/x"'),
    (s) => s.replace('"id":"', '"id":"\\"q\\"'),
    (s) => s.replace('"model":"m"', '"model":"n"').replace('"model":"m/x"', '"model":"m/y"'),
    (s) => s.replace('"model":"m"', '"model":"mm"'),
    (s) => s.replace('"finish_reason":"length"', '"finish_reason":"lengtx"').replace('"finish_reason":"stop"', '"finish_reason":"sto"'),
    (s) => s.replace('"finish_reason":null', '"finish_reason":"stop"'),
    (s) => s.replace(/"prompt_tokens":(\d+)/, '"prompt_tokens":123456789012345').replace(/"completion_tokens":(\d+)/, '"completion_tokens":-0'),
    (s) => s.replace('"finish_reason":null', '"finish_reason":"st\\u006fp"'),
    (s) => s.replace(/"completion_tokens":(\d+)/, '"completion_tokens":-$1'),
    (s) => s.replace(/"completion_tokens":(\d+)/, '"completion_tokens":9007199254740993'),
    (s) => s.replace(/"completion_tokens":(\d+)/, '"completion_tokens":$1.0'),
    (s) => s.replace(/"completion_tokens":(\d+)/, '"completion_tokens":1e1'),
    (s) => s.replace(/"completion_tokens":(\d+)/, '"completion_tokens":0$1'),
    (s) => s.replace(/"completion_tokens":(\d+)/, '"completion_tokens":null'),
    (s) => s.replace(/"prompt_tokens":(\d+)/, '"prompt_tokens":"8"'),
    (s) => s.replace('"created":1700000000', '"created":-0'),
    (s) => s.replace(',"model":', ', "model":'),
    (s) => s.replace('{"id"', ' {"id"'),
    (s) => `${s} `,
    (s) => s.replace('"logprobs":null', '"logprobs":{"content":[]}'),
    (s) => s.replace('"delta":{', '"delta":{"reasoning_content":"r",'),
    (s) => s.replace('"delta":{', '"delta":{"tool_calls":[{"index":0}],'),
    (s) => s.replace('"content":"', '"content":"\\ud83d\\ude00'),
    (s) => s.replace('"content":"', '"content":"\t'),
    (s) => s.replace('"content":"', '"content":"\\x'),
    (s) => s.replace('"text":"', '"text":null,"x":"'),
    (s) => s.replace('"choices":[', '"choices":[{"index":1,"delta":{"content":"z"},"logprobs":null,"finish_reason":null},'),
    (s) => s.replace('}],', '},{"index":1,"text":"z","logprobs":null,"finish_reason":null}],'),
    (s) => s.replace('"object":"chat.completion.chunk"', '"object":"error","message":"boom","code":500'),
    (s) => s.replace(/^\{/, '{"error":{"message":"boom","type":"x","code":503},'),
    (s) => s.replace(/\}$/, ',"usage":{"prompt_tokens":1,"total_tokens":2,"completion_tokens":1}}'),
    (s) => s.replace(/\}$/, ',"prompt_token_ids":[1,2]}'),
    (s) => s.slice(0, -1),
    (s) => s.replace(/"usage":\{[^}]*\}\}?/, '"usage":{}'),
    // Shapes the fast path walks by fixed offsets: every branch of the delta, the choice and the usage.
    (s) => s.replace(/"delta":\{[^}]*\}/, '"delta":{}'),
    (s) => s.replace(/"delta":\{[^}]*\}/, '"delta":{"role":"assistant"}'),
    (s) => s.replace(/"delta":\{[^}]*\}/, '"delta":{"role":"assistant","content":"hi"}'),
    (s) => s.replace('"index":0', '"index":12'),
    (s) => s.replace('"created":1700000000', '"created":-17'),
    (s) => s.replace('"stop_reason":null', '"stop_reason":"a]},\\"usage\\":1"').replace('"stop_reason":13', '"stop_reason":"]}"'),
    (s) => s.replace('"stop_reason":13', '"stop_reason":-130'),
    (s) => s.replace('"finish_reason":null', '"finish_reason":null,"stop_reason":null'),
    (s) => s.replace(/"text":"[^"]*"/, '"text":"],\\"usage\\":{"'),
    (s) => s.replace(/"content":"[^"]*"/, '"content":"}],"usage":{"prompt_tokens":5'),
    (s) => s.replace(/"model":"[^"]*"/, '"model":"a]}"'),
    (s) => s.replace(/"id":"[^"]*"/, '"id":"chat.completion.chunk"'),
    (s) => s.replace(/"completion_tokens":(\d+)\}/, '"completion_tokens":$1,"prompt_tokens_details":{"cached_tokens":77}}'),
    (s) => s.replace(/"completion_tokens":(\d+)\}/, '"completion_tokens":$1,"prompt_tokens_details":null}'),
    (s) => s.replace(/"prompt_tokens":(\d+)/, '"prompt_tokens":-5').replace(/"total_tokens":(\d+)/, '"total_tokens":1234567'),
    (s) => s.replace(/\}$/, ',"usage":null}'),
  ];

  function both(stream: string[]) {
    const fast = createStreamState();
    const slow = createStreamState();
    const rf: boolean[] = [];
    const rs: boolean[] = [];
    stream.forEach((d, i) => {
      rf.push(applyStreamEvent(fast, d, i));
      rs.push(applyJsonEvent(slow, d, i));
    });
    return { fast: { state: fast, returns: rf }, slow: { state: slow, returns: rs } };
  }

  it('takes the fast path for every chunk of a vLLM-shaped chat and completions stream', () => {
    for (const d of [...chat, ...completions]) expect(isFastChunk(d), d).toBe(true);
    // And for what the bench server sends (bench/sse-frames.ts): the measured speed is the fast path's.
    for (const d of sseEvents(4).content.concat(sseEvents(4).role)) expect(isFastChunk(d.slice('data: '.length, -2)), d).toBe(true);
  });

  it('gives the same state as JSON.parse for every stream and every mutation of each chunk', () => {
    let fastTaken = 0;
    let declined = 0;
    for (const stream of [chat, completions]) {
      for (let i = 0; i < stream.length; i++) {
        for (const mutate of mutations) {
          const mutated = stream.map((d, j) => (j === i ? mutate(d) : d));
          const m = mutated[i]!;
          if (isFastChunk(m)) fastTaken++;
          else declined++;
          const r = both([...mutated, '[DONE]']);
          expect(r.fast, m).toEqual(r.slow);
          expect(resolveChunkTokens(r.fast.state)).toEqual(resolveChunkTokens(r.slow.state));
        }
      }
    }
    // Both branches were exercised by the mutations, not just one.
    expect(fastTaken).toBeGreaterThan(40);
    expect(declined).toBeGreaterThan(100);
  });
});
