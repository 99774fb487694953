// One probe per evidence path a claim can read, each answering "is it reachable, and if not, what exactly
// to change". Probes never throw for what they find (a 401 is a finding); only an unreachable gateway is an
// error, in doctor.ts. Facts come from core/src/upstream/* (which cite upstream source).
import { readFile, stat } from 'node:fs/promises';
import { parsePrometheusText } from '../evidence/prom-parse.ts';
import { REQUEST_HANDLED, CALCULATED_SCORE, GOT_ENDPOINT_SCORES, EPP_REQUEST_ID_KEY, SERVED_VERIFIER, parseZapLine } from '../upstream/epp-logs.ts';
import { DECISION_COUNTER_BY_HANDLER, EPP_METRICS_AUTH_REJECT_STATUS } from '../upstream/metrics.ts';
import { redactSecrets } from '../evidence/sources/secrets.ts';
import { httpProbe, type ProbeResponse } from './http-probe.ts';

/** Every evidence path the doctor checks. */
export const EVIDENCE_IDS = [
  'gateway-chat',
  'gateway-stream',
  'gateway-models',
  'request-id',
  'pod-identity-headers',
  'served-verifier',
  'epp-log-handled',
  'epp-log-scores',
  'epp-metrics',
  'epp-decisions',
  'epp-ready-pods',
  'pod-metrics',
  'pod-models',
  'external-prefix-cache',
  'nixl-metrics',
] as const;
export type EvidenceId = (typeof EVIDENCE_IDS)[number];

export interface EvidenceCheck {
  id: EvidenceId;
  reachable: boolean;
  detail: string;
  fix?: string;
}

/** Headers only llm-d-inference-sim sends (SIM pkg/llm-d-inference-sim/http.go:42-44 per the conformance page); real vLLM sends none. */
export const POD_IDENTITY_HEADERS = ['x-inference-pod', 'x-inference-namespace', 'x-inference-port'] as const;

// ---- gateway -------------------------------------------------------------------------------------------

export interface ChatProbe {
  requestId: string;
  stream: boolean;
  res: ProbeResponse;
}

export function chatBody(model: string, stream: boolean): string {
  return JSON.stringify({ model, stream, max_tokens: 4, messages: [{ role: 'user', content: 'routebench doctor probe: say ok' }] });
}

/**
 * Did the model server see our x-request-id? vLLM echoes it as the `X-Request-Id` response header with
 * `--enable-request-id-headers`, and builds the completion id from it (`chatcmpl-<id>`; vLLM
 * entrypoints/openai serving_engine `_base_request_id` reads the X-Request-Id header — read through code
 * search, no commit pinned). The simulator does both. So: the header, or our id anywhere in the body.
 */
export function requestIdEchoed(p: ChatProbe): boolean {
  const h = p.res.headers['x-request-id'];
  return (h !== undefined && h.split(',').some((v) => v.trim() === p.requestId)) || p.res.body.includes(p.requestId);
}

export function checkGatewayChat(p: ChatProbe | { error: string }, stream: boolean): EvidenceCheck {
  const id: EvidenceId = stream ? 'gateway-stream' : 'gateway-chat';
  if ('error' in p) return { id, reachable: false, detail: p.error, fix: 'check --target, --model and the API key (--api-key-env / --api-key-file)' };
  const { status, body } = p.res;
  if (status < 200 || status >= 300) {
    return { id, reachable: false, detail: `POST /v1/chat/completions${stream ? ' (stream)' : ''} → HTTP ${status}: ${body.slice(0, 160)}`, fix: status === 401 || status === 403 ? 'the gateway wants an API key: --api-key-env or --api-key-file' : status === 404 ? 'pick a served model with --model (see /v1/models)' : undefined };
  }
  if (stream && !/^data:/m.test(body)) return { id, reachable: false, detail: 'stream: no SSE `data:` lines in the response', fix: 'the gateway or a proxy buffers/rewrites SSE; streaming TTFT/ITL cannot be measured' };
  return { id, reachable: true, detail: `HTTP ${status}${stream ? ', SSE' : ''} (x-request-id ${p.requestId})` };
}

export function checkPodIdentity(probes: ChatProbe[]): EvidenceCheck {
  const seen = probes.flatMap((p) => POD_IDENTITY_HEADERS.filter((h) => p.res.headers[h] !== undefined).map((h) => `${h}: ${p.res.headers[h]}`));
  if (seen.length > 0) return { id: 'pod-identity-headers', reachable: true, detail: [...new Set(seen)].join(', ') };
  return {
    id: 'pod-identity-headers',
    reachable: false,
    detail: `no ${POD_IDENTITY_HEADERS.join('/')} response header (only llm-d-inference-sim sends them; vLLM never does)`,
    fix: 'expected on real vLLM: attribute through the EPP log (--epp-log, EPP at --v=3) or the served-endpoint verifier instead',
  };
}

export function checkServedVerifier(probes: ChatProbe[]): EvidenceCheck {
  const values = probes.map((p) => p.res.headers[SERVED_VERIFIER.header]).filter((v): v is string => v !== undefined);
  const good = values.filter((v) => !v.startsWith('fail'));
  if (good.length > 0) return { id: 'served-verifier', reachable: true, detail: `${SERVED_VERIFIER.header}: ${good[0]}` };
  if (values.length > 0) {
    return { id: 'served-verifier', reachable: false, detail: `${SERVED_VERIFIER.header}: ${values[0]}`, fix: 'the gateway sends the EPP no lb metadata (x-gateway-destination-endpoint-served); the header names no pod — use the EPP log instead' };
  }
  return {
    id: 'served-verifier',
    reachable: false,
    detail: `no ${SERVED_VERIFIER.header} header`,
    fix: `optional: add the GIE test plugin \`${SERVED_VERIFIER.type}\` to the EndpointPickerConfig (GIE v1.4.0 cmd/epp/runner/runner.go:462)`,
  };
}

export function checkModels(r: { res?: ProbeResponse; error?: string }, where: string): { check: EvidenceCheck; models: string[] } {
  const id: EvidenceId = 'gateway-models';
  if (!r.res) return { check: { id, reachable: false, detail: r.error ?? 'no response', fix: 'give --model explicitly' }, models: [] };
  const models = parseModelIds(r.res.body);
  if (r.res.status !== 200 || models.length === 0) {
    return { check: { id, reachable: false, detail: `GET ${where}/v1/models → HTTP ${r.res.status}${models.length === 0 ? ', no models listed' : ''}`, fix: 'route GET /v1/models through the gateway (an HTTPRoute for the path), or give --model' }, models };
  }
  return { check: { id, reachable: true, detail: `models: ${models.join(', ')}` }, models };
}

/** OpenAI `{"data":[{"id":…}]}` → ids; anything else → []. */
export function parseModelIds(body: string): string[] {
  try {
    const o = JSON.parse(body) as { data?: Array<{ id?: unknown }> };
    return Array.isArray(o.data) ? o.data.map((m) => m.id).filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

// ---- metrics -------------------------------------------------------------------------------------------

/** Family and sample names of an exposition, `_total` stripped, so `foo` and `foo_total` compare equal. */
export function metricNames(text: string): Set<string> {
  const out = new Set<string>();
  const strip = (n: string) => n.replace(/_total$/, '');
  for (const f of parsePrometheusText(text).families) {
    out.add(strip(f.name));
    for (const s of f.samples) out.add(strip(s.name));
  }
  return out;
}

/** Names of the series that carry at least one sample, `_total` stripped. */
export function sampleNames(text: string): Set<string> {
  return new Set(parsePrometheusText(text).families.flatMap((f) => f.samples.map((s) => s.name.replace(/_total$/, ''))));
}

/** Decision counters a P/D EPP can expose (core upstream/metrics.ts DECISION_COUNTER_BY_HANDLER; llm_d_epp_* from ROUTER, sim epp-metrics.ts). */
export const DECISION_COUNTERS = [...Object.values(DECISION_COUNTER_BY_HANDLER), 'llm_d_epp_disagg_decision_total', 'llm_d_epp_pd_decision_total'].map((n) => n.replace(/_total$/, ''));

export const EPP_TOKEN_FIX =
  'EPP /metrics needs a token: pass `--epp-token-file` (the EPP runs with --metrics-endpoint-auth=true by default, GIE v1.4.0 pkg/epp/server/options.go)';

export async function checkEppMetrics(url: string | undefined, token: string | undefined, timeoutMs: number): Promise<EvidenceCheck[]> {
  const fixUrl = 'pass --epp-metrics http://<epp-pod-ip>:9090/metrics (or a `kubectl port-forward` to the EPP metrics port); the API-server proxy strips Authorization';
  if (!url) {
    const detail = 'no --epp-metrics URL given';
    return [
      { id: 'epp-metrics', reachable: false, detail, fix: fixUrl },
      { id: 'epp-decisions', reachable: false, detail, fix: fixUrl },
      { id: 'epp-ready-pods', reachable: false, detail, fix: fixUrl },
    ];
  }
  const r = await httpProbe({ url, bearerToken: token, timeoutMs, headers: { accept: 'text/plain;version=0.0.4' } });
  const down = (detail: string, fix: string): EvidenceCheck[] => (['epp-metrics', 'epp-decisions', 'epp-ready-pods'] as const).map((id) => ({ id, reachable: false, detail, fix }));
  if (!r.ok) return down(r.error, fixUrl);
  const { status } = r.res;
  if (status === EPP_METRICS_AUTH_REJECT_STATUS.missingOrInvalidToken || status === EPP_METRICS_AUTH_REJECT_STATUS.forbidden) {
    const detail = `GET /metrics → HTTP ${status}${token ? ' with the token given' : ' (no token sent)'}`;
    return down(detail, token ? (status === 403 ? 'the token\'s identity lacks RBAC `get` on the non-resource URL /metrics (a ClusterRole with nonResourceURLs: ["/metrics"])' : 'the token was rejected (expired or wrong audience): mint a fresh service-account token') : EPP_TOKEN_FIX);
  }
  if (status !== 200) return down(redactSecrets(`GET /metrics → HTTP ${status}`, [token]), fixUrl);
  return eppMetricsFromText(r.res.body, token ? ' (token accepted)' : '');
}

/** What an EPP /metrics body offers the claims (`how` is appended to the reachable line, e.g. "(token accepted)"). */
export function eppMetricsFromText(text: string, how: string): EvidenceCheck[] {
  const down = (detail: string, fix: string): EvidenceCheck[] => (['epp-metrics', 'epp-decisions', 'epp-ready-pods'] as const).map((id) => ({ id, reachable: false, detail, fix }));
  let names: Set<string>;
  let sampled: Set<string>;
  try {
    names = metricNames(text);
    sampled = sampleNames(text);
  } catch (e) {
    return down(`not a Prometheus exposition: ${(e as Error).message}`, 'point --epp-metrics at the EPP metrics port (9090 by default), not the gRPC port');
  }
  const decisions = DECISION_COUNTERS.filter((n) => names.has(n));
  // A family with no sample is registered but never incremented (no P/D profile handler, or nothing decided yet).
  const fmtDecision = (n: string) => `${n}_total${sampled.has(n) ? '' : ' (no samples yet)'}`;
  const eppFamilies = [...names].filter((n) => n.startsWith('inference_') || n.startsWith('llm_d_')).length;
  return [
    { id: 'epp-metrics', reachable: true, detail: `${eppFamilies} inference_*/llm_d_* series${how}` },
    decisions.length > 0
      ? { id: 'epp-decisions', reachable: true, detail: decisions.map(fmtDecision).join(', ') }
      : { id: 'epp-decisions', reachable: false, detail: 'no disagg/pd decision counter exposed', fix: 'expected unless the EPP runs disagg-profile-handler (or pd-profile-handler); pd-selective then needs prefill-pod request deltas with pod roles' },
    names.has('inference_pool_ready_pods')
      ? { id: 'epp-ready-pods', reachable: true, detail: 'inference_pool_ready_pods present' }
      : { id: 'epp-ready-pods', reachable: false, detail: 'no inference_pool_ready_pods gauge', fix: 'scrape the EPP itself (GIE exposes inference_pool_* gauges from the EPP /metrics)' },
  ];
}

export interface PodMetricsFinding {
  url: string;
  names?: Set<string>;
  error?: string;
}

export async function scrapePods(urls: readonly string[], timeoutMs: number): Promise<PodMetricsFinding[]> {
  return Promise.all(
    urls.map(async (url): Promise<PodMetricsFinding> => {
      const r = await httpProbe({ url, timeoutMs, headers: { accept: 'text/plain;version=0.0.4' } });
      if (!r.ok) return { url, error: r.error };
      if (r.res.status !== 200) return { url, error: `HTTP ${r.res.status}` };
      try {
        return { url, names: metricNames(r.res.body) };
      } catch (e) {
        return { url, error: `not a Prometheus exposition: ${(e as Error).message}` };
      }
    }),
  );
}

export function checkPodMetrics(pods: PodMetricsFinding[]): EvidenceCheck[] {
  if (pods.length === 0) {
    const fix = 'pass --pod-metrics http://<pod-ip>:8000/metrics once per vLLM pod';
    return (['pod-metrics', 'external-prefix-cache', 'nixl-metrics'] as const).map((id) => ({ id, reachable: false, detail: 'no --pod-metrics URL given', fix }));
  }
  const bad = pods.filter((p) => !p.names);
  const good = pods.filter((p): p is PodMetricsFinding & { names: Set<string> } => !!p.names);
  const vllm = good.filter((p) => [...p.names].some((n) => n.startsWith('vllm:')));
  const out: EvidenceCheck[] = [];
  out.push(
    bad.length === 0 && vllm.length === pods.length
      ? { id: 'pod-metrics', reachable: true, detail: `${pods.length} pod(s) scraped, vllm:* present` }
      : {
          id: 'pod-metrics',
          reachable: false,
          detail: [...bad.map((p) => `${p.url}: ${p.error}`), ...good.filter((p) => !vllm.includes(p)).map((p) => `${p.url}: no vllm:* metrics`)].join('; '),
          fix: 'each --pod-metrics URL must be a vLLM server /metrics reachable from here',
        },
  );
  const having = (prefix: string) => vllm.filter((p) => [...p.names].some((n) => n.startsWith(prefix)));
  const ext = having('vllm:external_prefix_cache_');
  out.push(
    ext.length > 0
      ? { id: 'external-prefix-cache', reachable: true, detail: `vllm:external_prefix_cache_* on ${ext.length}/${pods.length} pod(s)` }
      : { id: 'external-prefix-cache', reachable: false, detail: 'no vllm:external_prefix_cache_* series', fix: 'vLLM records them only with a KV connector: run the P/D pods with --kv-transfer-config (NixlConnector)' },
  );
  const nixl = having('vllm:nixl_');
  out.push(
    nixl.length > 0
      ? { id: 'nixl-metrics', reachable: true, detail: `vllm:nixl_* on ${nixl.length}/${pods.length} pod(s)` }
      : { id: 'nixl-metrics', reachable: false, detail: 'no vllm:nixl_* series', fix: 'needs the NixlConnector (--kv-transfer-config {"kv_connector":"NixlConnector",…}); the series appear after the first transfer' },
  );
  return out;
}

// ---- EPP log -------------------------------------------------------------------------------------------

/** Size of the log now (0 if it does not exist yet), so only lines the probes cause are read. */
export async function logOffset(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

export interface EppLogScan {
  /** request ids of "Request handled" lines since the offset. */
  handledIds: string[];
  /** "Calculated score" / "Got endpoint scores" lines since the offset. */
  scoreLines: number;
  lines: number;
}

export async function scanEppLog(path: string, offset: number): Promise<EppLogScan> {
  const buf = await readFile(path);
  return scanEppLogText(buf.subarray(Math.min(offset, buf.length)).toString('utf8'));
}

export function scanEppLogText(text: string): EppLogScan {
  const scan: EppLogScan = { handledIds: [], scoreLines: 0, lines: 0 };
  for (const raw of text.split('\n')) {
    const f = parseZapLine(raw);
    if (!f) continue;
    scan.lines++;
    if (f.msg === REQUEST_HANDLED.msg) scan.handledIds.push(typeof f[EPP_REQUEST_ID_KEY] === 'string' ? (f[EPP_REQUEST_ID_KEY] as string) : '');
    else if (f.msg === CALCULATED_SCORE.msg || f.msg === GOT_ENDPOINT_SCORES.msg) scan.scoreLines++;
  }
  return scan;
}

// The chart sets the EPP's logr verbosity with `inferenceExtension.flags.v`, default 1 (GIE v1.4.0
// config/charts/inferencepool/values.yaml:40-42); "Request handled" is V(3), "Calculated score" V(4) (epp-logs.ts).
export const VERBOSITY3_FIX = 'EPP verbosity below 3: per-request attribution needs `--v=3` (inferencepool chart `inferenceExtension.flags`: `v: 3`)';
export const VERBOSITY4_FIX = 'EPP verbosity below 4: kv-utilization / precise-prefix score evidence needs `--v=4` (inferencepool chart `inferenceExtension.flags`: `v: 4`)';
// Envoy regenerates x-request-id for edge requests unless preserve_external_request_id is set; Envoy Gateway
// exposes it as ClientTrafficPolicy spec.headers.preserveXRequestID (envoyproxy/gateway#3225, api/v1alpha1/
// clienttrafficpolicy_types.go); Istio: istio/istio#10875. agentgateway: not verified.
export const REQUEST_ID_FIX =
  'gateway replaced x-request-id: make it keep the client\'s id (Envoy preserve_external_request_id; Envoy Gateway: ClientTrafficPolicy `spec.headers.preserveXRequestID: true`; Istio: an EnvoyFilter setting preserve_external_request_id)';

export function checkEppLog(scan: EppLogScan | { error: string } | undefined, ourIds: readonly string[]): EvidenceCheck[] {
  if (!scan) {
    const fix = 'pass --epp-log FILE (e.g. `kubectl logs -f deploy/<epp> > epp.log`) with the EPP at --v=3 (--v=4 for scores)';
    return [
      { id: 'epp-log-handled', reachable: false, detail: 'no --epp-log given', fix },
      { id: 'epp-log-scores', reachable: false, detail: 'no --epp-log given', fix },
    ];
  }
  if ('error' in scan) return (['epp-log-handled', 'epp-log-scores'] as const).map((id) => ({ id, reachable: false, detail: scan.error, fix: 'the --epp-log file must be readable' }));
  const ours = scan.handledIds.filter((id) => ourIds.includes(id));
  const handled: EvidenceCheck =
    ours.length > 0
      ? { id: 'epp-log-handled', reachable: true, detail: `"${REQUEST_HANDLED.msg}" for ${ours.length}/${ourIds.length} probe(s)` }
      : scan.handledIds.length > 0
        ? { id: 'epp-log-handled', reachable: false, detail: `${scan.handledIds.length} "${REQUEST_HANDLED.msg}" line(s) during the probe, none with our x-request-id`, fix: REQUEST_ID_FIX }
        : { id: 'epp-log-handled', reachable: false, detail: `no "${REQUEST_HANDLED.msg}" line during the probe (${scan.lines} log line(s))`, fix: VERBOSITY3_FIX };
  const scores: EvidenceCheck =
    scan.scoreLines > 0
      ? { id: 'epp-log-scores', reachable: true, detail: `${scan.scoreLines} "${CALCULATED_SCORE.msg}" line(s)` }
      : { id: 'epp-log-scores', reachable: false, detail: `no "${CALCULATED_SCORE.msg}" line during the probe`, fix: VERBOSITY4_FIX };
  return [handled, scores];
}

/** x-request-id kept end to end: echoed by the pod, or seen in the EPP log; replaced when only other ids appear. */
export function checkRequestId(probes: ChatProbe[], scan: EppLogScan | undefined): EvidenceCheck {
  const ids = probes.map((p) => p.requestId);
  const echoed = probes.filter(requestIdEchoed);
  const inLog = scan ? scan.handledIds.filter((id) => ids.includes(id)).length : 0;
  if (echoed.length > 0 || inLog > 0) {
    return { id: 'request-id', reachable: true, detail: [echoed.length > 0 ? `echoed by the model server (${echoed.length}/${probes.length})` : '', inLog > 0 ? 'seen in the EPP log' : ''].filter(Boolean).join('; ') };
  }
  if (scan && scan.handledIds.length > 0) return { id: 'request-id', reachable: false, detail: `the EPP logged other request ids (${scan.handledIds.length}) and not ours; the response did not echo ours`, fix: REQUEST_ID_FIX };
  return {
    id: 'request-id',
    reachable: false,
    detail: 'our x-request-id was not echoed (neither X-Request-Id header nor completion id)',
    fix: 'cannot tell whether the gateway keeps it: give --epp-log (EPP --v=3), or run vLLM with --enable-request-id-headers; Envoy-based gateways regenerate it unless preserve_external_request_id is set',
  };
}
