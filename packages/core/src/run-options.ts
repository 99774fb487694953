// What run() takes and what it resolves to. Apart from run.ts so the worker threads (load/workers.ts) can
// type their options without importing the runner that imports them.
import type { ClientOptions } from './client/streaming-client.ts';
import type { LoadSpecInput } from './load/load-spec.ts';
import type { RequestSpecInput } from './workload/request-spec.ts';
import type { Shard } from './load/shard.ts';
import type { Summary } from './record/summary.ts';
import type { RequestRecord } from './record/request-record.ts';

/** The client's own options (apiKey: sent as a bearer token, never written anywhere) pass straight through. */
export interface RunOptions extends Pick<ClientOptions, 'apiKey' | 'headers' | 'captureHeaders' | 'podHeaders' | 'continuousUsage' | 'insecure'> {
  /** Gateway base URL (http://127.0.0.1:8080). */
  target: string;
  /** Request specs in send order. A run stops when it runs out. */
  workload: Iterable<RequestSpecInput> | AsyncIterable<RequestSpecInput>;
  load: LoadSpecInput;
  name?: string;
  seed?: number;
  /** Write requests.jsonl, summary.json, requests.csv, pods.csv here (created if missing). */
  outDir?: string;
  /** Overwrite a folder that already holds a run. */
  force?: boolean;
  signal?: AbortSignal;
  progressIntervalMs?: number;
  /** Stop the run at the first failed request. */
  failFast?: boolean;
  /**
   * Leave V8's allocation-site pretenuring on. By default run() turns it off for the process (process-wide; it
   * only changes where V8 allocates): with many requests in flight it promoted every finished request's data
   * and cost ~30% of the client's throughput, and GC pauses are late token stamps (client/v8-pretenuring.ts).
   */
  allocationSitePretenuring?: boolean;
  /** Tokenizer the workload was sized with (reported in the summary). */
  tokenizer?: string;
  /** Free-form facts about the run copied into summary.meta.extra (scenario, target kind…). */
  extra?: Record<string, unknown>;
  /** Worker index recorded in each record (multi-worker runs). */
  worker?: number;
  /** Split the run over this many worker threads, each with its own event loop and connection pool (default 1). See workers/. */
  workers?: number;
  /** Run only shard i of N of the load (workers/shard.ts): the N shards together are exactly the whole run. */
  shard?: Shard;
  /** The workload already holds only this shard's requests (else the run keeps every N-th request itself). */
  workloadSharded?: boolean;
  /** Time 0 of the run as a performance.now() value of this thread, and its wall-clock time (shared by the workers of one run). */
  clockOrigin?: { perfMs: number; startedAt: Date };
  /** x-request-id prefix (shared by the workers of one run; random by default). */
  runTag?: string;
  /**
   * Wall-clock time to start at (the run waits until then). Shards on several machines given the same
   * start time keep their slices of the schedule aligned, so together they are the requested arrival process.
   */
  startAt?: Date;
  /**
   * A stage between the client and the recorder (measure() uses it to attribute records to pods from EPP logs
   * before they are recorded and written). Each finished record is handed to `place`, which calls `done` once
   * with the final record, now or later; the run awaits `flush()` (every held record placed) before it summarises.
   */
  placement?: RecordPlacement;
}

export interface RecordPlacement {
  place(record: RequestRecord, done: (record: RequestRecord) => void): void;
  flush(): Promise<void>;
}

export interface RunResult {
  summary: Summary;
  outDir: string | null;
  /** Stopped early by stop(), the signal, or fail-fast. */
  stopped: boolean;
  stopReason: string | null;
}
