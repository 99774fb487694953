// The measurements against a real bench server process, on short windows (figures are not asserted,
// only that they are derived from the recorded data consistently).
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureCapacity, measureFidelity, measureSchedule } from '../measure.ts';
import { runCase, startServer, stopServer } from '../processes.ts';
import type { ThroughputResult } from '../measure.ts';

let target = '';
let proc: ChildProcess;
beforeAll(async () => {
  ({ target, proc } = await startServer());
});
afterAll(async () => {
  await stopServer(proc);
});

describe('measurements', () => {
  it('capacity counts streams and their token events in the window', async () => {
    const r = await measureCapacity({ kind: 'capacity', name: 'c', target, tokens: 16, concurrency: 8, itlUs: 0, warmupS: 0.3, durationS: 1, workers: 1 });
    expect(r.errors).toBe(0);
    expect(r.completed).toBeGreaterThan(0);
    expect(r.eventsPerS).toBeCloseTo(r.streamsPerS * 16, 6);
    expect(r.clientCpuPct).toBeGreaterThan(0);
  });

  it('capacity runs the same case over 2 worker threads', async () => {
    const r = await measureCapacity({ kind: 'capacity', name: 'w2', target, tokens: 16, concurrency: 8, itlUs: 0, warmupS: 0.5, durationS: 1, workers: 2 });
    expect(r.errors).toBe(0);
    expect(r.completed).toBeGreaterThan(0);
    expect(r.eventsPerS).toBeCloseTo(r.streamsPerS * 16, 6);
  });

  it('fidelity compares every measured request with the server record of it', async () => {
    const r = await measureFidelity({
      kind: 'fidelity', name: 'f', target, tokens: 8, concurrency: 4, itlUs: 5000, warmupS: 0.2, durationS: 1, targetEventsPerS: 800, capacityEventsPerS: 1600,
    });
    expect(r.errors).toBe(0);
    expect(r.compared).toBe(r.ttftErrMs.n);
    expect(r.compared).toBeGreaterThan(0);
    expect(r.itlErrMs.n).toBe(r.compared * 7); // 8 chunks → 7 gaps each
    expect(r.ttftErrMs.p50).toBeGreaterThanOrEqual(0);
    // The truth is the server's 5 ms gaps; a measured gap is never off by a whole stream's duration.
    expect(r.itlErrMs.max).toBeLessThan(40);
    // Every token stamp was checked against the server's pre-write stamp, and none is before it.
    expect(r.stamps.checked).toBe(r.compared * 8);
    expect(r.stamps.early).toBe(0);
    expect(r.windowMs.n).toBe(r.compared);
  });

  it('schedule reports delay and the achieved rate of an open loop', async () => {
    const r = await measureSchedule({ kind: 'schedule', name: 's', target, tokens: 4, rate: 100, maxInFlight: 0, warmupS: 0.2, durationS: 1 });
    expect(r.errors).toBe(0);
    expect(r.sent).toBe(100);
    expect(r.achievedRatio).toBeGreaterThan(0.5);
    expect(r.scheduleDelayMs.n).toBe(100);
  });

  it('a case runs in its own client process and reports over IPC; a bad case names the field', async () => {
    const r = await runCase<ThroughputResult>({ kind: 'capacity', name: 'ipc', target, tokens: 4, concurrency: 2, warmupS: 0.1, durationS: 0.5 }, { timeoutS: 60 });
    expect(r.completed).toBeGreaterThan(0);
    await expect(runCase({ kind: 'capacity', name: 'bad', target, tokens: 0, concurrency: 2, warmupS: 0, durationS: 1 }, { timeoutS: 60 })).rejects.toThrow(/tokens/);
  });

  it('a capacity case reports its GC, and a full GC forced into the window is counted there', async () => {
    // Client processes run with --expose-gc, so forceGcAtS collects for real; the window counts it.
    const r = await runCase<ThroughputResult>({ kind: 'capacity', name: 'gc', target, tokens: 4, concurrency: 2, warmupS: 0.1, durationS: 0.8, forceGcAtS: 0.2 }, { timeoutS: 60 });
    expect(r.gc).toBeDefined();
    expect(r.gc!.majors).toBeGreaterThanOrEqual(1);
    expect(r.gc!.majorMsPerS).toBeGreaterThan(0);
    expect(r.gc!.minorMsPerS).toBeGreaterThanOrEqual(0);
  });
});
