// Live progress: one redrawn status line on a TTY (log-update), plain periodic lines otherwise
// (CI logs), both on stderr so stdout stays clean for tables and CSV.
import { createLogUpdate } from 'log-update';
import type { RecorderSnapshot } from '@routebench/core';

/** What the load spec bounds the run by, for "elapsed/planned" and "sent/planned". */
export interface ProgressPlan {
  durationS?: number;
  requests?: number;
}

export interface ProgressView {
  start(label: string, target: string, plan?: ProgressPlan): void;
  update(label: string, p: RecorderSnapshot): void;
  done(): void;
}

export function formatProgress(label: string, p: RecorderSnapshot, plan: ProgressPlan = {}): string {
  const elapsed = (p.tMs / 1000).toFixed(1);
  const planned = plan.durationS ? `/${plan.durationS}s` : 's';
  const sentOf = plan.requests ? `/${plan.requests}` : '';
  const ms = (x: number | null) => (x === null ? '-' : `${x.toFixed(1)}ms`);
  return (
    `[${label}] ${elapsed}${planned}  sent ${p.sent}${sentOf}  done ${p.completed}  in-flight ${p.inFlight}  errors ${p.errors}` +
    `  ${p.rps.toFixed(1)} req/s  ${p.outputTokensPerS.toFixed(0)} tok/s  TTFT p50 ${ms(p.ttftP50Ms)} p99 ${ms(p.ttftP99Ms)}`
  );
}

export function createProgressView(stream: NodeJS.WriteStream = process.stderr, plainEveryMs = 5000): ProgressView {
  const tty = stream.isTTY === true;
  const log = tty ? createLogUpdate(stream) : null;
  let planned: ProgressPlan = {};
  let lastPlain = 0;
  return {
    start(label, target, plan = {}) {
      planned = plan;
      log?.done();
      stream.write(`[${label}] running against ${target}\n`);
    },
    update(label, p) {
      const line = formatProgress(label, p, planned);
      if (log) log(line);
      else if (p.tMs - lastPlain >= plainEveryMs || p.tMs < lastPlain) {
        lastPlain = p.tMs;
        stream.write(`${line}\n`);
      }
    },
    done() {
      log?.done();
      lastPlain = 0;
    },
  };
}
