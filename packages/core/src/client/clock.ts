// The run's clock: monotonic milliseconds since the run started, and the arrival stamp of bytes being handled.
import { arrivalNow } from './arrival.ts';

/** Milliseconds on a monotonic clock whose zero is `origin` (performance.now() at run start). */
export interface RunClock {
  origin: number;
  now(): number;
  /** When the bytes being handled were read (arrival.ts): never before they arrived. */
  arrival(): number;
}

export function createRunClock(origin = performance.now()): RunClock {
  return { origin, now: () => performance.now() - origin, arrival: () => arrivalNow() - origin };
}
