// A minimal HTTP/1.1 request reader for the bench server: enough for keep-alive clients that send a
// content-length body (undici, autocannon, wrk). Node's http server would do, but its per-request cost
// lands on the same two cores as the client under test; this keeps the server's share small.

export interface RequestHead {
  method: string;
  path: string;
  /** Lower-cased header names; only the first value of a repeated header is kept. */
  headers: Map<string, string>;
  /** Bytes of head + body: how much of the buffer this request used. */
  totalBytes: number;
  body: Buffer;
}

export type ParseResult = { kind: 'need-more' } | { kind: 'request'; req: RequestHead } | { kind: 'bad'; message: string };

const CRLF2 = Buffer.from('\r\n\r\n', 'latin1');
const MAX_HEAD = 64 * 1024;

/** Parse the request at the start of `buf`, if it is complete. */
export function parseRequest(buf: Buffer): ParseResult {
  const end = buf.indexOf(CRLF2);
  if (end === -1) return buf.length > MAX_HEAD ? { kind: 'bad', message: 'request head too large' } : { kind: 'need-more' };
  const lines = buf.toString('latin1', 0, end).split('\r\n');
  const [method, path, version] = lines[0]!.split(' ');
  if (!method || !path || !version?.startsWith('HTTP/1.')) return { kind: 'bad', message: `bad request line: ${lines[0]!.slice(0, 80)}` };
  const headers = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    const colon = l.indexOf(':');
    if (colon <= 0) continue;
    const name = l.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, l.slice(colon + 1).trim());
  }
  if (headers.get('transfer-encoding')?.toLowerCase().includes('chunked')) return { kind: 'bad', message: 'chunked request bodies are not supported' };
  const len = Number(headers.get('content-length') ?? '0');
  if (!Number.isInteger(len) || len < 0) return { kind: 'bad', message: 'bad content-length' };
  const bodyStart = end + 4;
  if (buf.length < bodyStart + len) return { kind: 'need-more' };
  return { kind: 'request', req: { method, path, headers, totalBytes: bodyStart + len, body: buf.subarray(bodyStart, bodyStart + len) } };
}
