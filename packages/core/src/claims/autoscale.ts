// autoscale: under queueing the pool scales out, and when the load falls it scales back in without failing
// requests. From the EPP's inference_pool_ready_pods gauge series (start, peak, end of the window) and the
// summary's errors in the drain stage (the last load stage unless set).
import { z } from 'zod';
import { CANONICAL_METRICS as METRIC } from '../evidence/metric-names.ts';
import { count, inconclusive, share, type ClaimOutcome } from './claim-outcome.ts';
import type { ClaimContext } from './context.ts';
import { eppTargets, gaugesOf } from './evidence-read.ts';
import { num, pct, round } from './format.ts';

export const AutoscaleThresholdsSchema = z.strictObject({
  /** The ready-pod count must reach at least this during the run (scale-out happened). */
  minReplicas: count().min(1).default(2),
  /** Target maximum: when set, the peak must reach it (the seed's "1 to 4"). */
  maxReplicas: count().min(1).optional(),
  /** The ready-pod count at the end must be at most this; default: the count at the start (scaled back in). */
  scaleDownTo: count().optional(),
  /** Largest share of failed requests allowed in the drain stage. */
  maxFailedShare: share().default(0),
  /** Load stage index of the drain (scale-down) phase; default: the last stage that ran. */
  drainStage: count().optional(),
  minPoints: count().min(2).default(3),
});
export type AutoscaleThresholds = z.infer<typeof AutoscaleThresholdsSchema>;

export function evaluateAutoscale(ctx: ClaimContext, t: AutoscaleThresholds): ClaimOutcome {
  const run = ctx.main;
  const epps = eppTargets(run);
  const series = epps.flatMap((e) => gaugesOf(e, METRIC.eppReadyPods));
  if (series.length === 0) return inconclusive(epps.length === 0 ? 'the EPP was not scraped (inference_pool_ready_pods needed)' : 'the EPP exposed no inference_pool_ready_pods gauge');
  const sources = [`metrics:${METRIC.eppReadyPods}`];
  // One pool is expected; with several, sum them per scrape time.
  const byTime = new Map<number, number>();
  for (const s of series) for (const [tm, v] of s.points) if (v !== null) byTime.set(tm, (byTime.get(tm) ?? 0) + v);
  const points = [...byTime.entries()].sort((a, b) => a[0] - b[0]);
  const failedScrapes = epps.reduce((a, e) => a + e.scrapesFailed, 0);
  if (points.length < t.minPoints) return inconclusive(`only ${points.length} ready-pod sample(s) (need ${t.minPoints})${failedScrapes ? `; ${failedScrapes} EPP scrapes failed` : ''}`, sources);
  const incomplete = epps.filter((e) => !e.complete);
  if (incomplete.length > 0) return inconclusive(`EPP scrape window incomplete (${incomplete.map((e) => e.name).join(', ')}): the end of the scale-down is not observed`, sources);

  const start = points[0][1];
  const end = points[points.length - 1][1];
  let peak = start;
  let peakAt = points[0][0];
  for (const [tm, v] of points)
    if (v > peak) {
      peak = v;
      peakAt = tm;
    }
  const scaleDownTo = t.scaleDownTo ?? start;

  const stages = Object.keys(run.summary.dimensions)
    .filter((k) => k.startsWith('stage:'))
    .map((k) => Number(k.slice(6)))
    .sort((a, b) => a - b);
  const drainStage = t.drainStage ?? stages[stages.length - 1];
  const drain = drainStage === undefined ? undefined : run.summary.dimensions[`stage:${drainStage}`];
  if (!drain || drain.count === 0) return inconclusive(`no request ran in the drain stage${drainStage === undefined ? '' : ` (stage ${drainStage})`}`, sources);
  sources.push(`summary:stage:${drainStage}`);
  const failedShare = drain.errors / drain.count;

  const trajectory = compressTrajectory(points.map((p) => p[1]));
  const head = `ready pods ${trajectory} (start ${num(start)}, peak ${num(peak)}, end ${num(end)}); drain stage ${drainStage}: ${drain.errors}/${drain.count} requests failed`;
  const evidence = {
    startReadyPods: start,
    peakReadyPods: peak,
    peakAtMs: round(peakAt, 0),
    endReadyPods: end,
    samples: points.length,
    trajectory,
    drainStage,
    drainRequests: drain.count,
    drainErrors: drain.errors,
    drainFailedShare: round(failedShare),
    overallErrors: run.summary.counts.error,
  };
  const failures: string[] = [];
  if (peak < t.minReplicas || peak <= start) failures.push(`never scaled out to ${t.minReplicas}`);
  if (t.maxReplicas !== undefined && peak < t.maxReplicas) failures.push(`peak below the target ${t.maxReplicas}`);
  if (end > scaleDownTo) failures.push(`did not scale back to ${scaleDownTo}`);
  if (failedShare > t.maxFailedShare) failures.push(`${pct(failedShare)} of drain-stage requests failed (max ${pct(t.maxFailedShare)})`);
  if (failures.length > 0) return { status: 'Fail', details: `${head} (${failures.join('; ')})`, sources, evidence };
  return { status: 'Pass', details: `scales ${num(start)} to ${num(peak)} pods, drains cleanly on scale-down: ${head}`, sources, evidence };
}

/** 1,1,2,2,4,4,1 → "1→2→4→1". */
function compressTrajectory(values: number[]): string {
  const out: number[] = [];
  for (const v of values) if (out[out.length - 1] !== v) out.push(v);
  return out.join('→');
}
