// When each request should be sent. Open-loop send times are fixed in advance from the load spec
// (constant spacing or seeded Poisson gaps), so a slow response never delays the next send and
// timer drift never accumulates: lateness shows up as schedule delay instead of silently lowering
// the rate. Closed-loop (concurrency) phases are described as slots; the runner fills them.
import { createRng, exponential } from '../workload/rng.ts';
import type { LoadSpec, Stage } from './load-spec.ts';

export interface Phase {
  stage: number;
  type: Stage['type'];
  /** Offset from run start, ms. */
  startMs: number;
  endMs: number;
  rate?: number;
  concurrency?: number;
}

/** The load spec as a list of phases on the run clock (warm-up first, then measured stages). */
export function phasesOf(load: LoadSpec): Phase[] {
  if (load.type === 'stages') {
    const phases: Phase[] = [];
    let t = 0;
    load.stages!.forEach((s, i) => {
      phases.push({ stage: i, type: s.type, startMs: t, endMs: t + s.durationS * 1000, rate: s.rate, concurrency: s.concurrency });
      t += s.durationS * 1000;
    });
    return phases;
  }
  const total = load.durationS !== undefined ? (load.warmupS + load.durationS) * 1000 : Number.POSITIVE_INFINITY;
  return [{ stage: 0, type: load.type, startMs: 0, endMs: total, rate: load.rate, concurrency: load.concurrency }];
}

/**
 * Intended send times (ms from run start) of an open-loop phase, lazily. Constant: i/rate exactly.
 * Poisson: cumulative exponential gaps from a seeded PRNG (the realised rate varies, as it should).
 */
export function* openLoopTimes(phase: Phase, seed: number): Generator<number> {
  const rate = phase.rate!;
  const gapMs = 1000 / rate;
  if (phase.type === 'constant') {
    for (let i = 0; ; i++) {
      const t = phase.startMs + i * gapMs;
      if (t >= phase.endMs) return;
      yield t;
    }
  }
  const rng = createRng(seed ^ (phase.stage * 0x9e3779b1));
  let t = phase.startMs + exponential(rng, gapMs);
  while (t < phase.endMs) {
    yield t;
    t += exponential(rng, gapMs);
  }
}

/** Peak concurrency any phase asks for (sizes the connection pool for closed loops). */
export function peakConcurrency(load: LoadSpec): number {
  return phasesOf(load).reduce((m, p) => Math.max(m, p.concurrency ?? 0), 0);
}

/**
 * Sleep until `dueMs` on the given clock with sub-millisecond accuracy: a timer for most of the wait,
 * then setImmediate turns (which still let I/O run) for the last stretch. Event-loop timers alone
 * quantise to ~1 ms and fire late under load.
 */
export function sleepUntil(now: () => number, dueMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const step = () => {
      if (signal?.aborted) return resolve();
      const left = dueMs - now();
      if (left <= 0) return resolve();
      if (left > 2) setTimeout(step, left - 1.5);
      else setImmediate(step);
    };
    step();
  });
}
