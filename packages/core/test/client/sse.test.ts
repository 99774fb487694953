import { describe, expect, it } from 'vitest';
import { createSseParser, type SseEvent } from '../../src/client/sse.ts';

function parseIn(pieces: (string | Uint8Array)[]): { events: SseEvent[]; rest: string | null } {
  const events: SseEvent[] = [];
  const p = createSseParser((e) => events.push(e));
  const enc = new TextEncoder();
  for (const piece of pieces) p.push(typeof piece === 'string' ? enc.encode(piece) : piece);
  return { events, rest: p.end() };
}

describe('SSE parser', () => {
  it('parses data events and [DONE]', () => {
    const { events } = parseIn(['data: {"a":1}\n\ndata: [DONE]\n\n']);
    expect(events.map((e) => e.data)).toEqual(['{"a":1}', '[DONE]']);
  });

  it('reassembles events split across reads at every byte boundary', () => {
    const text = 'data: {"x":"héllo"}\r\n\r\n: keep-alive\n\ndata: two\n\n';
    const bytes = new TextEncoder().encode(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      const { events } = parseIn([bytes.slice(0, cut), bytes.slice(cut)]);
      expect(events.map((e) => e.data)).toEqual(['{"x":"héllo"}', 'two']);
    }
  });

  it('handles \\r\\n split between reads, lone \\r, comments and multi-line data', () => {
    const { events } = parseIn(['data: a\r', '\ndata: b\r\r', 'event: error\ndata: c\n:comment\n\n']);
    expect(events).toEqual([
      { event: 'message', data: 'a\nb' },
      { event: 'error', data: 'c' },
    ]);
  });

  it('reports an unterminated trailing event at end', () => {
    const { events, rest } = parseIn(['data: ok\n\ndata: {"trunc']);
    expect(events).toHaveLength(1);
    expect(rest).toContain('{"trunc');
  });

  it('ignores comment-only blocks', () => {
    const { events, rest } = parseIn([': ping\n\n: ping\n\n']);
    expect(events).toHaveLength(0);
    expect(rest).toBeNull();
  });
});
