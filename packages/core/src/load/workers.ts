// A run split over N worker threads (run({ workers: N })): each thread runs shard k of N (workers/shard.ts) with
// its own event loop and undici pool, so one machine's cores all send. This parent thread starts them on one
// shared run clock, deals them the workload, appends every record they send back to requests.jsonl, reports
// progress over all of them, and merges their summaries exactly (mergeSummaries) at the end.
//
// Workload: the parent pulls the one request stream and deals request i to worker i mod N (batches on demand).
// Workers could instead regenerate the same deterministic stream and keep every N-th request, but run() takes
// any iterable (not a recipe a worker could rebuild), and generating some workloads costs real CPU that N
// workers would each pay in full while they should be sending.
import { availableParallelism } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { EventEmitter } from 'node:events';
import { createRunClock } from '../client/clock.ts';
import { LoadSpecSchema, type LoadSpec } from './load-spec.ts';
import { mergeSummaries } from '../record/merge.ts';
import { createRecorder } from '../record/recorder.ts';
import type { RequestSpecInput } from '../workload/request-spec.ts';
import type { RequestRecord } from '../record/request-record.ts';
import type { RunOptions, RunResult } from '../run-options.ts';
import { openRunOutputs, writeRunOutputs } from '../output/run-folder.ts';
import type { Summary } from '../record/summary.ts';
import type { FromWorker, ToWorker, WorkerInit, WorkerRunOptions } from './worker-protocol.ts';
import { WHOLE_RUN, takeShard, takeShardAsync, type Shard } from './shard.ts';
import { parseConfig } from '../parse-config.ts';
import { RoutebenchError } from '../errors.ts';

/** Requests sent to a worker per ask (it asks again when its buffer runs low). */
const SPEC_BATCH = 128;
/** Time 0 is set this far after the last worker is ready, so the 'start' message reaches every worker before it. */
const START_LEAD_MS = 25;

/** Default worker count for the CLI: one thread per core this process may use. */
export function defaultWorkerCount(): number {
  return availableParallelism();
}

interface WorkerState {
  worker: Worker;
  queue: RequestSpecInput[];
  done: { summary: Summary; stopped: boolean; stopReason: string | null } | null;
}

export async function executeWithWorkers(
  options: RunOptions,
  emitter: EventEmitter,
  stopSignal: AbortSignal,
  stop: (reason?: string) => void,
  getStopReason: () => string | null,
): Promise<RunResult> {
  const count = options.workers ?? 1;
  if (!Number.isInteger(count) || count < 1) throw new RoutebenchError('RB_CONFIG_INVALID', `invalid workers: expected a positive integer, got ${String(options.workers)}`, { field: 'workers' });
  // This process may itself be shard i of N (--shard on N machines): its worker k is then shard i + N·k of N·count,
  // since of the indices ≡ i (mod N), the m-th is dealt to worker m mod count.
  const outer = options.shard ?? WHOLE_RUN;
  const shardOf = (k: number): Shard => ({ index: outer.index + outer.count * k, count: outer.count * count });
  const load: LoadSpec = parseConfig(LoadSpecSchema, options.load, 'load');
  const outputs = options.outDir ? await openRunOutputs(options.outDir, { force: options.force }) : null;
  const runTag = options.runTag ?? randomBytes(4).toString('hex');

  const { workload, signal: _signal, outDir: _outDir, force: _force, workers: _workers, shard: _shard, workloadSharded: _ws, clockOrigin: _co, worker: _w, placement: _placement, ...rest } = options;
  const workerOptions: WorkerRunOptions = { ...rest, load, runTag };

  // The request stream, dealt round-robin: request i → worker i mod N.
  const ours = outer.count === 1 || options.workloadSharded ? workload : Symbol.asyncIterator in workload ? takeShardAsync(workload, outer) : takeShard(workload, outer);
  const source: Iterator<RequestSpecInput> | AsyncIterator<RequestSpecInput> = Symbol.asyncIterator in ours ? ours[Symbol.asyncIterator]() : ours[Symbol.iterator]();
  let sourceDone = false;
  let dealt = 0;
  let dealing: Promise<void> = Promise.resolve();

  const states: WorkerState[] = [];
  const post = (s: WorkerState, m: ToWorker) => s.worker.postMessage(m);
  let failure: Error | null = null;

  const fill = async (k: number) => {
    const s = states[k];
    while (!sourceDone && s.queue.length < SPEC_BATCH) {
      const n = await source.next();
      if (n.done) {
        sourceDone = true;
        break;
      }
      states[dealt++ % count].queue.push(n.value);
    }
    const specs = s.queue.splice(0, SPEC_BATCH);
    post(s, { type: 'specs', specs, done: sourceDone && s.queue.length === 0 });
  };
  // Asks are served one at a time so the stream is dealt in order.
  const serve = (k: number) => {
    dealing = dealing.then(() => fill(k)).catch((e: Error) => fail(new Error(`workload: ${e.message}`)));
  };

  const clock = { now: () => 0 };
  const recorder = createRecorder({ clock: () => clock.now() });

  const placement = options.placement;
  const finish = (r: RequestRecord, offWire: boolean) => {
    recorder.onFinished(r, { offWire });
    outputs?.append(r);
    emitter.emit('request', r);
  };

  const fail = (e: Error) => {
    if (!failure) failure = e;
    stop(`worker failed: ${e.message.split('\n')[0]}`);
  };

  const readyAll: Promise<void>[] = [];
  const exits: Promise<void>[] = [];
  for (let k = 0; k < count; k++) {
    const init: WorkerInit = { options: workerOptions, worker: k, shard: shardOf(k), runTag };
    // Built package (dist/*.js): the compiled worker-main.js runs as is. From source (.ts, no build): the tsx bootstrap.
    const worker = new Worker(new URL(import.meta.url.endsWith('.js') ? './worker-main.js' : './worker-entry.mjs', import.meta.url), { workerData: init, execArgv: [] });
    const state: WorkerState = { worker, queue: [], done: null };
    states.push(state);
    let ready!: () => void;
    readyAll.push(new Promise<void>((r) => (ready = r)));
    worker.on('message', (m: FromWorker) => {
      switch (m.type) {
        case 'ready':
          ready();
          break;
        case 'need':
          serve(k);
          break;
        case 'batch':
          // Sends first: every record in a batch was sent in this batch or an earlier one.
          for (const s of m.sent) {
            recorder.onSent(s.t, { phase: s.phase });
            emitter.emit('sent', s);
          }
          for (const r of m.records) {
            if (placement) {
              recorder.onOffWire();
              placement.place(r, (placed) => finish(placed, true));
            } else finish(r, false);
          }
          break;
        case 'fail-fast':
          stop(m.reason);
          break;
        case 'done':
          state.done = { summary: m.summary, stopped: m.stopped, stopReason: m.stopReason };
          break;
        case 'failed':
          fail(new Error(`worker ${k}: ${m.message}`));
          break;
      }
    });
    exits.push(
      new Promise<void>((resolve) => {
        worker.on('error', (e) => fail(new Error(`worker ${k}: ${e.stack ?? e.message}`)));
        worker.on('exit', (code) => {
          if (!state.done && !failure) fail(new Error(`worker ${k} exited (code ${code}) before finishing its shard`));
          ready(); // a worker that died before it was ready must not hold the start
          resolve();
        });
      }),
    );
  }

  const onStop = () => {
    for (const s of states) post(s, { type: 'stop', reason: getStopReason() ?? 'stopped' });
  };
  if (stopSignal.aborted) onStop();
  else stopSignal.addEventListener('abort', onStop, { once: true });

  await Promise.all(readyAll);
  // One clock for all: hrtime is the same monotonic clock in every thread of the process.
  const originNs = process.hrtime.bigint() + BigInt(START_LEAD_MS * 1e6);
  const startedAtMs = Date.now() + START_LEAD_MS;
  const perfOrigin = performance.now() + START_LEAD_MS;
  clock.now = createRunClock(perfOrigin).now;
  for (const s of states) post(s, { type: 'start', originNs: originNs.toString(), startedAtMs });

  const progressTimer = setInterval(() => emitter.emit('progress', recorder.snapshot()), options.progressIntervalMs ?? 1000);
  try {
    await Promise.all(exits);
  } finally {
    clearInterval(progressTimer);
    stopSignal.removeEventListener('abort', onStop);
    await Promise.all(states.map((s) => s.worker.terminate()));
  }
  if (failure) throw new RoutebenchError('RB_RUN_FAILED', (failure as Error).message, { cause: failure });

  const parts = states.map((s) => s.done!);
  const merged = mergeSummaries(parts.map((p) => p.summary));
  let summary = merged;
  if (placement) {
    // The workers recorded their records before they were attributed; this thread recorded every record after
    // its placement, so its recorder has the per-pod statistics. The workers' own facts (client diagnostics,
    // the requested rate) come from their merged summary.
    await placement.flush();
    const { scenario, target, startedAt, endedAt, durationS, seed, tokenizer, load: mergedLoad } = merged.meta;
    summary = recorder.summary({ scenario, target, startedAt, endedAt, durationS, seed, tokenizer, load: mergedLoad, workers: count });
    summary.meta.client = merged.meta.client;
    summary.rates.requestedRate = merged.rates.requestedRate;
  }
  const stopped = stopSignal.aborted || parts.some((p) => p.stopped);
  const stopReason = getStopReason() ?? parts.find((p) => p.stopReason)?.stopReason ?? null;
  // The merged summary counts as one run of `count` workers (not a merge of separate runs).
  summary.meta.mergedFrom = 1;
  summary.extra = { ...(options.extra ?? {}), run: { stopped, stopReason }, workers: count };
  if (outer.count > 1) summary.extra.shard = { index: outer.index, count: outer.count };
  emitter.emit('progress', recorder.snapshot());
  if (outputs) await writeRunOutputs(outputs, summary);
  return { summary, outDir: options.outDir ?? null, stopped, stopReason };
}
