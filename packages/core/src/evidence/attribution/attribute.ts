// Which pod served each request, and how we know. Per-request strategies, tried per record in order:
// (1) a response header naming the pod, (2) the EPP log joined on our x-request-id, (3) vLLM's own
// request log on each pod (`--enable-log-requests`, vllm-request-log.ts). When they leave
// requests unattributed, the split per pod comes from counters: (3) model-server counter deltas,
// (4) EPP per-pod scheduling attempts. Every answer carries its source so a verdict can say how
// strong its evidence is.
import { z } from 'zod';
import { DEFAULT_POD_HEADERS } from '../../client/streaming-client.ts';
import type { MetricsEvidence } from '../metrics-evidence.ts';
import { parseConfig } from '../../parse-config.ts';
import type { RequestRecord } from '../../record/request-record.ts';
import { EppLogFormatSchema, parseEppLog } from './epp-log.ts';
import { aliasesFromEvidence, createPodResolver } from './pod-identity.ts';
import { splitFromEppAttempts, splitFromPodCounters, type PodSplit } from './split.ts';
import { SERVED_VERIFIER } from '../../upstream/epp-logs.ts';
import { ambiguousWarning, parseVllmRequestLogs, placeFromVllmLog, vllmRequestIdWarning, type PodLogs } from './vllm-request-log.ts';


/**
 * llm-d session-affinity scorer's response header: base64("<namespace>/<pod>") of the pod that served.
 * It reaches clients only in some scheduler versions (set after headers were sent in v0.4–2026-06),
 * so it is tried last; when present it names the pod exactly.
 */
export const SESSION_TOKEN_HEADER = 'x-session-token';

export const AttributionConfigSchema = z.strictObject({
  /** Response headers naming the serving pod, most trusted first (lower-case). */
  // Order of trust: llm-d-inference-sim's pod identity headers, then GIE's opt-in test plugin
  // destination-endpoint-served-verifier (its failure value is rejected, see podFromHeaders), then the session token.
  headers: z.array(z.string().min(1).toLowerCase()).default([...DEFAULT_POD_HEADERS, SERVED_VERIFIER.header, SESSION_TOKEN_HEADER]),
  eppLogFormat: EppLogFormatSchema.default(EppLogFormatSchema.parse({})),
  /** host:port → pod name, e.g. from `aliasesFromStaticTargets(config.targets)`. Evidence addresses are added. */
  aliases: z.record(z.string(), z.string()).default({}),
});
export type AttributionConfig = z.infer<typeof AttributionConfigSchema>;
export type AttributionConfigInput = z.input<typeof AttributionConfigSchema>;

export interface AttributionInput extends AttributionConfigInput {
  /** EPP log text(s): a file's content or logs fetched through the Kubernetes API. */
  eppLog?: string | readonly string[];
  /** vLLM pods' logs (pod name → text), with request logging on (`--enable-log-requests`). */
  podLogs?: PodLogs;
  /** pod → role (prefill/decode/both): tells the prefill leg from the serving pod when both logged an id. */
  podRoles?: Readonly<Record<string, string>>;
  evidence?: MetricsEvidence;
}

export interface PodAttribution {
  pod: string;
  /** `header:<name>`, `epp-log`, `vllm-log`, or the record's own podSource. */
  source: string;
  /** P/D: the prefill pod, when the EPP log names one (the response itself comes from `pod`, the decode pod). */
  prefillPod?: string;
}

export interface AttributionResult {
  perRequest: Map<string, PodAttribution>;
  /** Requests per pod: from per-request attribution when it covers every request, else from counters. */
  split: PodSplit | null;
  /** Every source that contributed, in strategy order. */
  sourcesUsed: string[];
  /** Request ids no per-request source could place. */
  unattributed: string[];
  /** Problems with a source, e.g. the gateway replaced our x-request-id so the EPP log cannot be joined. */
  warnings?: string[];
}

/**
 * The EPP log has picks but none for our request ids: the gateway in front of the EPP replaced the
 * client's x-request-id (Envoy does for edge requests unless preserve_external_request_id is set,
 * envoyproxy/gateway#3225), so path (c) cannot be used.
 */
export function requestIdWarning(ourIds: readonly string[], loggedIds: ReadonlySet<string> | ReadonlyMap<string, unknown>): string | null {
  if (ourIds.length === 0 || loggedIds.size === 0) return null;
  return ourIds.some((id) => loggedIds.has(id))
    ? null
    : `gateway replaced x-request-id: the EPP log has ${loggedIds.size} "Request handled" picks but none carry this run's request ids`;
}

export function attributeRecords(records: readonly RequestRecord[], input: AttributionInput = {}): AttributionResult {
  const { eppLog, podLogs, podRoles, evidence, ...configInput } = input;
  const config = parseConfig(AttributionConfigSchema, configInput, 'attribution config');
  const resolve = createPodResolver({ ...(evidence ? aliasesFromEvidence(evidence) : {}), ...config.aliases });

  const logTexts = eppLog === undefined ? [] : typeof eppLog === 'string' ? [eppLog] : eppLog;
  const logPicks = new Map<string, string>();
  const prefillPicks = new Map<string, string>();
  for (const text of logTexts) {
    const parsed = parseEppLog(text, config.eppLogFormat);
    for (const [rid, ep] of parsed.picks) logPicks.set(rid, ep);
    for (const [rid, ep] of parsed.prefillPicks) prefillPicks.set(rid, ep);
  }

  const vllmLog = podLogs ? parseVllmRequestLogs(podLogs) : null;
  let ambiguous = 0;

  const perRequest = new Map<string, PodAttribution>();
  const unattributed: string[] = [];
  const used = new Set<string>();
  for (const r of records) {
    const placed = vllmLog ? placeFromVllmLog(r.requestId, vllmLog, podRoles) : null;
    const a = podFromHeaders(r, config.headers, resolve) ?? fromRecord(r) ?? fromLog(r, logPicks, resolve) ?? fromVllmLog(placed);
    if (placed?.kind === 'ambiguous' && !a) ambiguous++;
    if (a) {
      const prefill = prefillPicks.get(r.requestId);
      const prefillPod = prefill ? resolve(prefill) : null;
      if (prefillPod) a.prefillPod = prefillPod;
      // The vLLM logs name the prefill leg too: fill it in when the EPP log did not.
      else if (placed?.kind === 'placed' && placed.prefillPod && placed.pod === a.pod) a.prefillPod = placed.prefillPod;
      perRequest.set(r.requestId, a);
      used.add(a.source);
    } else unattributed.push(r.requestId);
  }

  const counts: Record<string, number> = {};
  for (const a of perRequest.values()) counts[a.pod] = (counts[a.pod] ?? 0) + 1;
  const finished = records.filter((r) => r.status === 'ok').length;
  const split = podSplit({ counts, placed: perRequest.size, unplaced: unattributed.length, finished, sources: used, evidence, resolve });
  const ourIds = records.map((r) => r.requestId);
  const warnings = [requestIdWarning(ourIds, logPicks), vllmLog ? vllmRequestIdWarning(ourIds, vllmLog) : null, ambiguous > 0 ? ambiguousWarning(ambiguous) : null].filter(
    (w): w is string => w !== null,
  );
  return { perRequest, split, sourcesUsed: orderSources([...used]), unattributed, ...(warnings.length ? { warnings } : {}) };
}

/** The pod a response header names (the first of `names` present), or null. */
export function podFromHeaders(r: RequestRecord, names: readonly string[], resolve: (s: string) => string | null): PodAttribution | null {
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) lower[k.toLowerCase()] = v;
  for (const h of names) {
    const v = lower[h];
    if (!v) continue;
    // The verifier writes "fail: missing envoy lb metadata" when Envoy sent no lb metadata: not a pod.
    if (h === SERVED_VERIFIER.header && (v === SERVED_VERIFIER.failure || v.startsWith('fail:'))) continue;
    const pod = h === SESSION_TOKEN_HEADER ? podFromSessionToken(v) : resolve(v);
    if (pod) return { pod, source: `header:${h}` };
  }
  return null;
}

function podFromSessionToken(token: string): string | null {
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const m = /^([^/\s]+)\/([^/\s]+)$/.exec(decoded);
  return m ? m[2] : null;
}

// The client may already have set pod/podSource from a header we were not told about.
function fromRecord(r: RequestRecord): PodAttribution | null {
  return r.pod ? { pod: r.pod, source: r.podSource ?? 'record' } : null;
}

function fromLog(r: RequestRecord, picks: Map<string, string>, resolve: (s: string) => string | null): PodAttribution | null {
  const ep = picks.get(r.requestId);
  const pod = ep ? resolve(ep) : null;
  return pod ? { pod, source: 'epp-log' } : null;
}

/** Path (d): the pod whose vLLM request log holds the id (the serving pod, not the P/D prefill leg). */
function fromVllmLog(placed: ReturnType<typeof placeFromVllmLog> | null): PodAttribution | null {
  if (placed?.kind !== 'placed') return null;
  return { pod: placed.pod, source: VLLM_LOG_SOURCE, ...(placed.prefillPod ? { prefillPod: placed.prefillPod } : {}) };
}

/** Source name of placements from vLLM's request log. */
export const VLLM_LOG_SOURCE = 'vllm-log';

/**
 * Requests per pod: from the per-request placements when they cover every request, else from counters (pod
 * request counters, then the EPP's per-pod scheduling attempts). The counters' source is added to `sources`.
 */
export function podSplit(input: {
  counts: Record<string, number>;
  placed: number;
  unplaced: number;
  /** Requests that finished ok: what the servers' counters count. */
  finished: number;
  sources: Set<string>;
  evidence: MetricsEvidence | null | undefined;
  resolve: (s: string) => string | null;
}): PodSplit | null {
  const { counts, placed, unplaced, finished, sources, evidence, resolve } = input;
  if (placed > 0 && unplaced === 0) return { counts: { ...counts }, source: [...sources].join('+'), complete: true };
  if (!evidence) return null;
  const split = splitFromPodCounters(evidence, finished) ?? splitFromEppAttempts(evidence, resolve);
  if (split) sources.add(split.source);
  return split;
}

const STRATEGY_ORDER = (s: string) =>
  s.startsWith('header:') ? 0 : s === 'epp-log' ? 2 : s === VLLM_LOG_SOURCE ? 2.5 : s.startsWith('counter:') ? 3 : s.startsWith('epp-metric:') ? 4 : 1;
/** Sources strongest first (a split source may be a `+`-joined list). */
export function orderSources(sources: string[]): string[] {
  return [...new Set(sources.flatMap((s) => s.split('+')))].sort((a, b) => STRATEGY_ORDER(a) - STRATEGY_ORDER(b));
}

/** Records with pod/podSource filled from an attribution (records already carrying a pod keep it). */
export function applyAttribution(records: readonly RequestRecord[], result: AttributionResult): RequestRecord[] {
  return records.map((r) => {
    if (r.pod) return r;
    const a = result.perRequest.get(r.requestId);
    return a ? { ...r, pod: a.pod, podSource: a.source } : r;
  });
}
