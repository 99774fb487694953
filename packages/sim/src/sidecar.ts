// The llm-d P/D routing sidecar in front of a decode pod (SCHED v0.4.0 pkg/sidecar/proxy, NIXLv2
// connector). POST /v1/chat/completions and /v1/completions:
//   - no x-prefiller-host-port → forward unchanged to the local decoder;
//   - otherwise send the prefill to that pod (max_tokens=1, stream=false, no stream_options,
//     kv_transfer_params {do_remote_decode:true, do_remote_prefill:false, remote_*: null}) with an
//     extra x-request-id appended, buffer its answer, then send the original request to the decoder
//     with the prefill's kv_transfer_params and stream the decoder's response to the client;
//   - prefill answered 4xx → that answer goes to the client; any other prefill failure → decode-only.
// Sidecar-made errors use vLLM's old flat error shape, as the real sidecar does. GET /health → 200;
// anything else is reverse-proxied to the decoder.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { forward, forwardableHeaders, proxyRequest } from './http-forward.ts';
import { closeServer, listen, readBody, sendJson } from './http-server.ts';

export const PREFILLER_HOST_PORT = 'x-prefiller-host-port';

export interface SidecarOptions {
  /** Base URL of the local decode pod, e.g. http://127.0.0.1:43210 */
  decoderUrl: string;
  host?: string;
  port?: number;
}

export interface Sidecar {
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

function flatError(res: http.ServerResponse, code: number, type: string, message: string): void {
  sendJson(res, code, { object: 'error', message, type, param: null, code });
}

export async function startSidecar(o: SidecarOptions): Promise<Sidecar> {
  const host = o.host ?? '127.0.0.1';
  const server = http.createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) flatError(res, 502, 'BadGateway', (e as Error).message);
      else res.destroy();
    });
  });

  const passThrough = (req: http.IncomingMessage, res: http.ServerResponse, headers: Record<string, string | string[]>, body: Buffer | undefined) =>
    proxyRequest(res, {
      url: o.decoderUrl + req.url,
      method: req.method ?? 'GET',
      headers,
      body,
      onUnavailable: (e) => flatError(res, 503, 'ServiceUnavailable', `decoder unavailable: ${e.message}`),
    });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'GET' && path === '/health') return sendJson(res, 200, {});
    const headers = forwardableHeaders(req.headers);
    const body = req.method === 'POST' || req.method === 'PUT' ? await readBody(req) : undefined;
    const isGeneration = req.method === 'POST' && (path === '/v1/chat/completions' || path === '/v1/completions');
    const prefillers = ([] as string[]).concat(req.headers[PREFILLER_HOST_PORT] ?? []).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
    delete headers[PREFILLER_HOST_PORT];
    if (!isGeneration || prefillers.length === 0) return passThrough(req, res, headers, body);

    let original: Record<string, unknown>;
    try {
      original = JSON.parse(body!.toString('utf8')) as Record<string, unknown>;
    } catch (e) {
      return flatError(res, 400, 'BadRequestError', `invalid JSON: ${(e as Error).message}`);
    }
    // Header.Add: the EPP's x-request-id stays first (vLLM reads the first one).
    const ids = ([] as string[]).concat(headers['x-request-id'] ?? []);
    const requestIds = [...ids, randomUUID()];
    const prefillBody: Record<string, unknown> = {
      ...original,
      kv_transfer_params: { do_remote_decode: true, do_remote_prefill: false, remote_engine_id: null, remote_block_ids: null, remote_host: null, remote_port: null },
      stream: false,
      max_tokens: 1,
      max_completion_tokens: 1,
    };
    delete prefillBody.stream_options;
    const prefillTarget = `http://${prefillers[0]}${req.url}`;
    // Prefill failure handling as upstream (SCHED v0.7.1 pkg/sidecar/proxy/connector_nixlv2.go:132-153,
    // proxy_helpers.go:176-186 shouldFallbackToDecode): a 4xx (400..451) from the prefill pod is returned
    // to the client as is; any other error status — 5xx, or the reverse proxy's 502 when the prefill pod
    // cannot be reached — falls back to decode-only: the ORIGINAL request goes to the local decoder,
    // which then computes the whole prompt (no kv_transfer_params, so no NIXL transfer).
    const fallbackToDecode = () => passThrough(req, res, headers, body);
    let prefillJson: Record<string, unknown>;
    let status: number;
    let text: string;
    let contentType: string | string[] | undefined;
    try {
      const { response } = forward({ url: prefillTarget, method: 'POST', headers: { ...headers, 'x-request-id': requestIds, 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(prefillBody)) });
      const pres = await response;
      const chunks: Buffer[] = [];
      for await (const c of pres) chunks.push(c as Buffer);
      text = Buffer.concat(chunks).toString('utf8');
      status = pres.statusCode ?? 502;
      contentType = pres.headers['content-type'];
    } catch {
      return fallbackToDecode();
    }
    if (status < 200 || status >= 300) {
      if (status >= 400 && status <= 451) {
        res.writeHead(status, { 'content-type': contentType ?? 'application/json' });
        res.end(text);
        return;
      }
      return fallbackToDecode();
    }
    try {
      prefillJson = JSON.parse(text) as Record<string, unknown>;
    } catch (e) {
      return flatError(res, 400, 'BadRequestError', `invalid JSON from prefill ${prefillers[0]}: ${(e as Error).message}`);
    }
    const decodeBody = { ...original, kv_transfer_params: prefillJson.kv_transfer_params ?? null };
    return passThrough(req, res, { ...headers, 'x-request-id': requestIds, 'content-type': 'application/json' }, Buffer.from(JSON.stringify(decodeBody)));
  }

  const port = await listen(server, o.port ?? 0, host);
  return { url: `http://${host}:${port}`, host, port, close: () => closeServer(server) };
}
