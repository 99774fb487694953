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

export function openEppLog(path: string): EppLog {
  const stream: WriteStream = createWriteStream(path, { flags: 'a' });
  return {
    write: (rec) => void stream.write(formatEppLogLine(rec) + '\n'),
    close: () => new Promise((resolve) => stream.end(resolve)),
  };
}
