// The gateway in front of several InferencePools, as upstream serves several models (core upstream/bbr.ts):
// body-based routing copies the body's `model` into X-Gateway-Model-Name and its base model into
// X-Gateway-Base-Model-Name, then the gateway picks the HTTPRoute whose header match equals the base model
// (one route per pool, as the inferencepool chart's experimentalHttpRoute writes it) and forwards the request,
// body unchanged, to that pool's EPP gateway. No route matches → 404 from the gateway itself, with an empty
// body: never a pod's answer. The headers are set whatever the client sent (BBR's header mutation).
import http from 'node:http';
import { z } from 'zod';
import { BBR, bbrBaseModel } from '@routebench/core';
import { forwardableHeaders, proxyRequest } from './http-forward.ts';
import { closeServer, listen, readBody, sendText } from './http-server.ts';

export const BbrRouteSchema = z.strictObject({
  /** The HTTPRoute / InferencePool name. */
  name: z.string().min(1),
  /** The route's Exact match on X-Gateway-Base-Model-Name (chart value experimentalHttpRoute.baseModel). */
  baseModel: z.string().min(1),
  /** LoRA adapters of this base model (the pool's bbr-managed ConfigMap `adapters`). */
  adapters: z.array(z.string().min(1)).default([]),
  /** Where the route's backend (the pool's gateway + EPP) listens. */
  url: z.url({ protocol: /^http$/ }),
});
export type BbrRoute = z.infer<typeof BbrRouteSchema>;
export type BbrRouteInput = z.input<typeof BbrRouteSchema>;

export interface BodyBasedRouterOptions {
  routes: BbrRouteInput[];
  host?: string;
  port?: number;
}

export interface BodyBasedRouter {
  url: string;
  port: number;
  /** Which route a body's model takes: the route name, or null for the gateway's 404. */
  routeFor(model: string): string | null;
  close(): Promise<void>;
}

const MODEL_HEADER = BBR.modelHeader.toLowerCase();
const BASE_MODEL_HEADER = BBR.baseModelHeader.toLowerCase();
const MATCH_HEADER = BBR.routeMatchHeader.toLowerCase();

export async function startBodyBasedRouter(o: BodyBasedRouterOptions): Promise<BodyBasedRouter> {
  const r = z.array(BbrRouteSchema).min(1).safeParse(o.routes);
  if (!r.success) throw new Error(`invalid BBR routes: ${r.error.issues.map((i) => `routes.${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const routes = r.data;
  for (const [i, rt] of routes.entries()) {
    const clash = routes.findIndex((x) => x.baseModel === rt.baseModel || x.adapters.includes(rt.baseModel) || rt.adapters.some((a) => x.adapters.includes(a)));
    // "All model names, including base and LoRA names must be unique" (GIE v1.4.0 serving-multiple-inference-pools-latest.md:18).
    if (clash !== i) throw new Error(`invalid BBR routes: routes.${i}: model names overlap with routes.${clash} (base and adapter names must be unique)`);
  }
  const registry = { baseModels: routes.map((x) => x.baseModel), adapters: Object.fromEntries(routes.flatMap((x) => x.adapters.map((a) => [a, x.baseModel]))) };
  const match = (headers: Record<string, string | string[]>) => routes.find((x) => headers[MATCH_HEADER] === x.baseModel) ?? null;

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => sendText(res, 500, `bbr: ${(err as Error).message}`));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const headers = forwardableHeaders(req.headers);
    delete headers[MODEL_HEADER];
    delete headers[BASE_MODEL_HEADER];
    const raw = await readBody(req);
    // BBR only sees requests with a body (it works on the request-body phase); a bodiless GET such as
    // /v1/models gets no model header, so no per-model route matches it.
    if (raw.length > 0) {
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        // json.Unmarshal fails → the ext_proc stream ends with an error (GIE v1.4.0 request.go:50-52).
        return sendText(res, BBR.nonStringModelStatus, '');
      }
      const model = body !== null && typeof body === 'object' ? (body as Record<string, unknown>).model : undefined;
      if (model !== undefined && typeof model !== 'string') return sendText(res, BBR.nonStringModelStatus, ''); // "model is not a string"
      if (typeof model === 'string' && model !== '') {
        headers[MODEL_HEADER] = model;
        headers[BASE_MODEL_HEADER] = bbrBaseModel(model, registry);
      }
    }
    const route = match(headers);
    // Gateway API: no matching rule → 404 (core upstream/bbr.ts BBR.noRouteStatus). Envoy's local reply body is empty.
    if (!route) return sendText(res, BBR.noRouteStatus, '');
    await proxyRequest(res, {
      url: route.url + (req.url ?? '/'),
      method: req.method ?? 'POST',
      headers,
      ...(raw.length > 0 && { body: raw }),
      onUnavailable: () => sendText(res, 503, 'upstream connect error or disconnect/reset before headers'),
    });
  }

  const host = o.host ?? '127.0.0.1';
  const port = await listen(server, o.port ?? 0, host);
  return {
    url: `http://${host}:${port}`,
    port,
    routeFor: (model) => match({ [MATCH_HEADER]: bbrBaseModel(model, registry) })?.name ?? null,
    close: () => closeServer(server),
  };
}
