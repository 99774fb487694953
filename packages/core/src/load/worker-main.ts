// One worker thread of a multi-worker run: runs its shard of the load with the ordinary run engine (its own event
// loop, its own undici pool), on the run clock its parent started, with the requests its parent streams to it.
// Finished records and send notes go back to the parent in batches; the shard's summary goes back at the end.
import { parentPort, workerData } from 'node:worker_threads';
import { run } from '../run.ts';
import type { RequestRecord } from '../record/request-record.ts';
import type { RequestSpecInput } from '../workload/request-spec.ts';
import type { FromWorker, SentNote, ToWorker, WorkerInit } from './worker-protocol.ts';

const port = parentPort!;
const init = workerData as WorkerInit;
const post = (m: FromWorker) => port.postMessage(m);
/** This thread's number within its process (its shard may be i + N·k of a --shard i/N run). */
const workerIndex = init.worker;

/** Ask for more requests when fewer than this many are buffered (each ask brings a batch of them). */
const LOW_WATER = 64;
const FLUSH_MS = 50;
const FLUSH_RECORDS = 256;

let buffer: RequestSpecInput[] = [];
let head = 0;
let sourceDone = false;
let asked = false;
let arrived: (() => void) | null = null;

function ask(): void {
  if (asked || sourceDone) return;
  asked = true;
  post({ type: 'need' });
}

/** This worker's requests, in order, as the parent sends them (the parent deals request i to worker i mod N). */
async function* requests(): AsyncGenerator<RequestSpecInput> {
  for (;;) {
    if (buffer.length - head < LOW_WATER) ask();
    if (head < buffer.length) {
      yield buffer[head++];
      continue;
    }
    if (sourceDone) return;
    await new Promise<void>((r) => (arrived = r));
  }
}

let sent: SentNote[] = [];
let records: RequestRecord[] = [];
function flush(): void {
  if (sent.length === 0 && records.length === 0) return;
  post({ type: 'batch', sent, records });
  sent = [];
  records = [];
}

let instance: ReturnType<typeof run> | null = null;
// A stop may come before the run has started.
let stopReason: string | null = null;

port.on('message', (m: ToWorker) => {
  if (m.type === 'specs') {
    buffer = head > 0 ? buffer.slice(head) : buffer;
    head = 0;
    buffer.push(...m.specs);
    sourceDone = m.done;
    asked = false;
    const wake = arrived;
    arrived = null;
    wake?.();
  } else if (m.type === 'stop') {
    stopReason = m.reason;
    instance?.stop(m.reason);
  } else if (m.type === 'start') {
    void start(m.originNs, m.startedAtMs);
  }
});

async function start(originNs: string, startedAtMs: number): Promise<void> {
  // performance.now() and hrtime read the same monotonic clock; convert the parent's origin once.
  const perfMs = performance.now() - Number(process.hrtime.bigint() - BigInt(originNs)) / 1e6;
  const timer = setInterval(flush, FLUSH_MS);
  try {
    instance = run({
      ...init.options,
      workload: requests(),
      shard: init.shard,
      workloadSharded: true,
      worker: workerIndex,
      runTag: init.runTag,
      clockOrigin: { perfMs, startedAt: new Date(startedAtMs) },
      // The parent reports progress from the records it receives.
      progressIntervalMs: 3_600_000,
    });
    if (stopReason !== null) instance.stop(stopReason);
    instance.on('sent', (s) => sent.push({ seq: s.seq, t: s.t, phase: s.phase ?? 'measure' }));
    instance.on('request', (r) => {
      records.push(r);
      if (records.length >= FLUSH_RECORDS) flush();
      if (init.options.failFast && r.status === 'error') post({ type: 'fail-fast', reason: `fail-fast: request ${r.seq} failed (${r.errorClass}: ${r.errorMessage})` });
    });
    const result = await instance;
    clearInterval(timer);
    flush();
    post({ type: 'done', summary: result.summary, stopped: result.stopped, stopReason: result.stopReason });
  } catch (e) {
    clearInterval(timer);
    flush();
    post({ type: 'failed', message: (e as Error).stack ?? String(e) });
  }
  // Let the thread end once its messages are out.
  port.unref();
}

ask();
post({ type: 'ready' });
