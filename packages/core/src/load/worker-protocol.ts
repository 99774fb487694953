// Messages between a multi-worker run's parent thread and its worker threads (structured-cloned plain data).
import type { RequestRecord } from '../record/request-record.ts';
import type { RequestSpecInput } from '../workload/request-spec.ts';
import type { RunOptions } from '../run-options.ts';
import type { Summary } from '../record/summary.ts';
import type { Shard } from './shard.ts';

/** The run options a worker gets: everything but what only the parent handles (workload, outputs, signal, thread count). */
export type WorkerRunOptions = Omit<RunOptions, 'workload' | 'signal' | 'outDir' | 'force' | 'workers' | 'shard' | 'workloadSharded' | 'clockOrigin' | 'worker' | 'placement'>;

export interface WorkerInit {
  options: WorkerRunOptions;
  /** The thread's number in this process (recorded in each record). */
  worker: number;
  shard: Shard;
  runTag: string;
}

export interface SentNote {
  seq: number;
  t: number;
  phase: 'warmup' | 'measure';
}

export type ToWorker =
  /** Time 0 of the run: a process.hrtime.bigint() value (same monotonic clock in every thread) and its wall-clock ms. */
  | { type: 'start'; originNs: string; startedAtMs: number }
  | { type: 'specs'; specs: RequestSpecInput[]; done: boolean }
  | { type: 'stop'; reason: string };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'need' }
  | { type: 'batch'; sent: SentNote[]; records: RequestRecord[] }
  | { type: 'fail-fast'; reason: string }
  | { type: 'done'; summary: Summary; stopped: boolean; stopReason: string | null }
  | { type: 'failed'; message: string };
