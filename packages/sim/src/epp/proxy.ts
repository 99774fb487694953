// Small HTTP proxy helpers shared by the EPP gateway and the P/D sidecar: buffer a request body,
// forward a request, and stream an upstream response back byte for byte as it arrives.
import http from 'node:http';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host', 'upgrade', 'proxy-connection', 'te', 'trailer']);

export const upstreamAgent = new http.Agent({ keepAlive: true, maxSockets: 1024 });

export function readBody(req: http.IncomingMessage, limit = 8 * 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n > limit) {
        reject(new Error('request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Incoming headers minus hop-by-hop ones; multi-valued headers kept as arrays. */
export function forwardableHeaders(h: http.IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  return out;
}

export interface ForwardOptions {
  url: string;
  method: string;
  headers: Record<string, string | string[]>;
  body?: Buffer;
  timeoutMs?: number;
}

/** Send a request upstream; resolves with the response as soon as its headers arrive. */
export function forward(o: ForwardOptions): { response: Promise<http.IncomingMessage>; request: http.ClientRequest } {
  const headers = { ...o.headers };
  if (o.body) headers['content-length'] = String(o.body.length);
  const request = http.request(o.url, { method: o.method, headers, agent: upstreamAgent });
  const response = new Promise<http.IncomingMessage>((resolve, reject) => {
    request.on('response', resolve);
    request.on('error', reject);
  });
  request.end(o.body);
  return { response, request };
}

/**
 * Stream `up` to `res` unchanged (status, headers plus `extraHeaders`, body chunks as they arrive).
 * Resolves when the body has been relayed (or either side went away).
 */
export function relayResponse(up: http.IncomingMessage, res: http.ServerResponse, extraHeaders: Record<string, string> = {}): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
  // Keep the upstream framing: a sized body stays sized, anything else is chunked.
  if (up.headers['content-length'] !== undefined) headers['content-length'] = up.headers['content-length'];
  Object.assign(headers, extraHeaders);
  res.writeHead(up.statusCode ?? 502, headers);
  res.flushHeaders();
  return new Promise((resolve) => {
    const done = () => resolve();
    up.on('data', (c: Buffer) => res.write(c));
    up.on('end', () => res.end(done));
    up.on('error', () => (res.destroy(), done()));
    up.on('aborted', () => (res.destroy(), done()));
    res.on('close', () => {
      if (!up.complete) up.destroy();
      done();
    });
  });
}

export function sendText(res: http.ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function listen(server: http.Server, port = 0, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as { port: number }).port));
  });
}

export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
