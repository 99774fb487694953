// A simulated vLLM pod's own log, request lines only: with `--enable-log-requests` vLLM logs one
// "Received request <id>: params: …" line per engine request (RequestLogger.log_inputs). The shapes come
// from core upstream/vllm-logs.ts, the same module the attribution reader takes them from; the sim adds
// nothing of its own. Only request lines are written (no startup banner, no stats): a real pod log has
// many more lines and the reader skips them.
import { createWriteStream, type WriteStream } from 'node:fs';
import { formatReceivedRequest, formatSamplingParams, formatVllmLogLine, loggedRequestId } from '@routebench/core';

export interface RequestLogEntry {
  api: 'chat' | 'completions';
  /** The request's first X-Request-Id value (or the pod's own uuid when it had none). */
  requestId: string;
  maxTokens: number | null;
  /** The request's kv_transfer_params as sent (P/D legs), printed inside SamplingParams.extra_args. */
  kvTransferParams?: Record<string, unknown> | null;
}

export interface RequestLog {
  received(e: RequestLogEntry): void;
  close(): Promise<void>;
}

// One API server process per pod: `vllm serve` decorates its output as "(APIServer pid=N) " (vllm/utils
// decorate_logs); the pid is arbitrary here.
const PROCESS = { processName: 'APIServer', pid: 1 } as const;

export function openRequestLog(path: string): RequestLog {
  const stream: WriteStream = createWriteStream(path, { flags: 'a' });
  return {
    received(e) {
      const message = formatReceivedRequest(loggedRequestId(e.api, e.requestId), formatSamplingParams({ maxTokens: e.maxTokens, kvTransferParams: e.kvTransferParams }));
      stream.write(formatVllmLogLine({ ...PROCESS, message }) + '\n');
    },
    close: () => new Promise((resolve) => stream.end(resolve)),
  };
}
