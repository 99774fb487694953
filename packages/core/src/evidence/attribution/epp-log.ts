// Request → endpoint from EPP logs, joined on our x-request-id.
// Real EPP (GIE/llm-d, zap JSON): `"msg":"Request handled"` with `"endpoint":"ip:port[,ip:port…]"`
// (primary first; logged at verbosity ≥ VERBOSE by director.go prepareRequest) and
// `"msg":"Completed running picker plugin successfully"` with `result.TargetEndpoints[0].Endpoint
// {Address, Port}` (the fields llm-d-benchmark's process_epp_logs.py reads). Lines may carry the
// `[pod/<pod>/<container>] ` prefix of `kubectl logs --prefix` and the timestamp of `--timestamps`.
// Simulator: one JSON object per request carrying the request id and the chosen endpoint, no `msg`.
import { z } from 'zod';
import { parseConfig } from '../../parse-config.ts';
import { parseZapText } from '../../upstream/epp-logs.ts';
import { unwrapLogLine } from '../../upstream/log-line.ts';

export const EppLogFormatSchema = z.strictObject({
  requestIdKeys: z.array(z.string().min(1)).min(1).default(['x-request-id', 'requestId', 'request_id']),
  endpointKeys: z.array(z.string().min(1)).min(1).default(['endpoint', 'pod', 'targetPod', 'pod_name']),
  /** P/D: fields naming the prefill pod chosen for the request (the simulator logs these). */
  prefillKeys: z.array(z.string().min(1)).default(['prefillPod', 'prefillEndpoint']),
  messageKey: z.string().min(1).default('msg'),
  /**
   * Lines that have a message are used only when it is one of these: the real EPP also logs
   * per-candidate lines ("Calculated score") whose `endpoint` is NOT the pick. Lines without a
   * message (the simulator's format) are always used.
   */
  pickMessages: z.array(z.string()).default(['Request handled', 'Completed running picker plugin successfully']),
});
export type EppLogFormat = z.infer<typeof EppLogFormatSchema>;
export type EppLogFormatInput = z.input<typeof EppLogFormatSchema>;

export interface EppLogParse {
  /** request id → endpoint as logged (pod name or ip:port); the last pick logged for a request wins. */
  picks: Map<string, string>;
  /** request id → prefill pod/endpoint, for P/D requests whose log line names one. */
  prefillPicks: Map<string, string>;
  jsonLines: number;
  unparsableLines: number;
}

export function parseEppLog(text: string, formatInput: EppLogFormatInput = {}): EppLogParse {
  const format = parseConfig(EppLogFormatSchema, formatInput, 'EPP log format');
  const picks = new Map<string, string>();
  const prefillPicks = new Map<string, string>();
  let jsonLines = 0;
  let unparsableLines = 0;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = unwrapLogLine(rawLine).text.trim();
    // zap JSON (`--zap-encoder=json`) or zap console (the EPP's default, Development: true) — see upstream/epp-logs.ts.
    if (!line.startsWith('{') && !line.includes('\t')) continue; // other text lines, blank lines
    const obj = parseZapText(line);
    if (!obj) {
      unparsableLines++;
      continue;
    }
    jsonLines++;
    const pick = eppPickOf(obj, format);
    if (!pick) continue;
    picks.set(pick.requestId, pick.endpoint);
    if (pick.prefill) prefillPicks.set(pick.requestId, pick.prefill);
    else prefillPicks.delete(pick.requestId);
  }
  return { picks, prefillPicks, jsonLines, unparsableLines };
}

/** One pick: the request id, the endpoint as parseEppLog reports it, the value as logged (for endpoint-resolve.ts), the P/D prefill pod. */
export interface EppLinePick {
  requestId: string;
  endpoint: string;
  /** The logged value itself: a string, or the object (picker result element, NamespacedName) it came from. */
  raw: unknown;
  prefill: string | null;
}

/** The pick a parsed zap line carries (see parseZapText), or null when it is not a pick line. */
export function eppPickOf(obj: Record<string, unknown>, format: EppLogFormat): EppLinePick | null {
  const rid = firstString(obj, format.requestIdKeys);
  if (!rid) return null;
  const msg = obj[format.messageKey];
  if (typeof msg === 'string' && !format.pickMessages.includes(msg)) return null;
  const ep = endpointOf(obj, format.endpointKeys);
  if (!ep) return null;
  return { requestId: rid, endpoint: ep.endpoint, raw: ep.raw, prefill: firstString(obj, format.prefillKeys) };
}

function firstString(obj: Record<string, unknown>, keys: readonly string[]): string | null {
  for (const k of keys) {
    const v = obj[k];
    if (typeof v === 'string' && v !== '') return v;
  }
  return null;
}

/**
 * A logged endpoint string, as the pod name or address the resolver can match:
 *  - "ip:port[,ip:port…]" (GIE v1.4.0+ director.go: primary profile's targets) → the first;
 *  - a Go `%+v` struct "{NamespacedName:ns/pod Address:ip Labels:map[…]}" (older GIE EPPs, e.g. the line
 *    captured in kserve/website llmisvc-inference-gateway-extension.md, director.go:251) → the pod name
 *    (else the address);
 *  - anything else as written.
 */
export function endpointFromString(v: string): string {
  const s = v.trim();
  if (s.startsWith('{')) {
    const nn = /NamespacedName:(?:\{Namespace:\S*\s+Name:)?([^\s}]+)/.exec(s);
    if (nn) {
      const name = nn[1]!.includes('/') ? nn[1]!.slice(nn[1]!.lastIndexOf('/') + 1) : nn[1]!;
      return name.replace(/-rank-\d+$/, '');
    }
    const addr = /Address:([^\s}]+)/.exec(s);
    const port = /Port:(\d+)/.exec(s);
    if (addr) return port ? `${addr[1]}:${port[1]}` : addr[1]!;
    return s;
  }
  return s.includes(',') ? s.split(',')[0]!.trim() : s;
}

function endpointOf(obj: Record<string, unknown>, keys: readonly string[]): { endpoint: string; raw: unknown } | null {
  for (const k of keys) {
    const v = obj[k];
    if (typeof v === 'string' && v !== '') return { endpoint: endpointFromString(v), raw: v };
    const fromObj = endpointFromObject(v);
    if (fromObj) return { endpoint: fromObj, raw: v };
  }
  // Picker result: result.TargetEndpoints[0].Endpoint (older GIE: TargetPods[0].Pod).
  const result = obj.result as Record<string, unknown> | undefined;
  if (result && typeof result === 'object') {
    for (const [listKey, itemKey] of [
      ['TargetEndpoints', 'Endpoint'],
      ['TargetPods', 'Pod'],
    ] as const) {
      const list = result[listKey];
      if (Array.isArray(list) && list.length > 0) {
        // Upstream's endpoint embeds *EndpointMetadata, so JSON flattens Address/Port into the element
        // (GIE scheduling/types.go, v1.4.0 — inferred); older shapes nest it under Endpoint/Pod.
        const nested = (list[0] as Record<string, unknown>)?.[itemKey];
        const ep = endpointFromObject(nested) ?? endpointFromObject(list[0]);
        if (ep) return { endpoint: ep, raw: endpointFromObject(nested) ? nested : list[0] };
      }
    }
  }
  return null;
}

function endpointFromObject(v: unknown): string | null {
  if (!v || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  const addr = o.Address ?? o.address;
  const port = o.Port ?? o.port;
  if (typeof addr === 'string' && addr !== '') return port !== undefined && port !== '' ? `${addr}:${port}` : addr;
  const name = o.PodName ?? o.podName ?? o.name;
  return typeof name === 'string' && name !== '' ? name : null;
}
