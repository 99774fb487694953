// `routebench doctor`: before a long run against a real cluster, send two small probe requests and check,
// per claim, whether the evidence that claim reads is reachable — and if not, the exact fix. Core takes
// URLs and files only; the CLI starts the simulator when no target is given (core never imports sim).
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { timerMs } from '../timer-ms.ts';
import { RoutebenchError } from '../errors.ts';
import { modelsUrlFor } from '../evidence/sources/served-models.ts';
import { KubernetesSourceSchema } from '../evidence/sources/kubernetes.ts';
import { discoverK8s, k8sEppLogScan, k8sEppMetrics, k8sPodFindings, type K8sDoctorSource } from './kubernetes-probes.ts';
import { httpProbe } from './http-probe.ts';
import {
  chatBody,
  checkEppLog,
  checkEppMetrics,
  checkGatewayChat,
  checkModels,
  checkPodIdentity,
  checkPodMetrics,
  checkRequestId,
  checkServedVerifier,
  logOffset,
  parseModelIds,
  scanEppLog,
  scrapePods,
  type ChatProbe,
  type EppLogScan,
  type EvidenceCheck,
  type EvidenceId,
} from './probes.ts';

const HttpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

export const DoctorOptionsSchema = z.strictObject({
  /** Gateway base URL (the OpenAI API is under /v1). */
  target: HttpUrl,
  /** Model to probe with; by default the first one the gateway's /v1/models lists. */
  model: z.string().min(1).optional(),
  apiKey: z.string().min(1).optional(),
  eppMetricsUrl: HttpUrl.optional(),
  /** The EPP /metrics bearer token (read by the caller from --epp-token-file; never printed). */
  eppToken: z.string().min(1).optional(),
  podMetricsUrls: z.array(HttpUrl).default([]),
  eppLogPath: z.string().min(1).optional(),
  timeoutMs: timerMs().int().positive().default(10_000),
  /** How long to wait for the probes' EPP log lines to appear (a `kubectl logs -f` file lags). */
  logWaitMs: timerMs().int().nonnegative().default(3_000),
  headers: z.record(z.string(), z.string()).default({}),
  /**
   * Also discover pods (and the EPP) through the Kubernetes API, as a run's `kubernetes` source does. Static
   * URLs above take precedence for the EPP metrics and log; discovered pods are added to --pod-metrics.
   */
  kubernetes: KubernetesSourceSchema.optional(),
});
export type DoctorOptions = z.input<typeof DoctorOptionsSchema>;

export const DOCTOR_CLAIMS = ['prefix-affinity', 'prefix-cache-hit-rate', 'queue-balance', 'kv-utilization', 'model-routing', 'pd-selective', 'pd-transfer', 'autoscale', 'precise-prefix'] as const;
export type DoctorClaim = (typeof DOCTOR_CLAIMS)[number];

/** A composite evidence path: per-request attribution can come from any of three sources. */
export type DoctorEvidence = EvidenceId | 'attribution';

interface Need {
  evidence: DoctorEvidence;
  /** false: the claim still runs without it, in a weaker mode (said in `detail`). */
  required: boolean;
  why: string;
}

/**
 * What each claim reads on a real target (shared/reference/upstream-conformance.md §2). Attribution is
 * the EPP `Request handled` line (V3, x-request-id kept), the served-endpoint verifier header, or (sim only)
 * the pod identity headers.
 */
export const CLAIM_NEEDS: Record<DoctorClaim, readonly Need[]> = {
  'prefix-affinity': [{ evidence: 'attribution', required: true, why: 'which pod served each request' }],
  'prefix-cache-hit-rate': [{ evidence: 'pod-metrics', required: true, why: 'vllm prefix cache counters' }],
  'queue-balance': [
    { evidence: 'epp-log-scores', required: true, why: 'queue-scorer "Calculated score" lines at V(4): was the pod the queue scorer preferred picked?' },
    { evidence: 'pod-metrics', required: false, why: 'vllm:request_success deltas per pod (the split, shown as context)' },
  ],
  'kv-utilization': [
    { evidence: 'pod-metrics', required: true, why: 'KV usage gauges (fallback: spread only)' },
    { evidence: 'epp-log-scores', required: false, why: 'scorer picks from "Calculated score" (else KV spread only, not scorer influence)' },
  ],
  'model-routing': [
    { evidence: 'gateway-models', required: true, why: 'the models to request' },
    { evidence: 'pod-models', required: true, why: 'which pod serves which model (pod /v1/models)' },
    { evidence: 'attribution', required: true, why: 'which pod served each request' },
  ],
  'pd-selective': [{ evidence: 'epp-decisions', required: true, why: 'disagg decision counters (or prefill-pod deltas with roles)' }],
  'pd-transfer': [
    { evidence: 'external-prefix-cache', required: true, why: 'vllm:external_prefix_cache_* on decode pods' },
    { evidence: 'nixl-metrics', required: true, why: 'vllm:nixl_* transfer counters' },
    { evidence: 'epp-decisions', required: false, why: 'which requests were split (else the ratio is diluted by decode-only requests)' },
  ],
  autoscale: [{ evidence: 'epp-ready-pods', required: true, why: 'inference_pool_ready_pods over time' }],
  'precise-prefix': [
    { evidence: 'attribution', required: true, why: 'which pod served each request' },
    { evidence: 'epp-log-scores', required: false, why: 'precise scorer scores (V4; "Got endpoint scores" only on SCHED ≤ v0.7.1)' },
  ],
};

export interface DoctorRow {
  claim: DoctorClaim;
  evidence: DoctorEvidence;
  required: boolean;
  reachable: boolean;
  detail: string;
  fix?: string;
}

export interface DoctorReport {
  target: string;
  model: string | undefined;
  requestIds: string[];
  checks: EvidenceCheck[];
  rows: DoctorRow[];
}

/** Run every probe and map the findings onto the claims. Throws RB_TARGET_UNREACHABLE when the gateway cannot be reached at all. */
export async function runDoctor(input: DoctorOptions): Promise<DoctorReport> {
  const parsed = DoctorOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new RoutebenchError('RB_CONFIG_INVALID', `doctor: ${i.path.join('.') || '(options)'}: ${i.message}`, { field: i.path.join('.') });
  }
  const o = parsed.data;
  const base = o.target.replace(/\/+$/, '');
  const auth = o.apiKey;
  const secrets = [o.apiKey, o.eppToken];

  // /v1/models first: it names a model to probe with, and tells us whether the gateway is there at all.
  const modelsRes = await httpProbe({ url: `${base}/v1/models`, bearerToken: auth, timeoutMs: o.timeoutMs, headers: o.headers });
  if (!modelsRes.ok) throw new RoutebenchError('RB_TARGET_UNREACHABLE', `gateway ${base} is unreachable: ${scrub(modelsRes.error, secrets)}`, { field: 'target' });
  const models = checkModels({ res: modelsRes.res }, base);
  const model = o.model ?? models.models[0];

  const offset = o.eppLogPath ? await logOffset(o.eppLogPath) : 0;
  const probeStart = Date.now();
  const tag = randomBytes(6).toString('hex');
  const probes: ChatProbe[] = [];
  const chatChecks: EvidenceCheck[] = [];
  for (const stream of [false, true]) {
    const requestId = `routebench-doctor-${tag}-${stream ? 's' : 'n'}`;
    if (!model) {
      chatChecks.push({ id: stream ? 'gateway-stream' : 'gateway-chat', reachable: false, detail: 'no model to probe with: /v1/models listed none', fix: 'give --model' });
      continue;
    }
    const r = await httpProbe({
      url: `${base}/v1/chat/completions`,
      method: 'POST',
      bearerToken: auth,
      timeoutMs: o.timeoutMs,
      headers: { ...o.headers, 'content-type': 'application/json', 'x-request-id': requestId, ...(stream ? { accept: 'text/event-stream' } : {}) },
      body: chatBody(model, stream),
    });
    if (!r.ok) {
      chatChecks.push(checkGatewayChat({ error: scrub(r.error, secrets) }, stream));
      continue;
    }
    const p: ChatProbe = { requestId, stream, res: r.res };
    chatChecks.push(checkGatewayChat(p, stream));
    if (r.res.status >= 200 && r.res.status < 300) probes.push(p);
  }
  const ourIds = probes.map((p) => p.requestId);

  const kube: K8sDoctorSource | { error: string } | undefined = o.kubernetes ? await discoverK8s(o.kubernetes) : undefined;
  const kubeOk = kube && !('error' in kube) ? kube : undefined;
  const kubePods = kubeOk ? await k8sPodFindings(kubeOk) : { metrics: [], models: [] };
  const kubeEpp = !o.eppMetricsUrl && kubeOk && o.kubernetes ? await k8sEppMetrics(kubeOk, o.kubernetes) : undefined;
  const [staticEpp, staticPods] = await Promise.all([checkEppMetrics(o.eppMetricsUrl, o.eppToken, o.timeoutMs), scrapePods(o.podMetricsUrls, o.timeoutMs)]);
  const eppChecks = kubeEpp ?? staticEpp;
  const pods = [...staticPods, ...kubePods.metrics, ...(kube && 'error' in kube ? [{ url: 'kubernetes', error: kube.error }] : []), ...(kubeOk && kubeOk.pods.length === 0 ? [{ url: 'kubernetes', error: `no running pod matches the pod selector ${o.kubernetes!.pods.selector}` }] : [])];
  const podModels = await checkPodModels(o.podMetricsUrls, o.timeoutMs, kubePods.models);

  let scan: EppLogScan | { error: string } | undefined;
  if (o.eppLogPath) scan = await waitForLog(() => scanEppLog(o.eppLogPath!, offset), ourIds, o.logWaitMs);
  else if (kubeOk && o.kubernetes?.epp) {
    const since = () => Math.ceil((Date.now() - probeStart) / 1000) + 1;
    scan = await waitForLog(async () => {
      const r = await k8sEppLogScan(kubeOk, since());
      if ('error' in r) throw new Error(r.error);
      return r;
    }, ourIds, o.logWaitMs);
  } else if (kube && 'error' in kube && o.kubernetes?.epp) scan = { error: kube.error };

  const checks: EvidenceCheck[] = [
    ...chatChecks,
    models.check,
    ...(probes.length > 0 ? [checkRequestId(probes, scan && !('error' in scan) ? scan : undefined), checkPodIdentity(probes), checkServedVerifier(probes)] : []),
    ...checkEppLog(scan, ourIds),
    ...eppChecks,
    ...checkPodMetrics(pods),
    podModels,
  ].map((c) => ({ ...c, detail: scrub(c.detail, secrets) }));

  return { target: base, model, requestIds: ourIds, checks, rows: rowsFor(checks) };
}

function scrub(s: string, secrets: ReadonlyArray<string | undefined>): string {
  // redactSecrets skips short strings; tokens are long.
  let out = s;
  for (const x of secrets) if (x && x.length >= 4) out = out.split(x).join('[REDACTED]');
  return out;
}

async function waitForLog(read: () => Promise<EppLogScan>, ourIds: readonly string[], waitMs: number): Promise<EppLogScan | { error: string }> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    let scan: EppLogScan;
    try {
      scan = await read();
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      return { error: err.code ? `cannot read --epp-log: ${err.code}` : err.message };
    }
    const all = ourIds.every((id) => scan.handledIds.includes(id));
    const scored = scan.scoreLines > 0;
    if ((all && scored) || Date.now() >= deadline) return scan;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function checkPodModels(urls: readonly string[], timeoutMs: number, kube: ReadonlyArray<{ name: string; models: string[]; error?: string }>): Promise<EvidenceCheck> {
  const kubeBad = kube.filter((k) => k.models.length === 0).map((k) => `pod ${k.name} /v1/models: ${k.error ?? 'no models listed'}`);
  if (urls.length === 0 && kube.length > 0) {
    return kubeBad.length === 0 ? { id: 'pod-models', reachable: true, detail: `${kube.length} pod(s) list their models (via API proxy)` } : { id: 'pod-models', reachable: false, detail: kubeBad.join('; '), fix: 'the pod port must be the vLLM server port (--k8s-pod-port), which also serves /v1/models' };
  }
  if (urls.length === 0) return { id: 'pod-models', reachable: false, detail: 'no --pod-metrics URL given', fix: 'pass --pod-metrics http://<pod-ip>:8000/metrics per pod (its /v1/models names the served models)' };
  const res = await Promise.all(urls.map(async (u) => ({ u, r: await httpProbe({ url: modelsUrlFor(u), timeoutMs }) })));
  const bad = res.filter(({ r }) => !r.ok || r.res.status !== 200 || parseModelIds(r.res.body).length === 0);
  if (bad.length === 0 && kubeBad.length === 0) return { id: 'pod-models', reachable: true, detail: `${urls.length + kube.length} pod(s) list their models` };
  return { id: 'pod-models', reachable: false, detail: [...bad.map(({ u, r }) => `${modelsUrlFor(u)}: ${r.ok ? `HTTP ${r.res.status}` : r.error}`), ...kubeBad].join('; '), fix: 'each pod metrics URL must be the vLLM server port, which also serves /v1/models' };
}

/** Per-request attribution from any source: EPP log with our id kept, the served verifier, or pod identity headers. */
function attribution(by: Map<EvidenceId, EvidenceCheck>): Omit<DoctorRow, 'claim' | 'required'> {
  const log = by.get('epp-log-handled');
  const verifier = by.get('served-verifier');
  const ident = by.get('pod-identity-headers');
  const via = [log?.reachable && 'EPP log', verifier?.reachable && 'served-endpoint verifier', ident?.reachable && 'pod identity headers (simulator only)'].filter(Boolean);
  if (via.length > 0) return { evidence: 'attribution', reachable: true, detail: `via ${via.join(', ')}` };
  return {
    evidence: 'attribution',
    reachable: false,
    detail: [log, verifier, ident].filter((c): c is EvidenceCheck => !!c).map((c) => `${c.id}: ${c.detail}`).join('; ') || 'no successful probe request',
    fix: log?.fix ?? 'pass --epp-log with the EPP at --v=3',
  };
}

export function rowsFor(checks: readonly EvidenceCheck[]): DoctorRow[] {
  const by = new Map(checks.map((c) => [c.id, c]));
  const rows: DoctorRow[] = [];
  for (const claim of DOCTOR_CLAIMS) {
    for (const need of CLAIM_NEEDS[claim]) {
      if (need.evidence === 'attribution') {
        rows.push({ claim, required: need.required, ...attribution(by) });
        continue;
      }
      const c = by.get(need.evidence);
      rows.push(c ? { claim, evidence: need.evidence, required: need.required, reachable: c.reachable, detail: c.detail, ...(c.fix && !c.reachable ? { fix: c.fix } : {}) } : { claim, evidence: need.evidence, required: need.required, reachable: false, detail: 'not checked (no successful probe request)' });
    }
  }
  return rows;
}
