import { describe, expect, it } from 'vitest';
import { quantileSorted, slope, spread } from '../stats.ts';

describe('stats', () => {
  it('nearest-rank quantiles, max and mean', () => {
    const s = spread(Array.from({ length: 100 }, (_, i) => 100 - i)); // 100..1, unsorted on purpose
    expect(s).toMatchObject({ n: 100, p50: 50, p99: 99, max: 100, mean: 50.5 });
    expect(quantileSorted([], 0.5)).toBeNaN();
  });

  it('least-squares slope recovers a line through noise-free points', () => {
    const xs = [0, 1, 2, 3, 4];
    expect(slope(xs, xs.map((x) => 3 * x + 7))).toBeCloseTo(3, 12);
    expect(slope([1], [1])).toBeNaN();
  });
});
