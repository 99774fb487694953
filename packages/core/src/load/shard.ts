// Splitting one run into N shards (worker threads of one process, or processes on N machines) so that the
// shards together are exactly the single run: global request index i belongs to shard i mod N. For an open
// loop, index i is the i-th send time of the ONE precomputed schedule (same seed), so the union of the
// shards' send times is the single-worker schedule; the workload stream is split the same way (request i
// goes with send time i), so the union of requests is the single run's too. A closed loop splits its users
// (c/N, remainders to the first shards) and its request budget.
import { z } from 'zod';
import type { LoadSpec } from './load-spec.ts';
import { openLoopTimes, type Phase } from './schedule.ts';
import { RoutebenchError } from '../errors.ts';

export const ShardSchema = z
  .strictObject({
    /** This shard's index, 0-based. */
    index: z.number().int().nonnegative(),
    /** How many shards the run is split into. */
    count: z.number().int().positive(),
  })
  .refine((s) => s.index < s.count, { message: 'shard index must be below the shard count', path: ['index'] });
export type Shard = z.infer<typeof ShardSchema>;

/** The whole run: one shard of one. */
export const WHOLE_RUN: Shard = Object.freeze({ index: 0, count: 1 });

/** Parse `i/N` (the CLI's --shard and the Kubernetes Job's `$(JOB_COMPLETION_INDEX)/N`). */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new RoutebenchError('RB_CONFIG_INVALID', `invalid shard "${text}": expected i/N, e.g. 0/4 (shard i of N, 0 <= i < N)`);
  const r = ShardSchema.safeParse({ index: Number(m[1]), count: Number(m[2]) });
  if (!r.success) throw new RoutebenchError('RB_CONFIG_INVALID', `invalid shard "${text}": ${r.error.issues.map((i) => `${i.path.join('.') || 'shard'}: ${i.message}`).join('; ')}`);
  return r.data;
}

/** This shard's part of `total` things dealt round-robin (floor(total/N), one more for the first total mod N shards). */
export function shareOf(total: number, shard: Shard): number {
  return Math.floor(total / shard.count) + (shard.index < total % shard.count ? 1 : 0);
}

/** How many integers i in [from, to) have i ≡ shard.index (mod shard.count). */
export function countInShard(from: number, to: number, shard: Shard): number {
  const below = (x: number) => (x <= shard.index ? 0 : Math.floor((x - 1 - shard.index) / shard.count) + 1);
  return to <= from ? 0 : below(to) - below(from);
}

/** Every item whose stream index is ≡ shard.index (mod shard.count), lazily (a shard regenerates the same stream and keeps its part). */
export function* takeShard<T>(items: Iterable<T>, shard: Shard): Generator<T> {
  let i = 0;
  for (const item of items) {
    if (i++ % shard.count === shard.index) yield item;
  }
}

export async function* takeShardAsync<T>(items: AsyncIterable<T>, shard: Shard): AsyncGenerator<T> {
  let i = 0;
  for await (const item of items) {
    if (i++ % shard.count === shard.index) yield item;
  }
}

/** The phases as this shard runs them: closed-loop users split c/N (remainders to the first shards); rates stay (the schedule is filtered instead). */
export function shardPhases(phases: readonly Phase[], shard: Shard): Phase[] {
  return phases.map((p) => (p.concurrency === undefined || shard.count === 1 ? { ...p } : { ...p, concurrency: shareOf(p.concurrency, shard) }));
}

/**
 * Send times of the whole run's open-loop schedule with their global index (counted across every open-loop
 * phase), lazily. A shard walks all of them and sends those with index ≡ its own, so no shard needs the others.
 */
export function* globalOpenLoopTimes(phases: readonly Phase[], seed: number): Generator<{ index: number; t: number; phase: Phase }> {
  let index = 0;
  for (const phase of phases) {
    if (phase.type === 'concurrency') continue;
    for (const t of openLoopTimes(phase, seed)) yield { index: index++, t, phase };
  }
}

/**
 * Measured requests this shard may send when the load caps them (`load.requests`), so that the shards' quotas add
 * up to the cap and cover the same global indices a single run sends. Warm-up requests form a prefix of the
 * global index range (the first warmupRequests, and — for an open loop — every send time before warmupS), so a
 * single run's measured requests are the indices [w, w + requests); this shard's quota is how many of them are its.
 * A closed loop with a time-based warm-up has no fixed prefix; there the quotas still add up to `requests`.
 */
export function measuredQuota(load: LoadSpec, phases: readonly Phase[], seed: number, shard: Shard): number {
  if (load.requests === undefined) return Number.POSITIVE_INFINITY;
  if (shard.count === 1) return load.requests;
  let warm = load.warmupRequests;
  const openOnly = phases.every((p) => p.type !== 'concurrency');
  if (openOnly && load.warmupS > 0) {
    let beforeWarmupEnd = 0;
    for (const { t } of globalOpenLoopTimes(phases, seed)) {
      if (t >= load.warmupS * 1000) break;
      beforeWarmupEnd++;
    }
    warm = Math.max(warm, beforeWarmupEnd);
  }
  return countInShard(warm, warm + load.requests, shard);
}
