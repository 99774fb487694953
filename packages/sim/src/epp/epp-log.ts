// One JSON log line per request, in the real EPP's zap JSON style (GIE director.go logs "Request
// handled" with the chosen endpoint at verbose level). Appended to a file, one whole line per write.
import { createWriteStream, type WriteStream } from 'node:fs';

export interface EppLogRecord {
  requestId: string;
  model: string;
  targetModel: string;
  /** Primary endpoint(s) host:port (x-gateway-destination-endpoint). */
  endpoint?: string;
  pod?: string;
  prefillEndpoint?: string;
  prefillPod?: string;
  disaggDecision?: string;
  /** Weighted totals per pod name. */
  scores?: Record<string, number>;
  /** Raw precise-prefix-cache-scorer scores per pod, logged as a separate "Got endpoint scores" line. */
  preciseScores?: Record<string, number>;
  /** Each scorer's raw per-pod scores (plugin type → pod → score), logged as debug "Calculated score" lines. */
  scorerScores?: Record<string, Record<string, number>>;
  status: number;
  error?: string;
  durationMs: number;
}

export interface EppLog {
  write(rec: EppLogRecord): void;
  close(): Promise<void>;
}

export function formatEppLogLine(rec: EppLogRecord, ts = Date.now() / 1000): string {
  const line: Record<string, unknown> = {
    level: rec.error ? 'error' : 'info',
    ts,
    logger: 'requestcontrol',
    caller: 'requestcontrol/director.go:0',
    msg: rec.error ? 'Request failed' : 'Request handled',
    'x-request-id': rec.requestId,
    model: rec.model,
    targetModel: rec.targetModel,
    endpoint: rec.endpoint,
    pod: rec.pod,
    prefillEndpoint: rec.prefillEndpoint,
    prefillPod: rec.prefillPod,
    disaggDecision: rec.disaggDecision,
    scores: rec.scores,
    status: rec.status,
    error: rec.error,
    durationMs: Math.round(rec.durationMs * 1000) / 1000,
  };
  for (const k of Object.keys(line)) if (line[k] === undefined) delete line[k];
  return JSON.stringify(line);
}

/** llm-d kv-cache manager's per-request score line (`Got endpoint scores`), JSON. */
export function formatPreciseScoresLine(requestId: string, scores: Record<string, number>, ts = Date.now() / 1000): string {
  return JSON.stringify({ level: 'debug', ts, logger: 'kvcache.manager', msg: 'Got endpoint scores', plugin: 'precise-prefix-cache-scorer', 'x-request-id': requestId, scores });
}

/** The scheduler's debug line with one scorer's raw per-pod scores for a request (before weighting). */
export function formatScorerLine(requestId: string, plugin: string, scores: Record<string, number>, ts = Date.now() / 1000): string {
  return JSON.stringify({ level: 'debug', ts, logger: 'scheduling', msg: 'Calculated score', plugin, 'x-request-id': requestId, scores });
}

export function openEppLog(path: string): EppLog {
  const stream: WriteStream = createWriteStream(path, { flags: 'a' });
  return {
    write: (rec) => {
      const ts = Date.now() / 1000;
      // The kv-cache manager's debug line comes first, as the scorer runs before the request is handled.
      if (rec.preciseScores) stream.write(formatPreciseScoresLine(rec.requestId, rec.preciseScores, ts) + '\n');
      for (const [plugin, scores] of Object.entries(rec.scorerScores ?? {})) stream.write(formatScorerLine(rec.requestId, plugin, scores, ts) + '\n');
      stream.write(formatEppLogLine(rec, ts) + '\n');
    },
    close: () => new Promise((resolve) => stream.end(resolve)),
  };
}
