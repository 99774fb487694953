// The EPP's per-request log lines, as upstream writes them: message, keys and the logr V-level each
// needs. The simulator's EPP log writer and the evidence readers both take their shapes from here.
//
// Sources (read 2026-12-02):
//   GIE  = kubernetes-sigs/gateway-api-inference-extension v1.4.0 (the v0.7 generation's framework)
//   SCHED = llm-d/llm-d-inference-scheduler v0.7.1
//   ROUTER = llm-d/llm-d-router HEAD ebab68792
import { unwrapLogLine } from './log-line.ts';
import type { LlmdVersion } from './versions.ts';

/**
 * logr verbosity constants (GIE pkg/common/observability/logging/const.go:20-23 at v1.4.0; same names in
 * ROUTER). The inferencepool chart runs the EPP at `v: 1`, so none of the lines below appear by default.
 */
export const EPP_V = { DEFAULT: 2, VERBOSE: 3, DEBUG: 4, TRACE: 5 } as const;

/**
 * The request id is attached with `logger.WithValues(reqcommon.RequestIdHeaderKey, requestID)` before any
 * per-request line (GIE pkg/epp/handlers/server.go:213 at v1.4.0; RequestIdHeaderKey = "x-request-id",
 * pkg/common/request/headers.go:20). When the request has no x-request-id the EPP generates a UUID.
 */
export const EPP_REQUEST_ID_KEY = 'x-request-id';

/**
 * "Request handled": logged in Director.prepareRequest, i.e. once the pick is made and BEFORE the request
 * is proxied, at V(VERBOSE=3), with `endpoint` = the primary profile's targets as "ip:port[,ip:port…]"
 * (GIE pkg/epp/requestcontrol/director.go:304 at v1.4.0; ROUTER director.go:507). There is no `pod` key.
 */
export const REQUEST_HANDLED = {
  msg: 'Request handled',
  v: EPP_V.VERBOSE,
  keys: ['objectiveKey', 'incomingModelName', 'targetModel', 'endpoint'] as const,
} as const;

/**
 * "Calculated score": one line per endpoint per scorer, at V(DEBUG=4), with `plugin` = the scorer's
 * TypedName (String() is "<name>/<type>"), `endpoint` = the endpoint's types.NamespacedName (name
 * "<pod>-rank-<dpRank>", GIE pkg/epp/datastore/datastore.go:401) and `score` in [0,1]
 * (GIE pkg/epp/scheduling/scheduler_profile.go:166 `endpoint.GetMetadata().NamespacedName`; ROUTER
 * scheduler_profile.go:251 `endpoint.GetMetadata().ID`, also a NamespacedName).
 * How zapr renders these values is inferred, not observed: NamespacedName implements logr.Marshaler
 * (apimachinery types) → {"name","namespace"}; TypedName is a fmt.Stringer → "name/type". Readers accept
 * the string forms too ("ns/name", "type").
 */
export const CALCULATED_SCORE = { msg: 'Calculated score', v: EPP_V.DEBUG } as const;

/**
 * The picker's result, at V(DEBUG=4) (GIE scheduler_profile.go:194). `result` is a ProfileRunResult whose
 * TargetEndpoints embed *EndpointMetadata, so the JSON flattens its fields (NamespacedName, Address,
 * Port…) into each element — inferred from GIE pkg/epp/framework/interface/scheduling/types.go; not observed.
 */
export const PICKER_RESULT = { msg: 'Completed running picker plugin successfully', v: EPP_V.DEBUG } as const;

/**
 * The precise prefix scorer's raw per-endpoint block counts {"ip:port": n}, at V(DEBUG=4)
 * (SCHED pkg/plugins/scorer/precise_prefix_cache.go:483 at v0.7.1, `debugLogger.Info("Got endpoint
 * scores", "scores", scores)`; also ROUTER v0.8.0). Removed in ROUTER v0.9.0; HEAD logs no per-request
 * score map from this scorer, only the generic "Calculated score" lines.
 */
export const GOT_ENDPOINT_SCORES = { msg: 'Got endpoint scores', v: EPP_V.DEBUG } as const;

/** Which of the lines above a generation writes. */
export function eppLogLines(version: LlmdVersion): { gotEndpointScores: boolean } {
  return { gotEndpointScores: version === 'v0.7' };
}

/**
 * zap's level field for a logr V-level: logr V(n) is zap level −n; zapcore.Level.String() names −1
 * "debug" and others "Level(-n)" (JSON, lowercase encoder); the console encoder capitalises ("DEBUG",
 * "LEVEL(-3)"). The EPP's default zap options are Development: true (GIE pkg/epp/server/options.go:117;
 * ROUTER pkg/common/observability/logging/options.go:45), i.e. the console encoder unless
 * `--zap-encoder=json` is passed. Readers therefore accept both encodings.
 */
export function zapLevel(v: number, encoding: 'json' | 'console' = 'json'): string {
  const s = v <= 0 ? 'info' : v === 1 ? 'debug' : `Level(${-v})`;
  return encoding === 'console' ? s.toUpperCase() : s;
}

/** Turn a "Calculated score" endpoint value into a pod name: NamespacedName object or "ns/name", "-rank-N" dropped. */
export function podOfScoredEndpoint(v: unknown): string | null {
  let name: unknown = v;
  if (v && typeof v === 'object') name = (v as Record<string, unknown>).name ?? (v as Record<string, unknown>).Name;
  if (typeof name !== 'string' || name === '') return null;
  const base = name.includes('/') ? name.slice(name.lastIndexOf('/') + 1) : name;
  return base.replace(/-rank-\d+$/, '');
}

/** Does a logged TypedName ("name/type", {type,name}, or bare "type") refer to a scorer of this type or name? */
export function pluginMatches(v: unknown, plugin: string): boolean {
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return o.type === plugin || o.name === plugin || o.Type === plugin || o.Name === plugin;
  }
  if (typeof v !== 'string') return false;
  return v === plugin || v.split('/').includes(plugin);
}

/**
 * Parse one EPP log line (after any `kubectl logs --prefix/--timestamps` wrapping, see log-line.ts) in either zap encoding:
 * JSON `{"level":…,"msg":…,…}` or console `ts\tLEVEL\t[logger\t]caller\tmsg\t{fields}`.
 * Returns the fields with `msg` set, or null.
 */
export function parseZapLine(raw: string): Record<string, unknown> | null {
  return parseZapText(unwrapLogLine(raw).text.trim());
}

/** parseZapLine for a line already unwrapped and trimmed (log-line.ts). */
export function parseZapText(line: string): Record<string, unknown> | null {
  if (line.startsWith('{')) {
    try {
      const o = JSON.parse(line) as unknown;
      return o && typeof o === 'object' && !Array.isArray(o) ? (o as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  }
  const parts = line.split('\t');
  if (parts.length < 3) return null;
  const last = parts[parts.length - 1]!;
  let fields: Record<string, unknown> = {};
  let msgIdx = parts.length - 1;
  if (last.startsWith('{')) {
    try {
      fields = JSON.parse(last) as Record<string, unknown>;
      msgIdx = parts.length - 2;
    } catch {
      return null;
    }
  }
  return { ...fields, msg: parts[msgIdx] };
}

/** Opt-in GIE test plugin that echoes the served endpoint (GIE pkg/epp/framework/plugins/requestcontrol/test, v1.4.0). */
export const SERVED_VERIFIER = {
  type: 'destination-endpoint-served-verifier',
  header: 'x-conformance-test-served-endpoint',
  /** Written instead of an address when Envoy sent no lb metadata (destination_endpoint_served_verifier.go:82; same in ROUTER). */
  failure: 'fail: missing envoy lb metadata',
} as const;
