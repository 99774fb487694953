// startPod: one simulated vLLM model server on loopback HTTP (node:http).
// Routes: POST /v1/chat/completions, /v1/completions; GET /v1/models, /health, /health/ready, /metrics.
import http from 'node:http';
import type { Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createRng, formatKvEventsTopic, kvEventsPodId, WORDS, type KvEventsPodIdStyle, type Rng } from '@routebench/core';
import type { KvEventBus, PodFaults, PodHandle } from '../types.ts';
import { readBody, sendJson } from '../http-server.ts';
import { parsePodSpec, PodFaultsSchema, type PodSpecInput, type PodSpec } from './pod-spec.ts';
import { createKvCache } from './kv-cache.ts';
import { createLatencyModel } from './latency.ts';
import { createPodMetrics } from './pod-metrics.ts';
import { createEngine, type FinishReason, type StartInfo, type JobHandle } from './engine.ts';
import { sharedScheduler } from './tick-scheduler.ts';
import { parseGenerationRequest, isApiError, type GenerationRequest } from './openai-request.ts';
import { apiError, errorBody, streamErrorFrame, defaultErrorMessage, type ApiError } from './openai-errors.ts';
import {
  contentChunk,
  contentFramer,
  fullResponse,
  roleChunk,
  sse,
  SSE_DONE,
  usageChunk,
  usageOf,
  type ResponseContext,
} from './openai-response.ts';
import { drawHttpError, drawStreamFault, type StreamFault } from './faults.ts';
import { openRequestLog } from './request-log.ts';

export { PodSpecSchema, parsePodSpec, type PodSpec, type PodSpecInput } from './pod-spec.ts';

export type SimPod = PodHandle & {
  /** Wall-clock emission times (ms since epoch, sub-ms) of each content chunk, when recordEmissions. */
  emissions(requestId: string): number[] | undefined;
  /** Wall-clock arrival and start-of-running (ms since epoch) of a request, when recordEmissions. */
  requestTimes(requestId: string): { arrivedAt: number; startedAt: number | null } | undefined;
  spec: PodSpec;
  /** The pod's log file (vLLM request lines when spec.enableLogRequests), or null when none was asked for. */
  requestLogPath: string | null;
};

export interface StartPodDeps {
  kvEvents?: KvEventBus;
  /**
   * What this pod's `--kv-events-config` topic names it by (core upstream/kv-events.ts). Default
   * 'address-port', llm-d's guide topic `kv@$(POD_IP):$(POD_PORT)@<model>`; anything else is the
   * misconfiguration that leaves the precise scorer's index unmatched.
   */
  kvEventsPodId?: KvEventsPodIdStyle;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

export async function startPod(specInput: PodSpecInput | PodSpec, deps: StartPodDeps = {}): Promise<SimPod> {
  const spec = parsePodSpec(specInput);
  const primaryModel = spec.models[0]!;
  let faults: PodFaults = { ...spec.faults };
  const faultRng = createRng(`${spec.latency.seed}:faults:${spec.name}`);
  const lengthRng = createRng(`${spec.latency.seed}:lengths:${spec.name}`);
  const startedAt = performance.now();
  let draining = false;
  let port = spec.port;

  const kv = createKvCache({
    blockSize: spec.kvCache.blockSize,
    capacityBlocks: spec.kvCache.capacityBlocks,
    onEvents: deps.kvEvents
      ? (events) =>
          deps.kvEvents!.publish({
            topic: formatKvEventsTopic(kvEventsPodId(deps.kvEventsPodId ?? 'address-port', { address: spec.host, port, name: spec.name }), primaryModel),
            pod: spec.name,
            ts: Date.now(),
            events,
          })
      : undefined,
  });
  const metrics = createPodMetrics({
    modelName: primaryModel,
    metricNames: spec.metricNames,
    blockSize: spec.kvCache.blockSize,
    capacityBlocks: spec.kvCache.capacityBlocks,
    maxModelLen: spec.maxModelLen,
    state: () => engine.state(),
    kvConnector: spec.role !== 'both',
  });
  const engine = createEngine({
    maxNumSeqs: spec.maxNumSeqs,
    maxWaitingQueueLength: spec.maxWaitingQueueLength,
    kvTransfer: spec.kvTransfer,
    // P/D pods run vLLM with the NIXL connector (llm-d's P/D guides); aggregated pods have none.
    kvConnector: spec.role !== 'both',
    kv,
    latency: createLatencyModel(spec.latency, spec.maxNumSeqs),
    metrics,
    scheduler: sharedScheduler,
    slowFactor: () => faults.slowFactor ?? 1,
  });
  const requestLog = spec.requestLogPath ? openRequestLog(spec.requestLogPath) : null;
  const emissions = new Map<string, number[]>();
  const times = new Map<string, { arrivedAt: number; startedAt: number | null }>();
  const wallNow = () => performance.timeOrigin + performance.now();
  const ready = () => !draining && performance.now() - startedAt >= spec.startupDelayMs;

  const identityHeaders = (): Record<string, string> =>
    spec.identityHeaders
      ? { 'x-inference-pod': spec.name, 'x-inference-namespace': spec.namespace, 'x-inference-port': String(port) }
      : {};

  function sendError(res: http.ServerResponse, e: ApiError, extra: Record<string, string> = {}) {
    const headers = { ...identityHeaders(), ...extra };
    if (e.status === 429) headers['retry-after'] = '1';
    sendJson(res, e.status, errorBody(spec.errorShape, e), headers);
  }

  async function handleGenerate(api: 'chat' | 'completions', req: http.IncomingMessage, res: http.ServerResponse) {
    const arrivedAt = performance.now();
    const requestId = firstHeader(req.headers['x-request-id']) || randomUUID().replace(/-/g, '');
    const ridHeader: Record<string, string> = spec.enableRequestIdHeaders ? { 'x-request-id': requestId } : {};

    let raw: Buffer;
    try {
      raw = await readBody(req, MAX_BODY_BYTES, 'drain');
    } catch {
      return sendError(res, apiError(413, 'Request body too large.'), ridHeader);
    }
    if (!ready()) return sendError(res, apiError(503, defaultErrorMessage(503, primaryModel)), ridHeader);

    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return sendError(res, apiError(400, 'Invalid JSON body.'), ridHeader);
    }
    const modelName = typeof (body as { model?: unknown })?.model === 'string' ? (body as { model: string }).model : primaryModel;

    // Forced errors: llm-d-inference-sim's X-Return-Error test hook, then the configured error rates.
    const forced = Number(firstHeader(req.headers['x-return-error']));
    const forcedStatus = Number.isInteger(forced) && forced >= 400 && forced <= 599 ? forced : drawHttpError(faults, faultRng);
    if (forcedStatus !== null) {
      return sendError(res, apiError(forcedStatus, defaultErrorMessage(forcedStatus, modelName)), ridHeader);
    }

    const parsed = parseGenerationRequest(api, body, spec.maxModelLen);
    if (isApiError(parsed)) return sendError(res, parsed, ridHeader);
    if (!spec.models.includes(parsed.model)) {
      return sendError(res, apiError(404, `The model \`${parsed.model}\` does not exist.`, 'model'), ridHeader);
    }
    const n = parsed.promptTokenIds.length;
    if (kv.blocksNeeded(n) > kv.capacityBlocks) {
      return sendError(
        res,
        apiError(400, `The prompt needs ${kv.blocksNeeded(n)} KV-cache blocks but the cache holds only ${kv.capacityBlocks}.`, 'messages'),
        ridHeader,
      );
    }

    const out = chooseOutput(parsed, lengthRng);
    const ctx: ResponseContext = {
      api,
      id: `${api === 'chat' ? 'chatcmpl' : 'cmpl'}-${requestId}`,
      created: Math.floor(Date.now() / 1000),
      model: parsed.model,
    };
    const fault: StreamFault = drawStreamFault(faults, faultRng, out.tokens);
    const textRng = createRng(`${spec.latency.seed}:text:${requestId}`);
    const pieces: string[] = [];
    const record = spec.recordEmissions ? [] as number[] : null;
    const reqTimes = record ? { arrivedAt: performance.timeOrigin + arrivedAt, startedAt: null as number | null } : null;
    if (record) {
      emissions.set(requestId, record);
      times.set(requestId, reqTimes!);
    }
    let start: StartInfo | null = null;
    let closed = false; // we ended or abandoned the response
    let stalled = false;
    const headers = { ...identityHeaders(), ...ridHeader };

    const frame = contentFramer(ctx);
    const usage = (completion: number) =>
      usageOf(n, completion, start ? start.cachedTokens : 0);

    const onToken = (index: number) => {
      if (closed) return;
      if (fault && index === fault.afterTokens) return applyFault(fault.kind);
      const piece = ' ' + WORDS[Math.floor(textRng() * WORDS.length) % WORDS.length];
      pieces.push(piece);
      if (!parsed.stream) return;
      const last = index + 1 >= out.tokens;
      const cont = parsed.continuousUsage ? usage(index + 1) : undefined;
      let data = '';
      if (index === 0 && api === 'chat') data += sse(roleChunk(ctx, parsed.continuousUsage ? usage(0) : undefined));
      data += last || cont ? sse(contentChunk(ctx, piece, last ? out.finishReason : null, cont)) : frame(piece);
      res.write(data);
      record?.push(wallNow());
    };

    const onFinish = (reason: FinishReason) => {
      if (closed) return;
      closed = true;
      const text = pieces.join('');
      if (!parsed.stream) {
        const kvParams = parsed.pdRole === 'prefill' && start ? prefillParams(start.alloc.hashes) : null;
        return sendJson(res, 200, fullResponse(ctx, text, reason, usage(pieces.length), kvParams), headers);
      }
      let data = '';
      if (parsed.includeUsage) data += sse(usageChunk(ctx, usage(pieces.length)));
      res.end(data + SSE_DONE);
    };

    const prefillParams = (hashes: string[]) => ({
      do_remote_decode: false,
      do_remote_prefill: true,
      remote_block_ids: hashes,
      remote_engine_id: spec.name,
      remote_host: spec.host,
      remote_port: port,
      tp_size: 1,
    });

    let job: JobHandle | null = null;
    const applyFault = (kind: 'midStreamError' | 'stall' | 'reset') => {
      closed = true;
      job?.abort();
      if (kind === 'reset') {
        req.socket.destroy();
      } else if (kind === 'stall') {
        stalled = true; // keep the socket open and silent until the client gives up or the pod stops
      } else if (parsed.stream) {
        res.end(sse(streamErrorFrame(spec.errorShape, apiError(500, 'Internal server error during generation.'))) + SSE_DONE);
      } else {
        sendError(res, apiError(500, 'Internal server error during generation.'), ridHeader);
      }
    };

    // vLLM logs the request once it is rendered and validated, just before it goes to the engine
    // (OpenAIServing._log_inputs in the chat/completions handlers).
    if (spec.enableLogRequests) requestLog?.received({ api, requestId, maxTokens: parsed.maxTokensRequested, kvTransferParams: parsed.kvTransferParams });
    job = engine.submit({
      promptTokenIds: parsed.promptTokenIds,
      hashes: kv.blockHashes(parsed.promptTokenIds),
      outputTokens: out.tokens,
      finishReason: out.finishReason,
      pdRole: parsed.pdRole,
      maxTokensParam: parsed.maxTokensRequested,
      arrivedAt,
      onStart: (info) => {
        start = info;
        if (reqTimes) reqTimes.startedAt = wallNow();
      },
      onToken,
      onFinish,
    });
    if (!job) {
      closed = true;
      return sendError(res, apiError(429, 'Failed to enqueue request, waiting requests queue is full'), ridHeader);
    }
    // Like vLLM/Starlette: a stream's status and headers go out at once; the first bytes at first token.
    if (parsed.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...headers });
      res.flushHeaders();
    }
    res.on('close', () => {
      // Client went away (or we reset): free the engine slot, as vLLM aborts a disconnected request.
      if (!res.writableFinished && !stalled) job?.abort();
      closed = true;
    });
  }

  function route(req: http.IncomingMessage, res: http.ServerResponse) {
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    if (method === 'POST' && path === '/v1/chat/completions') return void handleGenerate('chat', req, res).catch((e) => fail(res, e));
    if (method === 'POST' && path === '/v1/completions') return void handleGenerate('completions', req, res).catch((e) => fail(res, e));
    if (method === 'GET' && path === '/health') {
      res.writeHead(200, identityHeaders());
      return res.end();
    }
    if (method === 'GET' && path === '/health/ready') {
      res.writeHead(ready() ? 200 : 503, identityHeaders());
      return res.end();
    }
    // vLLM serves this only with VLLM_SERVER_DEV_MODE=1 (vllm/entrypoints/openai/api_server.py); the simulated
    // pod behaves as a dev-mode server so runs can start cold. Empty 200, as vLLM answers.
    if (method === 'POST' && path === '/reset_prefix_cache') {
      kv.reset();
      res.writeHead(200, identityHeaders());
      return res.end();
    }
    if (method === 'GET' && path === '/metrics') {
      const text = metrics.registry.render();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      return res.end(text);
    }
    if (method === 'GET' && path === '/v1/models') {
      const created = Math.floor(Date.now() / 1000);
      return sendJson(res, 200, {
        object: 'list',
        data: spec.models.map((id) => ({
          id,
          object: 'model',
          created,
          owned_by: 'vllm',
          root: primaryModel,
          parent: null,
          max_model_len: spec.maxModelLen,
        })),
      });
    }
    sendJson(res, 404, { detail: 'Not Found' });
  }

  function fail(res: http.ServerResponse, err: unknown) {
    // A bug in the sim: answer 500 without echoing internals beyond the message.
    if (!res.headersSent) sendError(res, apiError(500, `simulator error: ${(err as Error)?.message ?? String(err)}`));
    else res.destroy();
  }

  const server = http.createServer(route);
  server.keepAliveTimeout = 65_000;
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    s.setNoDelay(true);
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(spec.port, spec.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as { port: number }).port;
  const url = `http://${spec.host}:${port}`;

  let stopping: Promise<void> | null = null;
  return {
    name: spec.name,
    namespace: spec.namespace,
    role: spec.role,
    models: [...spec.models],
    host: spec.host,
    port,
    url,
    metricsUrl: `${url}/metrics`,
    spec,
    requestLogPath: spec.requestLogPath ?? null,
    drain() {
      draining = true;
      return engine.whenIdle();
    },
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        draining = true;
        engine.shutdown();
        server.close(() => void (requestLog ? requestLog.close() : Promise.resolve()).then(() => resolve()));
        for (const s of sockets) s.destroy();
      });
      return stopping;
    },
    setFaults(f: PodFaults) {
      const r = PodFaultsSchema.safeParse(f);
      if (!r.success) {
        throw new Error('invalid pod faults: ' + r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
      }
      faults = r.data;
    },
    state() {
      return { ...engine.state(), ready: ready() };
    },
    emissions(requestId: string) {
      return emissions.get(requestId);
    },
    requestTimes(requestId: string) {
      return times.get(requestId);
    },
  };
}

/** How many tokens to generate and why the output ends (vLLM finish_reason). */
function chooseOutput(r: GenerationRequest, rng: Rng): { tokens: number; finishReason: 'stop' | 'length' } {
  if (r.pdRole === 'prefill') return { tokens: 1, finishReason: 'length' };
  if (r.ignoreEos) return { tokens: Math.max(1, r.maxTokens), finishReason: 'length' };
  // Without ignore_eos the "model" may stop early at EOS, never before min_tokens.
  const lo = Math.max(1, r.minTokens);
  const hi = r.maxTokensRequested !== null ? r.maxTokens : Math.min(r.maxTokens, Math.max(lo, 256));
  const tokens = lo + Math.floor(rng() * (hi - lo + 1));
  return { tokens, finishReason: tokens >= r.maxTokens ? 'length' : 'stop' };
}

function firstHeader(v: string | string[] | undefined): string {
  const s = Array.isArray(v) ? v[0] : v;
  // Several appended values (the P/D sidecar adds one) arrive comma-joined; the first one wins.
  return (s ?? '').split(',')[0]!.trim();
}
