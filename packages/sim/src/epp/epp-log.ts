// The simulated EPP's log, in upstream's zap JSON shapes (`--zap-encoder=json`) and at upstream's
// verbosity: a line is written only when its logr V-level ≤ the configured verbosity (the chart's
// default `v: 1` writes none of these). Messages, keys and levels come from @routebench/core's
// upstream/epp-logs.ts, which cites the upstream log calls.
import { createWriteStream, type WriteStream } from 'node:fs';
import {
  CALCULATED_SCORE,
  EPP_REQUEST_ID_KEY,
  GOT_ENDPOINT_SCORES,
  PICKER_RESULT,
  REQUEST_HANDLED,
  eppLogLines,
  zapLevel,
  type LlmdVersion,
} from '@routebench/core';

export interface EppLogRecord {
  requestId: string;
  model: string;
  targetModel: string;
  objectiveKey?: string;
  /** Primary profile's endpoint(s) host:port, comma-joined as upstream does. */
  endpoint?: string;
  pod?: string;
  prefillEndpoint?: string;
  prefillPod?: string;
  disaggDecision?: string;
  scores?: Record<string, number>;
  /** Raw precise-prefix-cache-scorer scores per pod name (written as "Got endpoint scores" keyed ip:port). */
  preciseScores?: Record<string, number>;
  /** Each scorer's raw per-pod scores (plugin type → pod → score), written as one "Calculated score" line per pod. */
  scorerScores?: Record<string, Record<string, number>>;
  /** pod name → ip:port for every candidate (upstream keys some lines by address). */
  addresses?: Record<string, string>;
  /** Kubernetes namespace of the pods (the sim has one). */
  namespace?: string;
  status?: number;
  error?: string;
  durationMs?: number;
}

export interface EppLogOptions {
  version: LlmdVersion;
  /** The EPP's `--v`. */
  verbosity: number;
}

export interface EppLog {
  write(rec: EppLogRecord): void;
  close(): Promise<void>;
}

const CALLER = {
  handled: 'requestcontrol/director.go:304',
  score: 'scheduling/scheduler_profile.go:166',
  picker: 'scheduling/scheduler_profile.go:194',
  precise: 'scorer/precise_prefix_cache.go:483',
};

function base(v: number, caller: string, msg: string, rec: EppLogRecord, ts: number): Record<string, unknown> {
  return { level: zapLevel(v), ts, caller, msg, [EPP_REQUEST_ID_KEY]: rec.requestId };
}

/** The lines upstream would write for one scheduled request, oldest first, at this verbosity. */
export function formatEppLogLines(rec: EppLogRecord, opts: EppLogOptions, ts = Date.now() / 1000): string[] {
  if (rec.error || !rec.endpoint) return []; // failures are logged by upstream with other messages; not modelled
  const out: string[] = [];
  const ns = rec.namespace ?? 'default';
  const addr = (pod: string) => rec.addresses?.[pod] ?? pod;
  if (opts.verbosity >= GOT_ENDPOINT_SCORES.v && rec.preciseScores && eppLogLines(opts.version).gotEndpointScores) {
    const scores = Object.fromEntries(Object.entries(rec.preciseScores).map(([pod, s]) => [addr(pod), s]));
    out.push(JSON.stringify({ ...base(GOT_ENDPOINT_SCORES.v, CALLER.precise, GOT_ENDPOINT_SCORES.msg, rec, ts), scores }));
  }
  if (opts.verbosity >= CALCULATED_SCORE.v) {
    for (const [type, scores] of Object.entries(rec.scorerScores ?? {})) {
      for (const [pod, score] of Object.entries(scores)) {
        out.push(
          JSON.stringify({
            ...base(CALCULATED_SCORE.v, CALLER.score, CALCULATED_SCORE.msg, rec, ts),
            plugin: `${type}/${type}`, // TypedName.String() = name/type; the sim names plugins by type
            endpoint: { name: `${pod}-rank-0`, namespace: ns },
            score,
          }),
        );
      }
    }
  }
  if (opts.verbosity >= PICKER_RESULT.v && rec.pod) {
    const [ip, port] = splitHostPort(rec.endpoint.split(',')[0]!);
    out.push(
      JSON.stringify({
        ...base(PICKER_RESULT.v, CALLER.picker, PICKER_RESULT.msg, rec, ts),
        plugin: 'picker/picker',
        // encoding/json of *ProfileRunResult: each endpoint flattens its embedded *EndpointMetadata
        // (GIE v1.4.0 framework/interface/datalayer/endpoint_metadata.go:26-33), and types.NamespacedName has
        // no json tags, hence "Namespace"/"Name" here (unlike the logr-marshalled {"name","namespace"} above).
        result: { TargetEndpoints: [{ NamespacedName: { Namespace: ns, Name: `${rec.pod}-rank-0` }, PodName: rec.pod, Address: ip, Port: port, MetricsHost: rec.endpoint.split(',')[0], Labels: {} }] },
      }),
    );
  }
  if (opts.verbosity >= REQUEST_HANDLED.v) {
    out.push(
      JSON.stringify({
        ...base(REQUEST_HANDLED.v, CALLER.handled, REQUEST_HANDLED.msg, rec, ts),
        objectiveKey: rec.objectiveKey ?? '',
        incomingModelName: rec.model,
        targetModel: rec.targetModel,
        endpoint: rec.endpoint,
      }),
    );
  }
  return out;
}

function splitHostPort(hp: string): [string, string] {
  const i = hp.lastIndexOf(':');
  return i < 0 ? [hp, ''] : [hp.slice(0, i), hp.slice(i + 1)];
}

export function openEppLog(path: string, opts: EppLogOptions): EppLog {
  const stream: WriteStream = createWriteStream(path, { flags: 'a' });
  return {
    write: (rec) => {
      for (const line of formatEppLogLines(rec, opts)) stream.write(line + '\n');
    },
    close: () => new Promise((resolve) => stream.end(resolve)),
  };
}
