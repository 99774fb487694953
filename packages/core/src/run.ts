// `run(options)`: drive a workload at a target with a load shape, record every request, and resolve
// to the run's summary. Modelled on autocannon: the returned instance is awaitable and emits
// 'progress' (periodic snapshot) and 'request' (each finished record) events; `stop()` (or an
// AbortSignal) stops sending, lets in-flight requests drain for a bounded time, then aborts them.
import { EventEmitter, setMaxListeners } from 'node:events';
import { randomBytes } from 'node:crypto';
import { createRunClock, createStreamingClient, type StreamingClient } from './client.ts';
import { LoadSpecSchema, type LoadSpec, type LoadSpecInput } from './load-spec.ts';
import { RequestSpecSchema, type RequestSpec, type RequestSpecInput } from './request-spec.ts';
import type { RequestRecord } from './request-record.ts';
import { openLoopTimes, peakConcurrency, phasesOf, sleepUntil, type Phase } from './schedule.ts';
import { createRecorder, type Recorder, type RecorderSnapshot as ProgressSnapshot } from './recorder.ts';
import type { Summary } from './summary.ts';
import { writeRunOutputs, openRunOutputs, type RunOutputs } from './run-outputs.ts';
import { TOKENIZER_NAME } from './tokenizer.ts';

export interface RunOptions {
  /** Gateway base URL (http://127.0.0.1:8080). */
  target: string;
  /** Request specs in send order. A run stops when it runs out. */
  workload: Iterable<RequestSpecInput>;
  load: LoadSpecInput;
  name?: string;
  seed?: number;
  /** Sent as a bearer token; never written anywhere. */
  apiKey?: string;
  headers?: Record<string, string>;
  captureHeaders?: readonly string[];
  podHeaders?: readonly string[];
  continuousUsage?: boolean;
  insecure?: boolean;
  /** Write requests.jsonl, summary.json, requests.csv, pods.csv here (created if missing). */
  outDir?: string;
  /** Overwrite a folder that already holds a run. */
  force?: boolean;
  signal?: AbortSignal;
  progressIntervalMs?: number;
  /** Stop the run at the first failed request. */
  failFast?: boolean;
  /** Tokenizer the workload was sized with (reported in the summary). */
  tokenizer?: string;
  /** Free-form facts about the run copied into summary.meta.extra (scenario, target kind…). */
  extra?: Record<string, unknown>;
  /** Worker index recorded in each record (multi-worker runs). */
  worker?: number;
}

export interface RunResult {
  summary: Summary;
  outDir: string | null;
  /** Stopped early by stop(), the signal, or fail-fast. */
  stopped: boolean;
  stopReason: string | null;
}

export interface RunEvents {
  progress: [ProgressSnapshot];
  request: [RequestRecord];
  sent: [{ seq: number; t: number }];
}

export interface RunInstance extends PromiseLike<RunResult> {
  on<K extends keyof RunEvents>(event: K, fn: (...args: RunEvents[K]) => void): RunInstance;
  off<K extends keyof RunEvents>(event: K, fn: (...args: RunEvents[K]) => void): RunInstance;
  /** Stop sending; in-flight requests get load.drainTimeoutMs to finish, then are cancelled. */
  stop(reason?: string): void;
  /** Progress snapshots as an async iterator (ends when the run ends). */
  progress(): AsyncIterable<ProgressSnapshot>;
}

export function run(options: RunOptions): RunInstance {
  const emitter = new EventEmitter();
  const stopper = new AbortController();
  let stopReason: string | null = null;
  const stop = (reason = 'stopped') => {
    if (!stopper.signal.aborted) {
      stopReason = reason;
      stopper.abort();
    }
  };
  if (options.signal) {
    if (options.signal.aborted) stop('aborted by signal');
    else options.signal.addEventListener('abort', () => stop('aborted by signal'), { once: true });
  }
  const done = execute(options, emitter, stopper.signal, stop, () => stopReason);
  let ended = false;
  void done.finally(() => {
    ended = true;
    emitter.emit('end');
  });

  const instance: RunInstance = {
    then: (onOk, onErr) => done.then(onOk, onErr),
    on(event, fn) {
      emitter.on(event, fn as (...a: unknown[]) => void);
      return instance;
    },
    off(event, fn) {
      emitter.off(event, fn as (...a: unknown[]) => void);
      return instance;
    },
    stop,
    progress() {
      return {
        [Symbol.asyncIterator]() {
          const queue: ProgressSnapshot[] = [];
          let wake: (() => void) | null = null;
          const onP = (p: ProgressSnapshot) => {
            queue.push(p);
            wake?.();
          };
          const onEnd = () => wake?.();
          emitter.on('progress', onP);
          emitter.on('end', onEnd);
          return {
            async next(): Promise<IteratorResult<ProgressSnapshot>> {
              while (queue.length === 0 && !ended) await new Promise<void>((r) => (wake = r));
              wake = null;
              if (queue.length > 0) return { value: queue.shift()!, done: false };
              emitter.off('progress', onP);
              emitter.off('end', onEnd);
              return { value: undefined, done: true };
            },
          };
        },
      };
    },
  };
  return instance;
}

async function execute(
  options: RunOptions,
  emitter: EventEmitter,
  stopSignal: AbortSignal,
  stop: (reason?: string) => void,
  getStopReason: () => string | null,
): Promise<RunResult> {
  const load: LoadSpec = LoadSpecSchema.parse(options.load);
  const seed = options.seed ?? 1;
  const runTag = randomBytes(4).toString('hex');
  const phases = phasesOf(load);
  const startedAt = new Date();
  const clock = createRunClock();
  const connections = peakConcurrency(load) > 0 && phases.every((p) => p.type === 'concurrency') ? peakConcurrency(load) : load.maxInFlight > 0 ? Math.max(load.maxInFlight, peakConcurrency(load)) : null;
  const client: StreamingClient = createStreamingClient(
    {
      target: options.target,
      connections,
      apiKey: options.apiKey,
      headers: options.headers,
      captureHeaders: options.captureHeaders,
      podHeaders: options.podHeaders,
      continuousUsage: options.continuousUsage,
      insecure: options.insecure,
    },
    clock,
  );
  const recorder: Recorder = createRecorder({ clock: clock.now });
  const outputs: RunOutputs | null = options.outDir ? await openRunOutputs(options.outDir, { force: options.force }) : null;
  // In-flight requests are aborted through this signal once draining time is up.
  const inflightAbort = new AbortController();
  // Every in-flight request listens on this signal: thousands of listeners are expected, not a leak.
  setMaxListeners(0, inflightAbort.signal);

  const iterator = options.workload[Symbol.iterator]();
  let exhausted = false;
  const nextSpec = (): RequestSpec | null => {
    if (exhausted) return null;
    const n = iterator.next();
    if (n.done) {
      exhausted = true;
      return null;
    }
    return RequestSpecSchema.parse(n.value);
  };

  let seq = 0;
  let measuredSent = 0;
  let inFlight = 0;
  const pending = new Set<Promise<void>>();
  let slotWaiters: (() => void)[] = [];
  const limitReached = () => load.requests !== undefined && measuredSent >= load.requests;
  const shouldStop = () => stopSignal.aborted || exhausted || limitReached();

  const sendOne = (spec: RequestSpec, intended: number, stage: number): Promise<void> => {
    const mySeq = seq++;
    const phase: 'warmup' | 'measure' = mySeq < load.warmupRequests || intended < load.warmupS * 1000 ? 'warmup' : 'measure';
    if (phase === 'measure') measuredSent++;
    inFlight++;
    recorder.onSent(clock.now(), { phase });
    emitter.emit('sent', { seq: mySeq, t: intended });
    const p = client
      .send(spec, {
        seq: mySeq,
        requestId: `rb-${runTag}-${mySeq}`,
        phase,
        stage,
        worker: options.worker ?? 0,
        intended,
        timeoutMs: load.timeoutMs,
        stallTimeoutMs: load.stallTimeoutMs,
        signal: inflightAbort.signal,
      })
      .then((rec) => {
        inFlight--;
        recorder.onFinished(rec);
        outputs?.append(rec);
        emitter.emit('request', rec);
        if (options.failFast && rec.status === 'error') stop(`fail-fast: request ${rec.seq} failed (${rec.errorClass}: ${rec.errorMessage})`);
        const w = slotWaiters;
        slotWaiters = [];
        for (const f of w) f();
      });
    pending.add(p);
    void p.finally(() => pending.delete(p));
    return p;
  };

  const progressTimer = setInterval(() => emitter.emit('progress', recorder.snapshot()), options.progressIntervalMs ?? 1000);

  const runOpenPhase = async (phase: Phase) => {
    for (const t of openLoopTimes(phase, seed)) {
      if (shouldStop()) return;
      await sleepUntil(clock.now, t, stopSignal);
      if (stopSignal.aborted) return;
      while (load.maxInFlight > 0 && inFlight >= load.maxInFlight && !stopSignal.aborted) {
        await new Promise<void>((r) => slotWaiters.push(r));
      }
      if (stopSignal.aborted) return;
      const spec = nextSpec();
      if (!spec) return;
      void sendOne(spec, t, phase.stage);
    }
  };

  const runClosedPhase = async (phase: Phase) => {
    await sleepUntil(clock.now, phase.startMs, stopSignal);
    const user = async () => {
      while (!shouldStop() && clock.now() < phase.endMs) {
        const spec = nextSpec();
        if (!spec) return;
        await sendOne(spec, clock.now(), phase.stage);
      }
    };
    await Promise.all(Array.from({ length: phase.concurrency! }, user));
  };

  try {
    for (const phase of phases) {
      if (shouldStop()) break;
      if (phase.type === 'concurrency') await runClosedPhase(phase);
      else await runOpenPhase(phase);
    }
    // Drain: wait for in-flight requests; after a stop, only for drainTimeoutMs, then cancel them.
    if (pending.size > 0) {
      if (stopSignal.aborted) {
        const timer = setTimeout(() => inflightAbort.abort(), load.drainTimeoutMs);
        await Promise.all([...pending]);
        clearTimeout(timer);
      } else {
        const onStop = () => setTimeout(() => inflightAbort.abort(), load.drainTimeoutMs);
        stopSignal.addEventListener('abort', onStop, { once: true });
        await Promise.all([...pending]);
        stopSignal.removeEventListener('abort', onStop);
      }
    }
  } finally {
    clearInterval(progressTimer);
    await client.close();
  }

  const summary = recorder.summary({
    scenario: options.name ?? 'run',
    target: redactUrl(options.target),
    startedAt: startedAt.toISOString(),
    endedAt: new Date().toISOString(),
    durationS: clock.now() / 1000,
    seed,
    tokenizer: options.tokenizer ?? TOKENIZER_NAME,
    load,
    workers: 1,
  });
  summary.extra = { ...summary.extra, ...(options.extra ?? {}), run: { stopped: stopSignal.aborted, stopReason: getStopReason() } };
  emitter.emit('progress', recorder.snapshot());
  if (outputs) await writeRunOutputs(outputs, summary);
  return { summary, outDir: options.outDir ?? null, stopped: stopSignal.aborted, stopReason: getStopReason() };
}

/** Drop userinfo and query strings from a URL before it is recorded (they may hold credentials). */
export function redactUrl(u: string): string {
  try {
    const url = new URL(u);
    url.username = '';
    url.password = '';
    url.search = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return '[invalid url]';
  }
}
