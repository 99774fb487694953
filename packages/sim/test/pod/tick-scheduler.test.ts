import { describe, it, expect } from 'vitest';
import { createTickScheduler } from '../../src/pod/tick-scheduler.ts';

describe('tick scheduler', () => {
  it('runs events in due order, never early, skips cancelled ones, keeps absolute targets', async () => {
    const s = createTickScheduler();
    const t0 = s.now();
    const ran: Array<{ id: string; late: number }> = [];
    const mark = (id: string, at: number) => () => ran.push({ id, late: s.now() - at });
    const at = (id: string, d: number) => s.at(t0 + d, mark(id, t0 + d));
    at('c', 30);
    at('a', 5);
    const x = at('x', 10);
    at('b', 12);
    s.cancel(x);
    // A chain scheduled from each event's TARGET (not its actual time): 10 steps of 3 ms.
    const chain: number[] = [];
    await new Promise<void>((resolve) => {
      let target = t0 + 2;
      const step = (i: number) => {
        chain.push(s.now() - target);
        if (i === 10) return resolve();
        target += 3;
        s.at(target, () => step(i + 1));
      };
      s.at(target, () => step(0));
    });
    while (ran.length < 3) await new Promise((r) => setTimeout(r, 5));
    expect(ran.map((r) => r.id)).toEqual(['a', 'b', 'c']);
    for (const r of [...ran.map((r) => r.late), ...chain]) expect(r).toBeGreaterThanOrEqual(0);
    expect(s.pending()).toBe(0);
  });
});
