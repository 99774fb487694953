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

  it('drops one leading byte order mark, also when it is split across reads, and keeps a later one', () => {
    const bytes = new TextEncoder().encode('\ufeffdata: a\n\ndata: \ufeffb\n\n');
    for (let cut = 1; cut < bytes.length; cut++) {
      const { events } = parseIn([bytes.slice(0, cut), bytes.slice(cut)]);
      expect(events.map((e) => e.data)).toEqual(['a', '\ufeffb']);
    }
  });

  it('decodes characters split over three reads and replaces invalid bytes as TextDecoder does', () => {
    const text = 'data: 日本語 🎉 ok\n\n';
    const bytes = new TextEncoder().encode(text);
    for (let a = 1; a < bytes.length - 1; a++) {
      for (let b = a + 1; b < bytes.length; b += 3) {
        const { events } = parseIn([bytes.slice(0, a), bytes.slice(a, b), bytes.slice(b)]);
        expect(events.map((e) => e.data)).toEqual(['日本語 🎉 ok']);
      }
    }
    const bad = Uint8Array.from([...new TextEncoder().encode('data: x'), 0xff, 0xc3, ...new TextEncoder().encode('y\n\n')]);
    expect(parseIn([bad]).events[0]!.data).toBe(new TextDecoder().decode(bad).slice(6, -2));
  });

  it('reads data lines without the space, empty data and fields that only start with "data"', () => {
    const { events } = parseIn(['data:x\ndata\ndatum: no\ndata: \n\ndata:\n\n']);
    expect(events.map((e) => e.data)).toEqual(['x\n\n', '']);
  });
});
