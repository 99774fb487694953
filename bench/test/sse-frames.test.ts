import { describe, expect, it } from 'vitest';
import { createSseParser } from '../../packages/core/src/client/sse.ts';
import { applyStreamEvent, createStreamState, resolveChunkTokens } from '../../packages/core/src/client/openai-stream.ts';
import { prebuilt } from '../sse-frames.ts';

/** Body of a chunked-transfer message back to plain bytes. */
function dechunk(buf: Buffer): Buffer {
  const out: Buffer[] = [];
  let i = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', i);
    const len = parseInt(buf.toString('latin1', i, eol), 16);
    if (len === 0) return Buffer.concat(out);
    out.push(buf.subarray(eol + 2, eol + 2 + len));
    i = eol + 2 + len + 2;
  }
}

function interpret(body: Buffer) {
  const state = createStreamState();
  const p = createSseParser((ev) => applyStreamEvent(state, ev.data, 0));
  p.push(body);
  expect(p.end()).toBeNull();
  return state;
}

describe('prebuilt responses', () => {
  it('the one-write response is a 200 event stream whose content-length matches and that routebench reads as N tokens', () => {
    const whole = prebuilt(5).whole;
    const split = whole.indexOf('\r\n\r\n');
    const head = whole.toString('latin1', 0, split);
    expect(head).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(head).toContain('content-type: text/event-stream');
    const body = whole.subarray(split + 4);
    expect(Number(/content-length: (\d+)/.exec(head)![1])).toBe(body.length);
    const state = interpret(body);
    expect(state.done).toBe(true);
    expect(state.chunkTimes).toHaveLength(5);
    expect(resolveChunkTokens(state)).toEqual({ tokens: [1, 1, 1, 1, 1], source: 'continuous_usage' });
    expect(state.finishReason).toBe('length');
  });

  it('the streamed form carries the same events, the terminator only in the last content piece', () => {
    const s = prebuilt(3).streamed;
    expect(s.content).toHaveLength(3);
    const all = Buffer.concat([s.head.subarray(s.head.indexOf('\r\n\r\n') + 4), ...s.content]);
    expect(all.subarray(all.length - 5).toString()).toBe('0\r\n\r\n');
    expect(s.content[1]!.includes('0\r\n\r\n')).toBe(false);
    const state = interpret(dechunk(all));
    expect(state.done).toBe(true);
    expect(resolveChunkTokens(state).tokens).toEqual([1, 1, 1]);
  });
});
