import { describe, it, expect } from 'vitest';
import { startAutoscaler, hpaRecommendation } from '../src/autoscaler.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('hpaRecommendation', () => {
  it('follows ceil(current × metric / target) with tolerance and bounds', () => {
    expect(hpaRecommendation(2, 10, 5, 0.1, 1, 10)).toBe(4);
    expect(hpaRecommendation(3, 5.4, 5, 0.1, 1, 10)).toBe(3); // within 10 %
    expect(hpaRecommendation(3, 5.6, 5, 0.1, 1, 10)).toBe(4); // ceil(3.36)
    expect(hpaRecommendation(4, 1, 5, 0.1, 1, 10)).toBe(1); // ceil(0.8)
    expect(hpaRecommendation(4, 100, 5, 0.1, 1, 6)).toBe(6);
    expect(hpaRecommendation(4, 0, 5, 0.1, 2, 6)).toBe(2);
  });
});

describe('startAutoscaler', () => {
  it('scales up at once and down only after the stabilisation window, on a synthetic metric sequence', async () => {
    // Metric per tick (target 5): high → scale up; then low → recommendations drop, but scale-down waits.
    const seq = [10, 10, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2];
    let i = 0;
    let replicas = 1;
    const calls: number[] = [];
    const scaler = startAutoscaler({
      readMetric: async () => seq[Math.min(i++, seq.length - 1)]!,
      currentReplicas: () => replicas,
      scaleTo: async (n) => {
        calls.push(n);
        replicas = n;
      },
      target: 5,
      minReplicas: 1,
      maxReplicas: 8,
      intervalMs: 20,
      scaleDownStabilizationMs: 120,
    });
    try {
      while (i < seq.length) await sleep(20);
    } finally {
      await scaler.stop();
    }
    const tl = scaler.timeline();
    expect(tl.length).toBeGreaterThanOrEqual(seq.length - 1);
    // Tick 0: 1 × 10/5 = 2; tick 1: 2 × 2 = 4.
    expect(tl[0]).toMatchObject({ replicas: 1, recommended: 2, desired: 2, metric: 10 });
    expect(tl[1]).toMatchObject({ replicas: 2, recommended: 4, desired: 4 });
    // Tick 2: recommendation ceil(4 × 2/5) = 2, but the window still holds 4 → stay.
    expect(tl[2]).toMatchObject({ replicas: 4, recommended: 2, desired: 4 });
    // Scale-down happens only once every recommendation in the last 120 ms (by recorded t) is lower.
    const down = tl.findIndex((d) => d.desired < d.replicas);
    expect(down).toBeGreaterThan(2);
    const lastHigh = tl[1]!.t;
    expect(tl[down]!.t - lastHigh).toBeGreaterThan(120);
    for (const d of tl.slice(2, down)) expect(d.t - lastHigh).toBeLessThanOrEqual(120 + 1e-9);
    expect(calls[0]).toBe(2);
    expect(calls[1]).toBe(4);
    expect(calls.at(-1)).toBeLessThan(4);
    expect(scaler.errors()).toEqual([]);
  });

  it('rejects bad options naming the field', () => {
    expect(() =>
      startAutoscaler({
        readMetric: async () => 1,
        currentReplicas: () => 1,
        scaleTo: async () => {},
        target: -1,
        maxReplicas: 2,
      }),
    ).toThrow(/target/);
    expect(() =>
      // @ts-expect-error unknown key
      startAutoscaler({ readMetric: async () => 1, currentReplicas: () => 1, scaleTo: async () => {}, target: 1, maxReplicas: 2, bogus: 1 }),
    ).toThrow(/bogus/);
  });

  it('keeps running when readMetric fails', async () => {
    let n = 0;
    const scaler = startAutoscaler({
      readMetric: async () => {
        n++;
        if (n === 1) throw new Error('scrape failed');
        return 5;
      },
      currentReplicas: () => 2,
      scaleTo: async () => {},
      target: 5,
      maxReplicas: 4,
      intervalMs: 10,
    });
    while (n < 3) await sleep(10);
    await scaler.stop();
    expect(scaler.errors()[0]).toMatch(/scrape failed/);
    expect(scaler.timeline().length).toBeGreaterThanOrEqual(1);
  });
});
