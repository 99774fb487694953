import { describe, expect, it } from 'vitest';
import { parseRequest } from '../request-head.ts';

const req = (body: string, extra = '') =>
  `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Bench-Tokens: 4\r\n${extra}\r\n${body}`;

describe('parseRequest', () => {
  it('reads method, path, lower-cased headers and the body', () => {
    const r = parseRequest(Buffer.from(req('{"a":1}')));
    expect(r.kind).toBe('request');
    if (r.kind !== 'request') return;
    expect(r.req.method).toBe('POST');
    expect(r.req.path).toBe('/v1/chat/completions');
    expect(r.req.headers.get('x-bench-tokens')).toBe('4');
    expect(r.req.body.toString()).toBe('{"a":1}');
  });

  it('asks for more bytes while the head or the body is incomplete', () => {
    const full = Buffer.from(req('{"a":1}'));
    expect(parseRequest(full.subarray(0, 20)).kind).toBe('need-more');
    expect(parseRequest(full.subarray(0, full.length - 2)).kind).toBe('need-more');
  });

  it('finds where the first of two pipelined requests ends', () => {
    const one = req('{"a":1}');
    const r = parseRequest(Buffer.from(one + req('{"b":2}')));
    expect(r.kind === 'request' && r.req.totalBytes).toBe(Buffer.byteLength(one));
  });

  it('rejects chunked request bodies and garbage request lines', () => {
    expect(parseRequest(Buffer.from(req('', 'Transfer-Encoding: chunked\r\n'))).kind).toBe('bad');
    expect(parseRequest(Buffer.from('hello\r\n\r\n')).kind).toBe('bad');
  });
});
