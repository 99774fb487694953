// Test fixture: a real HTTP server on 127.0.0.1 that serves exposition text chosen per request,
// and remembers what it was asked (path, authorization header) so tests can check what was sent.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  url: string;
  authorization: string | undefined;
}

export type Responder = (n: number, req: IncomingMessage, res: ServerResponse) => void;

export interface ExpositionServer {
  url: string;
  port: number;
  seen: SeenRequest[];
  setResponder(r: Responder): void;
  close(): Promise<void>;
}

export async function startExpositionServer(responder: Responder): Promise<ExpositionServer> {
  let current = responder;
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    current(seen.length - 1, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    setResponder: (r) => {
      current = r;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendText(res: ServerResponse, body: string, status = 200): void {
  res.writeHead(status, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
  res.end(body);
}

/** Resolve once `cond` holds, polling the fixtures' recorded state (not the test's wall clock). */
export async function until(cond: () => boolean, what: string, maxMs = 20_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
