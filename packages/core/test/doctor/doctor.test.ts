// runDoctor against small real HTTP servers on 127.0.0.1 standing in for a gateway (vLLM-shaped
// responses), an EPP /metrics with bearer auth, a vLLM pod /metrics, and an EPP log file the gateway
// appends to. Line shapes: "Request handled" with x-request-id and endpoint (GIE v1.4.0
// pkg/epp/requestcontrol/director.go:304, request id from pkg/epp/handlers/server.go:213), "Calculated
// score" with plugin/endpoint/score (GIE v1.4.0 pkg/epp/scheduling/scheduler_profile.go:166) — as in
// core/src/upstream/epp-logs.ts.
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EPP_TOKEN_FIX, REQUEST_ID_FIX, VERBOSITY3_FIX, VERBOSITY4_FIX, formatDoctorReport, isRoutebenchError, runDoctor, type DoctorReport } from '../../src/index.ts';

const TOKEN = 'epp-metrics-token-0123456789abcdef';
const API_KEY = 'sk-gateway-key-abcdef0123456789';
const MODEL = 'Qwen/Qwen2.5-7B-Instruct';

interface GatewayMode {
  /** EPP --v: 1 writes nothing, 3 "Request handled", 4 also "Calculated score". */
  verbosity: number;
  /** Replace the client's x-request-id before the EPP sees it (Envoy's edge default). */
  regenerate: boolean;
  /** vLLM builds the completion id from X-Request-Id. */
  echo: boolean;
}

let mode: GatewayMode = { verbosity: 4, regenerate: false, echo: true };
let dir: string;
let logPath: string;
const servers: Server[] = [];
let gatewayUrl: string, eppUrl: string, podUrl: string;

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const s = createServer(handler);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString()));
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rb-doctor-'));
  logPath = join(dir, 'epp.log');
  writeFileSync(logPath, '');
  gatewayUrl = await listen(async (req, res) => {
    if (req.headers.authorization !== `Bearer ${API_KEY}`) return void res.writeHead(401).end('unauthorized');
    if (req.method === 'GET' && req.url === '/v1/models') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: MODEL, object: 'model' }] }));
    if (req.method === 'POST' && req.url === '/v1/chat/completions') {
      const body = JSON.parse(await readBody(req)) as { stream?: boolean };
      const rid = mode.regenerate ? `envoy-${Math.random().toString(16).slice(2)}` : String(req.headers['x-request-id']);
      const ts = Date.now() / 1000;
      const lines: string[] = [];
      if (mode.verbosity >= 4) lines.push(JSON.stringify({ level: 'Level(-4)', ts, msg: 'Calculated score', 'x-request-id': rid, plugin: 'queue-scorer/queue-scorer', endpoint: { name: 'vllm-0-rank-0', namespace: 'default' }, score: 1 }));
      if (mode.verbosity >= 3) lines.push(JSON.stringify({ level: 'Level(-3)', ts, msg: 'Request handled', 'x-request-id': rid, objectiveKey: '', incomingModelName: MODEL, targetModel: MODEL, endpoint: '10.0.0.5:8000' }));
      if (lines.length) appendFileSync(logPath, `${lines.join('\n')}\n`);
      const id = `chatcmpl-${mode.echo ? rid : 'b0b0b0'}`;
      if (body.stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: 'ok' } }] })}\n\ndata: [DONE]\n\n`);
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' } }] }));
      }
      return;
    }
    res.writeHead(404).end();
  });
  eppUrl = await listen((req, res) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return void res.writeHead(401).end('Unauthorized');
    res.writeHead(200, { 'content-type': 'text/plain' }).end(
      [
        '# TYPE inference_pool_ready_pods gauge',
        'inference_pool_ready_pods{name="pool"} 2',
        '# TYPE llm_d_inference_scheduler_disagg_decision_total counter',
        'llm_d_inference_scheduler_disagg_decision_total{model_name="m",decision_type="decode-only"} 3',
        '',
      ].join('\n'),
    );
  });
  podUrl = await listen((req, res) => {
    if (req.url === '/v1/models') return void res.writeHead(200).end(JSON.stringify({ data: [{ id: MODEL }] }));
    res.writeHead(200, { 'content-type': 'text/plain' }).end(
      ['# TYPE vllm:num_requests_waiting gauge', 'vllm:num_requests_waiting{model_name="m"} 0', '# TYPE vllm:external_prefix_cache_queries counter', 'vllm:external_prefix_cache_queries_total{model_name="m"} 57', ''].join('\n'),
    );
  });
});

afterAll(async () => {
  for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

const run = (extra: Partial<Parameters<typeof runDoctor>[0]> = {}) =>
  runDoctor({ target: gatewayUrl, apiKey: API_KEY, eppMetricsUrl: `${eppUrl}/metrics`, eppToken: TOKEN, podMetricsUrls: [`${podUrl}/metrics`], eppLogPath: logPath, logWaitMs: 1500, ...extra });

const check = (r: DoctorReport, id: string) => r.checks.find((c) => c.id === id)!;

describe('runDoctor on fixture servers', () => {
  it('a healthy target: attribution through the EPP log, EPP metrics with the token, pod metrics', async () => {
    mode = { verbosity: 4, regenerate: false, echo: true };
    const r = await run();
    expect(r.model).toBe(MODEL);
    for (const id of ['gateway-chat', 'gateway-stream', 'gateway-models', 'request-id', 'epp-log-handled', 'epp-log-scores', 'epp-metrics', 'epp-decisions', 'epp-ready-pods', 'pod-metrics', 'external-prefix-cache', 'pod-models']) {
      expect(check(r, id), id).toMatchObject({ reachable: true });
    }
    // vLLM-shaped: no pod identity headers and no NIXL series here.
    expect(check(r, 'pod-identity-headers').reachable).toBe(false);
    expect(check(r, 'nixl-metrics').reachable).toBe(false);
    expect(r.rows.find((x) => x.claim === 'prefix-affinity')).toMatchObject({ evidence: 'attribution', reachable: true, detail: 'via EPP log' });
    expect(r.rows.find((x) => x.claim === 'pd-transfer' && x.evidence === 'nixl-metrics')!.fix).toMatch(/NixlConnector/);
  });

  it('EPP /metrics without a token: 401 and the --epp-token-file fix; a wrong token is never printed', async () => {
    mode = { verbosity: 4, regenerate: false, echo: true };
    const none = await run({ eppToken: undefined });
    expect(check(none, 'epp-metrics')).toMatchObject({ reachable: false, fix: EPP_TOKEN_FIX });
    expect(none.rows.find((x) => x.claim === 'autoscale')).toMatchObject({ reachable: false, fix: EPP_TOKEN_FIX });
    const wrong = 'wrong-token-should-never-print-42';
    const bad = await run({ eppToken: wrong });
    expect(check(bad, 'epp-metrics').fix).toMatch(/rejected/);
    const text = JSON.stringify(bad) + formatDoctorReport(bad);
    expect(text).not.toContain(wrong);
    expect(text).not.toContain(API_KEY);
  });

  it('EPP at the chart default --v=1: no "Request handled" → the --v=3 fix, no "Calculated score" → the --v=4 fix', async () => {
    mode = { verbosity: 1, regenerate: false, echo: true };
    const r = await run({ logWaitMs: 300 });
    expect(check(r, 'epp-log-handled')).toMatchObject({ reachable: false, fix: VERBOSITY3_FIX });
    expect(check(r, 'epp-log-scores')).toMatchObject({ reachable: false, fix: VERBOSITY4_FIX });
    expect(r.rows.find((x) => x.claim === 'prefix-affinity')).toMatchObject({ reachable: false, fix: VERBOSITY3_FIX });
  });

  it('EPP at --v=3: attribution works, score evidence still needs --v=4', async () => {
    mode = { verbosity: 3, regenerate: false, echo: true };
    const r = await run({ logWaitMs: 300 });
    expect(check(r, 'epp-log-handled').reachable).toBe(true);
    expect(check(r, 'epp-log-scores')).toMatchObject({ reachable: false, fix: VERBOSITY4_FIX });
  });

  it('a gateway that regenerates x-request-id: the EPP logs other ids → "gateway replaced x-request-id"', async () => {
    mode = { verbosity: 4, regenerate: true, echo: true };
    const r = await run();
    expect(check(r, 'epp-log-handled')).toMatchObject({ reachable: false, fix: REQUEST_ID_FIX });
    expect(check(r, 'request-id')).toMatchObject({ reachable: false, fix: REQUEST_ID_FIX });
    expect(REQUEST_ID_FIX).toMatch(/^gateway replaced x-request-id/);
  });

  it('nothing but a gateway: every missing source is named with its flag', async () => {
    mode = { verbosity: 4, regenerate: false, echo: false };
    const r = await runDoctor({ target: gatewayUrl, apiKey: API_KEY });
    expect(check(r, 'epp-metrics').fix).toMatch(/--epp-metrics/);
    expect(check(r, 'pod-metrics').fix).toMatch(/--pod-metrics/);
    expect(check(r, 'epp-log-handled').fix).toMatch(/--epp-log/);
    expect(check(r, 'request-id').reachable).toBe(false);
    expect(r.rows.filter((x) => x.required && !x.reachable).map((x) => x.claim)).toEqual(expect.arrayContaining(['prefix-affinity', 'queue-balance', 'autoscale', 'pd-selective']));
  });

  it('a gateway that wants an API key: the probes report 401 with the key flags', async () => {
    const r = await runDoctor({ target: gatewayUrl, model: MODEL });
    expect(check(r, 'gateway-chat')).toMatchObject({ reachable: false });
    expect(check(r, 'gateway-chat').fix).toMatch(/--api-key/);
  });

  it('an unreachable target is an error with RB_TARGET_UNREACHABLE', async () => {
    const dead = await listen((_q, s) => s.end());
    const port = new URL(dead).port;
    await new Promise<void>((r) => servers.pop()!.close(() => r()));
    const err = await runDoctor({ target: `http://127.0.0.1:${port}`, timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(isRoutebenchError(err, 'RB_TARGET_UNREACHABLE')).toBe(true);
  });

  it('bad options name the field', async () => {
    const err = await runDoctor({ target: 'ftp://x' }).catch((e: unknown) => e);
    expect(isRoutebenchError(err, 'RB_CONFIG_INVALID')).toBe(true);
    expect((err as Error).message).toMatch(/target/);
  });
});
