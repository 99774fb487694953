// Small helpers for the simulator's loopback HTTP servers (pods, EPP gateway, P/D sidecar): buffer a
// request body, answer with text or JSON, listen and close.
import http from 'node:http';

/**
 * The request body, rejected once it passes `limit` bytes. Then `overflow` says what happens to the
 * rest: 'destroy' the request (the gateway and sidecar), or 'drain' it so an error can still be answered
 * (the pods' 413).
 */
export function readBody(req: http.IncomingMessage, limit = 8 * 1024 * 1024, overflow: 'destroy' | 'drain' = 'destroy'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n <= limit) {
        chunks.push(c);
        return;
      }
      reject(new Error('request body too large'));
      if (overflow === 'destroy') req.destroy();
      else req.resume();
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
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
