// Exact-proportion passes: a pass of N slots split by weight (largest remainder), every positive weight
// getting at least one slot, then shuffled. Unlike independent weighted draws, a short quick run still
// contains every class in the stated ratio.
import { shuffle, type Rng } from '@routebench/core';

export function allocate(weights: readonly number[], slots: number): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  const positive = weights.filter((w) => w > 0).length;
  const n = Math.max(slots, positive);
  const exact = weights.map((w) => (total > 0 ? (w / total) * n : 0));
  const counts = exact.map((x, i) => (weights[i]! > 0 ? Math.max(1, Math.floor(x)) : 0));
  let left = n - counts.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; left > 0 && k < byRemainder.length; k++) {
    const i = byRemainder[k]![1];
    if (weights[i]! > 0) {
      counts[i]!++;
      left--;
    }
  }
  // The at-least-one rule can overshoot: take back from the largest classes.
  while (left < 0) {
    let big = 0;
    for (let i = 1; i < counts.length; i++) if (counts[i]! > counts[big]!) big = i;
    counts[big]!--;
    left++;
  }
  return counts;
}

/** Class indices for one pass, in seeded random order. */
export function proportionalPass(weights: readonly number[], slots: number, rng: Rng): number[] {
  const counts = allocate(weights, slots);
  const out: number[] = [];
  counts.forEach((c, i) => {
    for (let k = 0; k < c; k++) out.push(i);
  });
  return shuffle(out, rng);
}
