// Counter and histogram arithmetic over a window of scrapes.

/** Running increase of one counter series across successive observations, restart-aware. */
export interface CounterTrack {
  first: number;
  last: number;
  delta: number;
  resets: number;
}

/**
 * Feed the next observation. A value lower than the previous one means the process restarted and the
 * counter began again from 0, so the increase for that step is the new value itself. A series first
 * seen after the window began started at 0 in between (prometheus_client creates labelled children
 * lazily), so `startsAtZero` counts its whole value.
 */
export function observeCounter(track: CounterTrack | undefined, value: number, startsAtZero: boolean): CounterTrack {
  if (!Number.isFinite(value)) return track ?? { first: NaN, last: NaN, delta: 0, resets: 0 };
  if (!track || !Number.isFinite(track.last)) {
    return { first: value, last: value, delta: startsAtZero ? value : 0, resets: 0 };
  }
  if (value < track.last) return { ...track, last: value, delta: track.delta + value, resets: track.resets + 1 };
  return { ...track, last: value, delta: track.delta + (value - track.last) };
}

/** Cumulative buckets (ascending `le`, last = +Inf) → value at quantile q, like PromQL histogram_quantile. */
export function histogramQuantile(q: number, buckets: ReadonlyArray<{ le: number; count: number }>): number | null {
  if (buckets.length === 0) return null;
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted[sorted.length - 1].count;
  if (!(total > 0)) return null;
  if (sorted[sorted.length - 1].le !== Infinity) return null; // no +Inf bucket: not a valid histogram
  const rank = q * total;
  let i = sorted.findIndex((b) => b.count >= rank);
  if (i < 0) i = sorted.length - 1;
  // Rank lands in +Inf bucket: answer the highest finite bound (PromQL does the same).
  if (sorted[i].le === Infinity) return sorted.length >= 2 ? sorted[sorted.length - 2].le : null;
  const upper = sorted[i].le;
  const lower = i === 0 ? (upper > 0 ? 0 : upper) : sorted[i - 1].le;
  const countBelow = i === 0 ? 0 : sorted[i - 1].count;
  const inBucket = sorted[i].count - countBelow;
  if (inBucket <= 0) return upper;
  return lower + (upper - lower) * ((rank - countBelow) / inBucket);
}
