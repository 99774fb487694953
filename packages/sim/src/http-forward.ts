// Forwarding one HTTP request upstream and streaming the answer back, byte for byte as it arrives: the
// one copy the EPP gateway (to the chosen pod or its P/D sidecar) and the P/D sidecar (to its decoder)
// both use. Each caller says how it answers an upstream it cannot reach (the gateway in the EPP's plain
// text, the sidecar in vLLM's flat JSON error shape).
import http from 'node:http';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host', 'upgrade', 'proxy-connection', 'te', 'trailer']);

const upstreamAgent = new http.Agent({ keepAlive: true, maxSockets: 1024 });

/** Headers minus hop-by-hop ones; multi-valued headers kept as arrays. */
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
  const headers = forwardableHeaders(up.headers);
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

export interface ProxyOptions extends ForwardOptions {
  /** The upstream could not be reached (connect error, reset before its headers): answer the client (a 503). */
  onUnavailable(err: Error): void;
  /** The upstream's status and headers arrived, nothing relayed yet: extra response headers to add. */
  onResponse?(up: http.IncomingMessage): Record<string, string> | void;
}

/**
 * Forward a request upstream and relay the answer to `res` (relayResponse). A client that goes away
 * before the answer is finished aborts the upstream request. Resolves once the answer is relayed or
 * onUnavailable has answered.
 */
export async function proxyRequest(res: http.ServerResponse, o: ProxyOptions): Promise<void> {
  const { response, request } = forward(o);
  res.on('close', () => {
    if (!res.writableFinished) request.destroy();
  });
  let up: http.IncomingMessage;
  try {
    up = await response;
  } catch (e) {
    o.onUnavailable(e as Error);
    return;
  }
  await relayResponse(up, res, o.onResponse?.(up) ?? {});
}
