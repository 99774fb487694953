import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/workload/rng.ts';
import { dominantShares, expectedRandomDominantShare } from '../../src/claims/dominant-share.ts';

describe('expectedRandomDominantShare', () => {
  it('matches hand-computed binomial expectations for 2 pods', () => {
    // n=5: max is 3 (p=20/32), 4 (10/32), 5 (2/32) → E = 110/32.
    expect(expectedRandomDominantShare(5, 2)).toBeCloseTo(110 / 32 / 5, 10);
    // n=8: max 4 (70), 5 (112), 6 (56), 7 (16), 8 (2) out of 256 → 1304/256.
    expect(expectedRandomDominantShare(8, 2)).toBeCloseTo(1304 / 256 / 8, 10);
    expect(expectedRandomDominantShare(1, 4)).toBe(1);
    expect(expectedRandomDominantShare(7, 1)).toBe(1);
  });

  it('agrees with a simulation of a random picker for 4 pods', () => {
    const rng = createRng('sim');
    let sum = 0;
    const trials = 20000;
    for (let t = 0; t < trials; t++) {
      const c = [0, 0, 0, 0];
      for (let i = 0; i < 16; i++) c[Math.floor(rng() * 4)]++;
      sum += Math.max(...c) / 16;
    }
    expect(expectedRandomDominantShare(16, 4)).toBeCloseTo(sum / trials, 2);
  });

  it('tends to 1/k for large groups and is well above it for small ones', () => {
    expect(expectedRandomDominantShare(1000, 2)).toBeGreaterThan(0.5);
    expect(expectedRandomDominantShare(1000, 2)).toBeLessThan(0.52);
    expect(expectedRandomDominantShare(8, 2)).toBeGreaterThan(0.6);
  });
});

describe('dominantShares', () => {
  it('ignores groups below the size floor and picks the modal pod', () => {
    const s = dominantShares({ a: { p1: 3, p2: 1 }, b: { p1: 1 } }, 2);
    expect(s).toEqual([{ group: 'a', requests: 4, modalPod: 'p1', share: 0.75 }]);
  });
});
