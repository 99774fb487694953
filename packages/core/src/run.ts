// `run(options)`: drive a workload at a target with a load shape, record every request, and resolve
// to the run's summary. Modelled on autocannon: the returned instance is awaitable and emits
// 'progress' (periodic snapshot) and 'request' (each finished record) events; `stop()` (or an
// AbortSignal) stops sending, lets in-flight requests drain for a bounded time, then aborts them.
export type { RunOptions, RunResult } from './run-options.ts';
import { allocationSitePretenuringState, turnOffAllocationSitePretenuring } from './client/v8-pretenuring.ts';
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { createStreamingClient, type StreamingClient } from './client/streaming-client.ts';
import { createRunClock } from './client/clock.ts';
import { LoadSpecSchema, type LoadSpec } from './load/load-spec.ts';
import { RequestSpecSchema, type RequestSpec, type RequestSpecInput } from './workload/request-spec.ts';
import type { RequestRecord } from './record/request-record.ts';
import { phasesOf, sleepUntil, type Phase } from './load/schedule.ts';
import { createRecorder, type Recorder } from './record/recorder.ts';
import type { RunOptions, RunResult } from './run-options.ts';
import { writeRunOutputs, openRunOutputs, type RunOutputs } from './output/run-folder.ts';
import { TOKENIZER_NAME } from './workload/tokenizer.ts';
import { startDiagnostics } from './record/diagnostics.ts';
import { WHOLE_RUN, globalOpenLoopTimes, measuredQuota, shardPhases, takeShard, takeShardAsync } from './load/shard.ts';
import { executeWithWorkers } from './load/workers.ts';
import { parseConfig } from './parse-config.ts';
import { awaitableInstance, type AwaitableInstance } from './awaitable-instance.ts';
export type { RunEvents } from './awaitable-instance.ts';

export type RunInstance = AwaitableInstance<RunResult>;

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
  const outer = options.signal;
  const onOuterAbort = () => stop('aborted by signal');
  if (outer) {
    if (outer.aborted) stop('aborted by signal');
    else outer.addEventListener('abort', onOuterAbort, { once: true });
  }
  const workers = effectiveWorkers(options);
  const done = waitForStart(options.startAt, stopper.signal).then(() =>
    workers > 1 ? executeWithWorkers({ ...options, workers }, emitter, stopper.signal, stop, () => stopReason) : execute(options, emitter, stopper.signal, stop, () => stopReason),
  );
  // The caller's signal often outlives the run (one Ctrl-C signal for every run of a scenario or the
  // seed table): a listener left on it per run piled up past Node's limit of 10.
  if (outer && !outer.aborted) {
    const off = () => outer.removeEventListener('abort', onOuterAbort);
    done.then(off, off);
  }
  return awaitableInstance(done, emitter, stop);
}

async function execute(
  options: RunOptions,
  emitter: EventEmitter,
  stopSignal: AbortSignal,
  stop: (reason?: string) => void,
  getStopReason: () => string | null,
): Promise<RunResult> {
  const load: LoadSpec = parseConfig(LoadSpecSchema, options.load, 'load');
  if (options.allocationSitePretenuring !== true) turnOffAllocationSitePretenuring();
  const seed = options.seed ?? 1;
  const runTag = options.runTag ?? randomBytes(4).toString('hex');
  const shard = options.shard ?? WHOLE_RUN;
  const phases = shardPhases(phasesOf(load), shard);
  const startedAt = options.clockOrigin?.startedAt ?? new Date();
  const clock = options.clockOrigin ? createRunClock(options.clockOrigin.perfMs) : createRunClock();
  const peak = phases.reduce((m, p) => Math.max(m, p.concurrency ?? 0), 0);
  const connections = peak > 0 && phases.every((p) => p.type === 'concurrency') ? peak : load.maxInFlight > 0 ? Math.max(load.maxInFlight, peak) : null;
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
  const diagnostics = startDiagnostics();
  const outputs: RunOutputs | null = options.outDir ? await openRunOutputs(options.outDir, { force: options.force }) : null;
  // In-flight requests are aborted through this signal once draining time is up (the client keeps one
  // listener on it for all of them).
  const inflightAbort = new AbortController();

  const workload = options.workload;
  const ownRequests =
    shard.count === 1 || options.workloadSharded ? workload : Symbol.asyncIterator in workload ? takeShardAsync(workload, shard) : takeShard(workload, shard);
  const iterator: Iterator<RequestSpecInput> | AsyncIterator<RequestSpecInput> =
    Symbol.asyncIterator in ownRequests ? ownRequests[Symbol.asyncIterator]() : ownRequests[Symbol.iterator]();
  let exhausted = false;
  const nextSpec = async (): Promise<RequestSpec | null> => {
    if (exhausted) return null;
    const n = await iterator.next();
    if (n.done) {
      exhausted = true;
      return null;
    }
    return parseConfig(RequestSpecSchema, n.value, `workload request ${seq}`);
  };

  let seq = 0;
  let measuredSent = 0;
  let inFlight = 0;
  // Requests whose record is not handled yet, counted rather than kept in a Set of promises (a Set entry and a
  // finally() promise per request were a visible share of the client's allocation); the end of the run waits
  // for the count to reach 0. A failure while handling a record (the run folder's disk full) stops the run and
  // is thrown at its end, instead of rejecting a promise nobody awaits (open-loop sends are not awaited).
  let unsettled = 0;
  let onSettled: (() => void) | null = null;
  let handlingFailure: { error: unknown } | null = null;
  let slotWaiters: (() => void)[] = [];
  // A shard's share of load.requests (all of it for a whole run).
  const quota = measuredQuota(load, phases, seed, shard);
  const limitReached = () => measuredSent >= quota;
  const shouldStop = () => stopSignal.aborted || exhausted || limitReached();

  const placement = options.placement;
  const finish = (rec: RequestRecord, offWire: boolean) => {
    recorder.onFinished(rec, { offWire });
    outputs?.append(rec);
    emitter.emit('request', rec);
    if (options.failFast && rec.status === 'error') stop(`fail-fast: request ${rec.seq} failed (${rec.errorClass}: ${rec.errorMessage})`);
  };

  const sendOne = (spec: RequestSpec, intended: number, stage: number): Promise<void> => {
    // Global request index: this shard's n-th request is index + n × count (index n of a whole run).
    const mySeq = shard.index + seq++ * shard.count;
    const phase: 'warmup' | 'measure' = mySeq < load.warmupRequests || intended < load.warmupS * 1000 ? 'warmup' : 'measure';
    if (phase === 'measure') measuredSent++;
    inFlight++;
    recorder.onSent(clock.now(), { phase });
    if (emitter.listenerCount('sent') > 0) emitter.emit('sent', { seq: mySeq, t: intended, phase });
    unsettled++;
    return client
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
      .then(
        (rec) => {
          inFlight--;
          try {
            if (placement) {
              recorder.onOffWire();
              placement.place(rec, (placed) => finish(placed, true));
            } else finish(rec, false);
          } catch (error) {
            failHandling(error);
          }
          const w = slotWaiters;
          slotWaiters = [];
          for (const f of w) f();
          settled();
        },
        (error: unknown) => {
          // client.send never rejects for a request failure; this is a fault in the client itself.
          inFlight--;
          failHandling(error);
          settled();
        },
      );
  };
  const failHandling = (error: unknown) => {
    handlingFailure ??= { error };
    stop(`failed while handling a record: ${error instanceof Error ? error.message : String(error)}`);
  };
  const settled = () => {
    if (--unsettled === 0 && onSettled) onSettled();
  };
  const allSettled = () => (unsettled === 0 ? Promise.resolve() : new Promise<void>((r) => (onSettled = r)));

  const progressTimer = setInterval(() => emitter.emit('progress', recorder.snapshot()), options.progressIntervalMs ?? 1000);

  // Open-loop send times of the whole run, numbered across phases; a shard sends those with index ≡ its own.
  const openTimes = globalOpenLoopTimes(phases, seed);
  let nextTime = openTimes.next();
  const runOpenPhase = async (phase: Phase) => {
    for (; !nextTime.done && nextTime.value.phase.stage === phase.stage; nextTime = openTimes.next()) {
      const { index, t } = nextTime.value;
      if (shouldStop()) return;
      if (index % shard.count !== shard.index) continue;
      // Take the request from the workload (and validate it) before its send time: that work is not
      // lateness of the send.
      const spec = await nextSpec();
      if (!spec) return;
      await sleepUntil(clock.now, t, stopSignal);
      if (stopSignal.aborted) return;
      while (load.maxInFlight > 0 && inFlight >= load.maxInFlight && !stopSignal.aborted) {
        await new Promise<void>((r) => slotWaiters.push(r));
      }
      if (stopSignal.aborted) return;
      void sendOne(spec, t, phase.stage);
    }
  };

  const runClosedPhase = async (phase: Phase) => {
    await sleepUntil(clock.now, phase.startMs, stopSignal);
    const user = async () => {
      while (!shouldStop() && clock.now() < phase.endMs) {
        const spec = await nextSpec();
        if (!spec) return;
        // Check again: every user passed the check above before any of them sent (nextSpec awaits), so
        // without this `requests: 3` with 8 users sent 8. sendOne counts the send synchronously, so the
        // first user back claims the slot and the others see the limit.
        if (shouldStop() || clock.now() >= phase.endMs) return;
        await sendOne(spec, clock.now(), phase.stage);
      }
    };
    await Promise.all(Array.from({ length: phase.concurrency! }, user));
  };

  // From the moment of a stop (stop(), signal, fail-fast), in-flight requests get drainTimeoutMs and are
  // then cancelled — also while a closed-loop phase is still waiting on its users' requests, which
  // would otherwise run to their full timeoutMs after a Ctrl-C.
  let drainTimer: NodeJS.Timeout | null = null;
  const armDrain = () => {
    drainTimer ??= setTimeout(() => inflightAbort.abort(), load.drainTimeoutMs);
  };
  if (stopSignal.aborted) armDrain();
  else stopSignal.addEventListener('abort', armDrain, { once: true });
  try {
    for (const phase of phases) {
      if (shouldStop()) break;
      if (phase.type === 'concurrency') await runClosedPhase(phase);
      else await runOpenPhase(phase);
    }
    await allSettled();
    await placement?.flush();
    // (Assigned in the request callbacks, which the compiler's narrowing does not see.)
    const failure = handlingFailure as { error: unknown } | null;
    if (failure) throw failure.error;
  } finally {
    stopSignal.removeEventListener('abort', armDrain);
    if (drainTimer) clearTimeout(drainTimer);
    clearInterval(progressTimer);
    // Records finished so far reach the disk now, also when the run is failing (appends are batched).
    outputs?.flush();
    await client.close();
  }

  const summary = recorder.summary({
    scenario: options.name ?? 'run',
    target: options.target, // the recorder redacts it (redact-url.ts)
    startedAt: startedAt.toISOString(),
    endedAt: new Date().toISOString(),
    durationS: clock.now() / 1000,
    seed,
    tokenizer: options.tokenizer ?? TOKENIZER_NAME,
    load,
    workers: 1,
  });
  const overall = summary.dimensions.overall;
  // A shard (a worker thread, or a --shard process) is asked for its part of the rate, so it is judged on
  // that part: 2 req/s sent by one of two workers of a 4 req/s run is on schedule.
  const shardRequestedRate = summary.rates.requestedRate === null ? null : summary.rates.requestedRate / shard.count;
  summary.meta.client = {
    ...summary.meta.client,
    allocationSitePretenuring: allocationSitePretenuringState(),
    ...diagnostics.stop({
      scheduleDelayP50Ms: overall?.scheduleDelay.p50 ?? null,
      scheduleDelayP99Ms: overall?.scheduleDelay.p99 ?? null,
      requestedRate: shardRequestedRate,
      achievedSendRate: summary.rates.achievedSendRate,
      clientErrors: summary.counters.errorsByClass.client ?? 0,
    }),
  };
  summary.extra = { ...summary.extra, ...(options.extra ?? {}), run: { stopped: stopSignal.aborted, stopReason: getStopReason() } };
  if (shard.count > 1) {
    // A shard was asked for its part of the rate; merged shards add their requested rates back up.
    summary.rates.requestedRate = shardRequestedRate;
    summary.extra.shard = { index: shard.index, count: shard.count };
  }
  emitter.emit('progress', recorder.snapshot());
  if (outputs) await writeRunOutputs(outputs, summary);
  return { summary, outDir: options.outDir ?? null, stopped: stopSignal.aborted, stopReason: getStopReason() };
}

/** Resolve at the wall-clock time `at` (at once when absent or past, or when the run is stopped first). */
function waitForStart(at: Date | undefined, signal: AbortSignal): Promise<void> {
  const wait = at ? at.getTime() - Date.now() : 0;
  if (wait <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, wait);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Workers actually used. A closed-loop phase gives each worker its share of the users (c/N): with fewer
 * users than workers, some workers would be dealt requests but have no user to send them, so a run never
 * uses more workers than its smallest closed-loop concurrency.
 */
export function effectiveWorkers(options: Pick<RunOptions, 'workers' | 'load'>): number {
  const n = options.workers ?? 1;
  if (n <= 1) return 1;
  const load = LoadSpecSchema.safeParse(options.load);
  if (!load.success) return 1; // execute() reports the invalid load with its field path
  const minUsers = phasesOf(load.data)
    .filter((p) => p.type === 'concurrency')
    .reduce((m, p) => Math.min(m, p.concurrency ?? m), Number.POSITIVE_INFINITY);
  return Math.max(1, Math.min(n, minUsers));
}
