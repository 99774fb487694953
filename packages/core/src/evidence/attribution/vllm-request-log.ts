// Per-request attribution from vLLM's own request log (`--enable-log-requests`): each pod's log names
// the request ids it received, so the pod whose log holds our x-request-id served the request. Line
// shapes and id rules come from upstream/vllm-logs.ts; this module only reads.
//
// P/D: llm-d's sidecar sends the prefill leg to the prefill pod and the decode leg to its own vLLM,
// both carrying our id first (connector_nixlv2.go), so one id appears on two pods. The serving pod is
// the one that is not the prefill leg, told apart by (1) the leg marker in the logged params
// (kv_transfer_params.do_remote_decode = prefill leg), else (2) the pods' roles when the caller knows
// them. When neither tells (two pods, no marker, no roles) the request is *ambiguous* and left to other
// sources: guessing would put half the P/D requests on prefill pods that never answered them.
import { unwrapLogLine } from '../../upstream/log-line.ts';
import { PD_LEG_MARKERS, requestIdCandidates, VLLM_LOG_MESSAGES, type VllmLogKind } from '../../upstream/vllm-logs.ts';

export type VllmLeg = 'prefill' | 'decode' | null;

export interface VllmLogEntry {
  pod: string;
  /** The id as logged, e.g. `chatcmpl-rb-x-1` or `cmpl-rb-x-1-0`. */
  loggedId: string;
  kind: VllmLogKind;
  /** P/D leg from the logged params, when the line says. */
  leg: VllmLeg;
}

/** Pod logs as the caller has them: pod name → log text (or several chunks). */
export type PodLogs = Readonly<Record<string, string | readonly string[]>>;

export interface VllmRequestLog {
  entries: VllmLogEntry[];
  /** Client id candidate → pod → leg (null when the line did not say). */
  byId: Map<string, Map<string, VllmLeg>>;
  /** Distinct logged ids (for the "none are ours" check). */
  loggedIds: Set<string>;
  pods: string[];
}

const RECEIVED = new RegExp(`${VLLM_LOG_MESSAGES.received} (\\S+): `);
const ADDED = new RegExp(`${VLLM_LOG_MESSAGES.added} (\\S+)\\.\\s*$`);
const GENERATED = new RegExp(`${VLLM_LOG_MESSAGES.generated} (\\S+?)(?: \\(streaming (?:delta|complete)\\))?: `);

/** One line → its entry, or null. `pod` is the caller's name; a kubectl `--prefix` overrides it. */
export function parseVllmLogLine(rawLine: string, pod: string): VllmLogEntry | null {
  // Colour codes, `kubectl logs --prefix` (its pod wins over the caller's) and `--timestamps`: log-line.ts.
  const unwrapped = unwrapLogLine(rawLine);
  const line = unwrapped.text;
  if (unwrapped.pod) pod = unwrapped.pod;
  let m = RECEIVED.exec(line);
  if (m) {
    const leg: VllmLeg = line.includes(PD_LEG_MARKERS.prefill) ? 'prefill' : line.includes(PD_LEG_MARKERS.decode) ? 'decode' : null;
    return { pod, loggedId: m[1]!, kind: 'received', leg };
  }
  m = ADDED.exec(line);
  if (m) return { pod, loggedId: m[1]!, kind: 'added', leg: null };
  m = GENERATED.exec(line);
  if (m) return { pod, loggedId: m[1]!, kind: 'generated', leg: null };
  return null;
}

export function parseVllmRequestLogs(logs: PodLogs): VllmRequestLog {
  const entries: VllmLogEntry[] = [];
  for (const [pod, texts] of Object.entries(logs)) {
    for (const text of typeof texts === 'string' ? [texts] : texts) {
      for (const line of text.split('\n')) {
        if (!line) continue;
        const e = parseVllmLogLine(line, pod);
        if (e) entries.push(e);
      }
    }
  }
  return indexEntries(entries);
}

/** Index entries read elsewhere (saved logs, streamed: evidence/saved/read-saved-logs.ts). */
export function indexEntries(entries: VllmLogEntry[]): VllmRequestLog {
  const byId = new Map<string, Map<string, VllmLeg>>();
  const loggedIds = new Set<string>();
  const pods = new Set<string>();
  for (const e of entries) {
    loggedIds.add(e.loggedId);
    pods.add(e.pod);
    for (const id of requestIdCandidates(e.loggedId, e.kind)) {
      let onPods = byId.get(id);
      if (!onPods) byId.set(id, (onPods = new Map()));
      // A leg seen on any line of this pod wins over an unmarked line.
      if (!onPods.has(e.pod) || (onPods.get(e.pod) === null && e.leg !== null)) onPods.set(e.pod, e.leg);
    }
  }
  return { entries, byId, loggedIds, pods: [...pods] };
}

export type VllmPlacement =
  | { kind: 'placed'; pod: string; prefillPod?: string }
  | { kind: 'ambiguous'; pods: string[] }
  /** Only the P/D prefill leg was logged (the decode pod's log is missing or not read yet): not placed. */
  | { kind: 'prefill-only'; prefillPod: string }
  | { kind: 'absent' };

/**
 * Where the log puts one request id. `roles` (pod → role, e.g. from `llm-d.ai/role`) breaks a tie
 * the line markers leave: a `prefill` pod is the prefill leg, never the serving pod.
 */
export function placeFromVllmLog(requestId: string, log: Pick<VllmRequestLog, 'byId'>, roles: Readonly<Record<string, string>> = {}): VllmPlacement {
  const onPods = log.byId.get(requestId);
  if (!onPods || onPods.size === 0) return { kind: 'absent' };
  const pods = [...onPods.keys()];
  const isPrefill = (p: string) => onPods.get(p) === 'prefill' || (onPods.get(p) !== 'decode' && roles[p] === 'prefill');
  const prefills = pods.filter(isPrefill);
  const servers = pods.filter((p) => !isPrefill(p));
  if (servers.length === 0 && prefills.length === 1) return { kind: 'prefill-only', prefillPod: prefills[0]! };
  if (servers.length === 1) return { kind: 'placed', pod: servers[0]!, ...(prefills.length === 1 ? { prefillPod: prefills[0]! } : {}) };
  return { kind: 'ambiguous', pods };
}

/**
 * The pod logs name requests but none of ours: the x-request-id never reached vLLM as we sent it (a
 * gateway replaced it, envoyproxy/gateway#3225), so this path cannot place anything.
 */
export function vllmRequestIdWarning(ourIds: readonly string[], log: Pick<VllmRequestLog, 'byId' | 'loggedIds'>): string | null {
  if (ourIds.length === 0 || log.loggedIds.size === 0) return null;
  return ourIds.some((id) => log.byId.has(id))
    ? null
    : `gateway replaced x-request-id: the vLLM pod logs have ${log.loggedIds.size} logged request ids but none carry this run's request ids`;
}

export function ambiguousWarning(count: number): string {
  return `${count} request(s) appear in the vLLM logs of several pods and neither a P/D marker nor a pod role says which pod served; vllm-log left them unattributed (give podRoles, e.g. from the llm-d.ai/role label)`;
}
