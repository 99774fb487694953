// The gateway + EPP in one loopback HTTP server (what Envoy/agentgateway + the ext-proc EPP do together):
// buffer the JSON body, pick pods with the scheduler, proxy to the chosen pod (or its P/D sidecar) and
// stream the response back unchanged, adding `x-went-into-resp-headers: true` as the EPP does.
// EPP errors are plain text `inference gateway: <Code> - <msg>` (GIE handlers/server.go buildErrResponse).
// Also: GET /v1/models (union over ready pods), GET /health, GET /metrics (the EPP's metrics).
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Datastore } from './datastore.ts';
import type { EppLog } from './epp-log.ts';
import { DEFAULT_LLMD_VERSION, EPP_HEADERS, SERVED_VERIFIER, firstHeader, type LlmdVersion } from '@routebench/core';
import type { EppMetrics } from './epp-metrics.ts';
import { forwardableHeaders, proxyRequest } from '../http-forward.ts';
import { closeServer, listen, readBody, sendJson, sendText } from '../http-server.ts';
import { NoPodsAvailableError, type Scheduler } from './scheduler.ts';
import type { ChatMessageLike, SchedulingRequest } from './scheduling-types.ts';
import type { SaturationConfig } from './config.ts';

export interface GatewayOptions {
  scheduler: Scheduler;
  datastore: Datastore;
  metrics: EppMetrics;
  log?: EppLog;
  /**
   * 'regenerate': replace the client's x-request-id before the EPP sees it, as Envoy does for edge
   * requests unless `preserve_external_request_id` is set (envoyproxy/gateway#3225).
   */
  requestId?: 'preserve' | 'regenerate';
  saturation: SaturationConfig;
  /**
   * When set, GET /metrics requires `Authorization: Bearer <metricsToken>`, as the EPP with
   * --metrics-endpoint-auth (GIE v1.4.0 cmd/epp/runner/runner.go:265-273, controller-runtime
   * filters.WithAuthenticationAndAuthorization; EPP_METRICS_AUTH_DEFAULT in @routebench/core).
   */
  metricsToken?: string;
  /** The generation whose header names apply (upstream/headers.ts). */
  version?: LlmdVersion;
  /** InferenceObjective name → priority (x-gateway-inference-objective / router's x-llm-d-inference-objective); negative = sheddable. */
  objectives?: Record<string, number>;
  host?: string;
  port?: number;
}

export interface Gateway {
  url: string;
  port: number;
  close(): Promise<void>;
}

// Headers the EPP consumes (every generation's names; the router also reads the old x-gateway-* aliases).
const STRIPPED = [...new Set(Object.values(EPP_HEADERS).flatMap((h) => [...h.fairnessId, ...h.objective, ...h.modelNameRewrite]))];

const eppError = (code: string, msg: string) => `inference gateway: ${code} - ${msg}`;

export async function startGateway(o: GatewayOptions): Promise<Gateway> {
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => sendText(res, 500, eppError('Internal', (err as Error).message)));
  });

  // Fixed by the config, so decided once rather than per request:
  // the header names of this generation, and whether the GIE test plugin destination-endpoint-served-verifier
  // is configured (it echoes the endpoint Envoy's lb metadata names: GIE
  // plugins/requestcontrol/test/responsereceived/destination_endpoint_served_verifier.go, v1.4.0; in the sim that
  // metadata is always present, so the failure value is never written).
  const names = EPP_HEADERS[o.version ?? DEFAULT_LLMD_VERSION];
  const verifier = o.scheduler.hasPluginType(SERVED_VERIFIER.type);

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'GET' && path === '/health') return sendText(res, 200, 'ok');
    if (req.method === 'GET' && path === '/metrics') {
      // controller-runtime answers a missing or unauthenticated token with 401 "Unauthorized" (a valid
      // token lacking RBAC would get 403; the sim has one token, so only 401). Body as http.Error writes it.
      if (o.metricsToken !== undefined && req.headers.authorization !== `Bearer ${o.metricsToken}`)
        return sendText(res, 401, 'Unauthorized\n', { 'content-type': 'text/plain; charset=utf-8' });
      return sendText(res, 200, o.metrics.render(), { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
    }
    if (req.method === 'GET' && path === '/v1/models') {
      const ids = [...new Set(o.datastore.ready().flatMap((e) => e.models))];
      return sendJson(res, 200, { object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 0, owned_by: 'vllm' })) });
    }
    if (req.method !== 'POST') return sendText(res, 404, eppError('BadConfiguration', `no route for ${req.method} ${path}`));
    await handleInference(req, res, path);
  }

  async function handleInference(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> {
    const t0 = performance.now();
    const headers = forwardableHeaders(req.headers);
    // The EPP keeps an incoming id and generates a UUID when there is none (GIE handlers/server.go:205-213, v1.4.0).
    const requestId = o.requestId !== 'regenerate' && typeof headers['x-request-id'] === 'string' ? headers['x-request-id'] : randomUUID();
    headers['x-request-id'] = requestId;
    const objective = firstHeader(headers, names.objective);
    const rewrite = firstHeader(headers, names.modelNameRewrite);
    for (const h of STRIPPED) delete headers[h];

    let body: Record<string, unknown>;
    try {
      const raw = await readBody(req);
      body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('body must be a JSON object');
    } catch (e) {
      return sendText(res, 400, eppError('BadRequest', `failed to parse request body: ${(e as Error).message}`));
    }
    const model = typeof body.model === 'string' ? body.model : '';
    if (!model) return sendText(res, 400, eppError('BadRequest', 'model not found in request body'));
    const targetModel = rewrite ?? model;
    if (rewrite) body.model = rewrite;

    const fail = (status: number, code: string, msg: string) => {
      o.metrics.requestError(model, targetModel, code);
      o.log?.write({ requestId, model, targetModel, status, error: msg, durationMs: performance.now() - t0 });
      sendText(res, status, eppError(code, msg));
    };

    // Every ready pod of the pool is a candidate, whatever model it serves: no upstream EPP filters by model
    // (EPP_FILTERS_BY_MODEL, core upstream/bbr.ts). A pod that does not serve the model answers vLLM's 404
    // NotFoundError; multi-model deployments put one pool per model behind body-based routing (sim/src/bbr.ts).
    const candidates = o.datastore.ready();
    if (candidates.length === 0) return fail(503, 'ServiceUnavailable', `failed to find candidate pods for serving the request (model ${targetModel})`);

    const priority = objective !== undefined ? (o.objectives?.[objective] ?? 0) : 0;
    if (priority < 0 && saturated(candidates)) return fail(429, 'InferencePoolResourceExhausted', 'system saturated, sheddable request dropped');

    const sreq: SchedulingRequest = {
      requestId,
      model: targetModel,
      headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v])),
      api: path.endsWith('/chat/completions') ? 'chat' : 'completions',
      messages: Array.isArray(body.messages) ? (body.messages as ChatMessageLike[]) : undefined,
      prompt: typeof body.prompt === 'string' ? body.prompt : undefined,
      cacheSalt: typeof body.cache_salt === 'string' ? body.cache_salt : undefined,
    };

    const ts = performance.now();
    let outcome;
    try {
      outcome = o.scheduler.schedule(sreq, candidates);
    } catch (e) {
      o.metrics.schedulerAttempt('failure', targetModel);
      if (e instanceof NoPodsAvailableError) return fail(429, 'InferencePoolResourceExhausted', `failed to find target pod: ${e.message}`);
      throw e;
    }
    o.metrics.schedulerDuration((performance.now() - ts) / 1000);
    const { result } = outcome;
    const primary = result.profileResults[result.primaryProfileName]!;
    const target = primary.targets[0]!;
    o.metrics.schedulerAttempt('success', targetModel, target);
    if (result.disaggDecision) o.metrics.disaggDecision(targetModel, result.disaggDecision);
    o.metrics.requestReceived(model, targetModel);

    const upstreamHeaders: Record<string, string> = {};
    o.scheduler.preRequest(sreq, outcome, upstreamHeaders);
    Object.assign(headers, upstreamHeaders);
    if (!upstreamHeaders['x-prefiller-host-port']) delete headers['x-prefiller-host-port'];
    headers['x-gateway-destination-endpoint'] = primary.targets.map((t) => t.address).join(',');
    headers['content-type'] = 'application/json';

    const prefill = Object.entries(result.profileResults).find(([n, r]) => n !== result.primaryProfileName && r)?.[1]?.targets[0];
    const logBase = {
      requestId,
      model,
      targetModel,
      endpoint: target.address,
      pod: target.name,
      prefillEndpoint: prefill?.address,
      prefillPod: prefill?.name,
      disaggDecision: result.disaggDecision,
      scores: Object.fromEntries(primary.totals),
      preciseScores: preciseScoresOf(o.scheduler, primary),
      scorerScores: scorerScoresOf(o.scheduler, primary),
      addresses: Object.fromEntries(candidates.map((c) => [c.name, c.address])),
      objectiveKey: objective,
    };
    // Upstream logs "Request handled" in prepareRequest, once the pick is made and before proxying
    // (GIE requestcontrol/director.go:304, v1.4.0).
    o.log?.write(logBase);

    o.metrics.running(model, 1);
    let status = 0;
    try {
      await proxyRequest(res, {
        url: target.targetUrl + (req.url ?? path),
        method: 'POST',
        headers,
        body: Buffer.from(JSON.stringify(body)),
        onUnavailable(e) {
          status = 503;
          o.metrics.requestError(model, targetModel, 'ServiceUnavailable');
          sendText(res, 503, eppError('ServiceUnavailable', `upstream connect error: ${e.message}`));
        },
        onResponse(up) {
          status = up.statusCode ?? 502;
          if (status !== 200) o.metrics.requestError(model, targetModel, 'ModelServerError');
          return { 'x-went-into-resp-headers': 'true', ...(verifier ? { [SERVED_VERIFIER.header]: target.address } : {}), ...o.scheduler.responseHeaders(sreq, outcome) };
        },
      });
    } finally {
      o.metrics.running(model, -1);
      o.scheduler.responseComplete(sreq, outcome);
      const durationMs = performance.now() - t0;
      o.metrics.requestDone(model, targetModel, durationMs / 1000);
    }
  }

  function saturated(eps: { metrics: { waiting: number; kvUsage: number; updatedAt: number } }[]): boolean {
    const now = Date.now();
    const s = o.saturation;
    return !eps.some((e) => now - e.metrics.updatedAt <= s.metricsStalenessMs && e.metrics.waiting <= s.queueDepthThreshold && e.metrics.kvUsage <= s.kvCacheUtilThreshold);
  }

  const port = await listen(server, o.port ?? 0, o.host ?? '127.0.0.1');
  return { url: `http://${o.host ?? '127.0.0.1'}:${port}`, port, close: () => closeServer(server) };
}

/**
 * The precise prefix scorer's raw per-endpoint scores (by address), as llm-d's kv-cache manager logs
 * them ("Got endpoint scores"): the evidence that KV events reach the EPP. Undefined when the
 * profile has no precise scorer.
 */
function preciseScoresOf(scheduler: Scheduler, primary: { perScorer: Record<string, Map<string, number>>; targets: { name: string; address: string }[] }, ): Record<string, number> | undefined {
  let out: Record<string, number> | undefined;
  for (const [pluginName, scores] of Object.entries(primary.perScorer)) {
    if (scheduler.plugins.get(pluginName)?.type !== 'precise-prefix-cache-scorer') continue;
    out ??= {};
    for (const [endpoint, score] of scores) out[endpoint] = score;
  }
  return out;
}

/** Every scorer's raw per-pod scores for this request, keyed by plugin type (the EPP's debug "Calculated score" lines). */
function scorerScoresOf(scheduler: Scheduler, primary: { perScorer: Record<string, Map<string, number>> }): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [pluginName, scores] of Object.entries(primary.perScorer)) {
    const type = scheduler.plugins.get(pluginName)?.type ?? pluginName;
    out[type] = Object.fromEntries(scores);
  }
  return out;
}
