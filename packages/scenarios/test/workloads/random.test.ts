import { describe, expect, it } from 'vitest';
import { countTokens } from '@routebench/core';
import { RandomParamsSchema, randomWorkload, take } from '../../src/workloads/index.ts';

const run = (input_len: unknown, output_len: unknown, n = 200) =>
  take(randomWorkload(RandomParamsSchema.parse({ type: 'random', input_len, output_len }), { seed: 11, model: 'm' }), n);

describe('random workload', () => {
  it('fixed lengths are exact', () => {
    for (const r of run(100, { distribution: 'fixed', mean: 20 }, 20)) {
      expect(countTokens(r.messages![0]!.content)).toBe(100);
      expect(r.maxTokens).toBe(20);
    }
  });

  it('uniform lengths stay in [min, max] and cover it', () => {
    const lens = run({ distribution: 'uniform', min: 10, max: 30 }, 5).map((r) => countTokens(r.messages![0]!.content));
    expect(Math.min(...lens)).toBe(10);
    expect(Math.max(...lens)).toBe(30);
  });

  it('normal lengths centre on the mean and respect min/max', () => {
    const lens = run({ mean: 200, std_dev: 30, min: 150, max: 260 }, 5, 400).map((r) => countTokens(r.messages![0]!.content));
    const mean = lens.reduce((a, b) => a + b, 0) / lens.length;
    expect(mean).toBeGreaterThan(190);
    expect(mean).toBeLessThan(210);
    expect(Math.min(...lens)).toBeGreaterThanOrEqual(150);
    expect(Math.max(...lens)).toBeLessThanOrEqual(260);
  });

  it('rejects a normal distribution without a mean, naming the field', () => {
    const r = RandomParamsSchema.safeParse({ type: 'random', input_len: { distribution: 'normal', std_dev: 3 }, output_len: 5 });
    expect(r.success).toBe(false);
    expect(r.error!.issues.some((i) => i.path.join('.').startsWith('input_len'))).toBe(true);
  });
});
