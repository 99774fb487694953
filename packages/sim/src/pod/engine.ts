// Continuous batching as vLLM's scheduler presents it to clients: at most maxNumSeqs requests run at
// once, the rest wait in FIFO order (bounded queue). A request starts running only when its prompt's
// KV blocks fit; its TTFT clock (prefill or KV transfer) starts then, so queue time adds to client TTFT.
// Tokens are scheduled at absolute target times on the shared tick scheduler:
// first = start + TTFT, next = previous TARGET + ITL(load now), so late wake-ups never accumulate.
// The engine also records vLLM's per-request metrics.
import { performance } from 'node:perf_hooks';
import type { KvCache, KvAllocation } from './kv-cache.ts';
import type { LatencyModel } from './latency.ts';
import type { PodMetrics } from './pod-metrics.ts';
import type { TickScheduler, ScheduledEvent } from './tick-scheduler.ts';
import type { PdRole } from './openai-request.ts';

export type FinishReason = 'stop' | 'length' | 'abort';

export interface StartInfo {
  /** Prompt tokens served without computing (local prefix hits, plus transferred KV on a P/D decode). */
  cachedTokens: number;
  /** Prompt tokens whose KV this pod computed. */
  computedTokens: number;
  localHitTokens: number;
  /** Modelled TTFT from start of running (ms). */
  ttftMs: number;
  kvTransferFailed: boolean;
  alloc: KvAllocation;
}

export interface EngineJob {
  promptTokenIds: number[];
  hashes: string[];
  outputTokens: number;
  finishReason: 'stop' | 'length';
  pdRole: PdRole;
  maxTokensParam: number | null;
  /** performance.now() when the HTTP request arrived (vLLM measures TTFT from arrival). */
  arrivedAt: number;
  onStart?(info: StartInfo): void;
  /** Token `index` (0-based) is due now; `target` is its scheduled time. */
  onToken(index: number, target: number): void;
  onFinish(reason: FinishReason): void;
}

export interface JobHandle {
  abort(): void;
  readonly phase: 'waiting' | 'running' | 'done';
}

export interface EngineOptions {
  maxNumSeqs: number;
  maxWaitingQueueLength: number;
  kvTransfer: 'ok' | 'broken';
  /**
   * The pod runs vLLM with a KV connector (--kv-transfer-config; every P/D pod in llm-d). vLLM's v1
   * scheduler then asks the connector about every request and records external_prefix_cache_queries /
   * _hits for all of them, split or not (see EXTERNAL_PREFIX_CACHE_SEMANTICS in @routebench/core).
   */
  kvConnector?: boolean;
  kv: KvCache;
  latency: LatencyModel;
  metrics: PodMetrics;
  scheduler: TickScheduler;
  slowFactor: () => number;
}

export interface Engine {
  /** null when the waiting queue is full. */
  submit(job: EngineJob): JobHandle | null;
  state(): { running: number; waiting: number; kvUsage: number };
  /** Resolves once nothing runs or waits. */
  whenIdle(): Promise<void>;
  /** Cancel every timer (the pod is stopping); jobs finish as aborted without callbacks. */
  shutdown(): void;
}

interface Slot {
  job: EngineJob;
  phase: 'waiting' | 'running' | 'done';
  alloc?: KvAllocation;
  event?: ScheduledEvent;
  startedAt: number;
  firstAt: number;
  lastAt: number;
  produced: number;
}

export function createEngine(o: EngineOptions): Engine {
  const waiting: Slot[] = [];
  const running = new Set<Slot>();
  let idleWaiters: Array<() => void> = [];
  let stopped = false;
  const m = o.metrics;
  const L = m.labels;

  function checkIdle() {
    if (running.size === 0 && waiting.length === 0 && idleWaiters.length) {
      const w = idleWaiters;
      idleWaiters = [];
      for (const f of w) f();
    }
  }

  function startWaiting() {
    while (!stopped && running.size < o.maxNumSeqs && waiting.length) {
      const slot = waiting[0]!;
      const alloc = o.kv.acquire(slot.job.promptTokenIds, slot.job.hashes);
      // Blocks pinned by running requests leave no room: wait for one to finish (vLLM would not schedule it).
      if (!alloc) break;
      waiting.shift();
      start(slot, alloc);
    }
  }

  function start(slot: Slot, alloc: KvAllocation) {
    const job = slot.job;
    slot.phase = 'running';
    slot.alloc = alloc;
    running.add(slot);
    const now = performance.now();
    slot.startedAt = now;
    const n = job.promptTokenIds.length;
    const localHit = alloc.hitBlocks * o.kv.blockSize;
    const uncached = n - localHit;
    const slow = o.slowFactor();
    let ttftMs: number;
    let cached = localHit;
    let computed = uncached;
    let failed = false;
    m.prefixQueries.inc(L, n);
    m.prefixHits.inc(L, localHit);
    m.promptTokens.inc(L, n);
    // vLLM v1 (vllm/v1/core/sched/scheduler.py, connector_prefix_cache_stats): on a pod with a KV
    // connector every request is a query for the tokens it lacks locally (num_tokens − local hits);
    // only tokens the connector actually loads count as hits. Decode-only requests and prefill-side
    // requests therefore add queries with 0 hits.
    if (o.kvConnector || job.pdRole === 'decode') m.externalQueries.inc(L, uncached);
    if (job.pdRole === 'decode') {
      // The prefill pod computed the prompt; this pod pulls the blocks it lacks over NIXL.
      if (o.kvTransfer === 'ok') {
        ttftMs = o.latency.kvTransferMs(uncached, slow);
        m.externalHits.inc(L, uncached);
        m.nixlXferTime.observe(L, ttftMs / 1000);
        cached = n;
        computed = 0;
      } else {
        // Transfer fails: vLLM's NIXL connector counts vllm:nixl_num_failed_transfers and the scheduler
        // recomputes the blocks locally. This is a runtime failure. The seed's real MIG failure was different:
        // NIXL_ERR_BACKEND at engine init crashed the engine (SEED pd-timeslicing-breakthrough.md:13-19), so no
        // metrics at all. That case shows as an unscrapeable decode pod (Inconclusive), not as a Fail. This
        // fault keeps the runtime variant so the pd-transfer control still has failed transfers to Fail on.
        m.nixlFailedTransfers.inc(L, 1);
        failed = true;
        ttftMs = o.latency.prefillMs(uncached, running.size, slow);
      }
    } else {
      ttftMs = o.latency.prefillMs(uncached, running.size, slow);
    }
    m.prefillKvComputed.observe(L, computed);
    job.onStart?.({ cachedTokens: cached, computedTokens: computed, localHitTokens: localHit, ttftMs, kvTransferFailed: failed, alloc });
    scheduleToken(slot, 0, now + ttftMs);
  }

  function scheduleToken(slot: Slot, index: number, target: number) {
    slot.event = o.scheduler.at(target, () => emit(slot, index, target));
  }

  function emit(slot: Slot, index: number, target: number) {
    if (slot.phase !== 'running') return;
    const now = performance.now();
    if (index === 0) {
      slot.firstAt = now;
      m.ttft.observe(L, (now - slot.job.arrivedAt) / 1000);
    } else {
      m.itl.observe(L, (now - slot.lastAt) / 1000);
    }
    slot.lastAt = now;
    slot.produced = index + 1;
    m.generationTokens.inc(L, 1);
    slot.job.onToken(index, target);
    if (slot.phase !== 'running') return; // the callback aborted (fault, client gone)
    if (index + 1 >= slot.job.outputTokens) {
      finish(slot, slot.job.finishReason);
      return;
    }
    scheduleToken(slot, index + 1, target + o.latency.itlMs(running.size, o.slowFactor()));
  }

  function finish(slot: Slot, reason: FinishReason, notify = true) {
    if (slot.phase === 'done') return;
    const wasRunning = slot.phase === 'running';
    slot.phase = 'done';
    const now = performance.now();
    if (slot.event) o.scheduler.cancel(slot.event);
    if (wasRunning) {
      running.delete(slot);
      if (slot.alloc) o.kv.release(slot.alloc);
    } else {
      const i = waiting.indexOf(slot);
      if (i >= 0) waiting.splice(i, 1);
    }
    const job = slot.job;
    m.requestSuccess.inc({ ...L, finished_reason: reason }, 1);
    m.e2e.observe(L, (now - job.arrivedAt) / 1000);
    const startedAt = wasRunning ? slot.startedAt : now;
    m.queueTime.observe(L, (startedAt - job.arrivedAt) / 1000);
    if (wasRunning) {
      m.inferenceTime.observe(L, (now - startedAt) / 1000);
      if (slot.produced > 0) {
        m.prefillTime.observe(L, (slot.firstAt - startedAt) / 1000);
        m.decodeTime.observe(L, (slot.lastAt - slot.firstAt) / 1000);
      }
    }
    m.promptTokensHist.observe(L, job.promptTokenIds.length);
    m.generationTokensHist.observe(L, slot.produced);
    if (job.maxTokensParam !== null) m.maxTokensParam.observe(L, job.maxTokensParam);
    if (notify) job.onFinish(reason);
    startWaiting();
    checkIdle();
  }

  return {
    submit(job) {
      if (stopped) return null;
      const canRun = running.size < o.maxNumSeqs && waiting.length === 0;
      if (!canRun && waiting.length >= o.maxWaitingQueueLength) return null;
      const slot: Slot = { job, phase: 'waiting', startedAt: 0, firstAt: 0, lastAt: 0, produced: 0 };
      waiting.push(slot);
      startWaiting();
      return {
        abort: () => finish(slot, 'abort', false),
        get phase() {
          return slot.phase;
        },
      };
    },
    state: () => ({ running: running.size, waiting: waiting.length, kvUsage: o.kv.usage() }),
    whenIdle() {
      if (running.size === 0 && waiting.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    shutdown() {
      stopped = true;
      for (const s of [...running, ...waiting]) {
        if (s.event) o.scheduler.cancel(s.event);
        s.phase = 'done';
      }
      running.clear();
      waiting.length = 0;
      checkIdle();
    },
  };
}
