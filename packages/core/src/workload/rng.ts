// Seeded pseudo-random numbers, shared by workloads, load shapes and the simulator so that one seed
// reproduces one run. mulberry32: tiny, fast, good enough for workload shuffles and jitter.

export type Rng = () => number;

/** A PRNG returning floats in [0, 1), fully determined by `seed` (any 32-bit integer or string). */
export function createRng(seed: number | string): Rng {
  let a = typeof seed === 'string' ? hashSeed(seed) : seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hashSeed(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Standard normal draw (Box–Muller). */
export function normal(rng: Rng, mean = 0, sd = 1): number {
  let u = 0;
  while (u === 0) u = rng();
  const v = rng();
  return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Exponential draw with the given mean (inter-arrival gaps of a Poisson process). */
export function exponential(rng: Rng, mean: number): number {
  let u = 0;
  while (u === 0) u = rng();
  return -Math.log(u) * mean;
}

/** Fisher–Yates shuffle in place, seeded. */
export function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
