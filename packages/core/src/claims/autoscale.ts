// autoscale: under queueing the pool scales out, and when the load falls it scales back in without failing
// requests. From the EPP's inference_pool_ready_pods gauge series (start, peak, end of the window) and the
// summary's errors in the drain stage (the last load stage unless set).
// Judged on a timescale: how long the autoscaler may take to scale out and back. On a real target that is
// Kubernetes' HPA defaults (scale-down waits a 300 s stabilization window, new vLLM pods take minutes), on
// the simulator the preset's own timings (the runner puts them in RunEvidence.autoscaleTimescale). A run
// too short for that timescale is Inconclusive for the part it could not show, never a Fail.
// Judged on the whole timeline, not only start/peak/end: a pool that scales 1→4→1→4→1 under one rise and
// fall of the load is flapping (each scale-in under steady load costs a cold pod start on the way back).
// The load is cut into phases — one rise and fall of the offered load each (a staged load's stages,
// grouped where the level climbs again after falling; an unstaged load is one phase) — and the number of
// scale-up→scale-down reversals per phase is capped by maxCyclesPerPhase.
import { z } from 'zod';
import { CANONICAL_METRICS as METRIC } from '../evidence/metric-names.ts';
import { hpaDefaultTimescale, type AutoscaleTimescale } from '../upstream/autoscale.ts';
import { count, inconclusive, share, type ClaimOutcome } from './claim-outcome.ts';
import { decideShare, formatConfidence } from './confidence.ts';
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
  /**
   * The drain rule ("no request fails while pods go away") is an every-request rule: one failure beyond
   * maxFailedShare decides Fail, but a Pass needs the drain stage's success share to clear
   * min(1 − maxFailedShare, minProvenShare) at the confidence level (Wilson). With no failure at all that
   * takes 35 drain requests at 90%; fewer leave the drain part Inconclusive, never Pass.
   */
  minProvenShare: share().default(0.9),
  /** Load stage index of the drain (scale-down) phase; default: the last stage that ran. */
  drainStage: count().optional(),
  minPoints: count().min(2).default(3),
  /**
   * How long scaling may take. 'target': the simulator's declared timescale on a sim run, Kubernetes HPA
   * defaults otherwise; 'hpa-defaults': always those; or explicit seconds.
   */
  timescale: z
    .union([
      z.literal('target'),
      z.literal('hpa-defaults'),
      z.strictObject({ scaleUpWithinS: z.number().nonnegative(), scaleDownWithinS: z.number().nonnegative() }),
    ])
    .default('target'),
  /** With HPA defaults: seconds for a new model-server pod to become ready (default: an assumed 300 s). */
  podStartS: z.number().positive().optional(),
  /** With HPA defaults: seconds from the EPP gauge to the HPA (Prometheus scrape + adapter), default 0. */
  metricsLagS: z.number().nonnegative().optional(),
  /** Most scale-up→scale-down cycles allowed per load phase (one rise and fall of the load): more is flapping. */
  maxCyclesPerPhase: count().default(1),
});
export type AutoscaleThresholds = z.infer<typeof AutoscaleThresholdsSchema>;

export function evaluateAutoscale(ctx: ClaimContext, t: AutoscaleThresholds): ClaimOutcome {
  const run = ctx.main;
  const epps = eppTargets(run);
  const series = epps.flatMap((e) => gaugesOf(e, METRIC.eppReadyPods));
  if (series.length === 0) return inconclusive(epps.length === 0 ? 'the EPP was not scraped (inference_pool_ready_pods needed)' : 'the EPP exposed no inference_pool_ready_pods gauge');
  const sources = [`metrics:${METRIC.eppReadyPods}`];
  // One pool is expected; with several, sum them per scrape time. Within one series two samples can share a
  // millisecond (the last periodic scrape and the final one at stop): the later wins, never a sum.
  const byTime = new Map<number, number>();
  for (const s of series) {
    const own = new Map<number, number>();
    for (const [tm, v] of s.points) if (v !== null) own.set(tm, v);
    for (const [tm, v] of own) byTime.set(tm, (byTime.get(tm) ?? 0) + v);
  }
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

  const timescale = timescaleOf(ctx, t);
  const spans = loadSpans(run, drainStage, points, peak > start ? peakAt : undefined);
  const trajectory = compressTrajectory(points.map((p) => p[1]));
  const phases = flapping(run, points);
  const cycles = phases.map((p) => p.cycles);
  const turns = phases.reduce((a, p) => a + p.directionChanges, 0);
  const flapText = `cycles per load phase ${cycles.join('/')} (max ${t.maxCyclesPerPhase}; ${turns} direction change${turns === 1 ? '' : 's'})`;
  const head = `ready pods ${trajectory} (start ${num(start)}, peak ${num(peak)}, end ${num(end)}); ${flapText}; drain stage ${drainStage}: ${drain.errors}/${drain.count} requests failed`;
  const scaleText = `timescale: ${timescale.source}, scale-up within ${num(timescale.scaleUpWithinS, 2)} s, scale-down within ${num(timescale.scaleDownWithinS, 2)} s`;
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
    timescale,
    loadBeforeDrainS: round(spans.beforeDrainS, 1),
    drainS: round(spans.drainS, 1),
    drainSpanFrom: spans.from,
    maxCyclesPerPhase: t.maxCyclesPerPhase,
    directionChanges: turns,
    cyclesPerPhase: cycles,
    phases,
  };
  const failures: string[] = [];
  // Shortfalls the run was too short to show: a real HPA could still be on its way.
  const tooShort: string[] = [];
  const scaleUpFailures: string[] = [];
  if (peak < t.minReplicas || peak <= start) scaleUpFailures.push(`never scaled out to ${t.minReplicas}`);
  if (t.maxReplicas !== undefined && peak < t.maxReplicas) scaleUpFailures.push(`peak below the target ${t.maxReplicas}`);
  if (scaleUpFailures.length > 0) {
    if (spans.beforeDrainS < timescale.scaleUpWithinS)
      tooShort.push(`${scaleUpFailures.join('; ')}, but the load before the drain lasted ${num(spans.beforeDrainS, 1)} s, less than the ${num(timescale.scaleUpWithinS, 2)} s a scale-out may take`);
    else failures.push(...scaleUpFailures);
  }
  if (end > scaleDownTo) {
    if (spans.drainS < timescale.scaleDownWithinS)
      tooShort.push(`did not scale back to ${scaleDownTo}, but the drain ${spans.from === 'load' ? 'stage lasted' : 'was observed for'} ${num(spans.drainS, 1)} s, less than the ${num(timescale.scaleDownWithinS, 2)} s a scale-down may take`);
    else failures.push(`did not scale back to ${scaleDownTo}`);
  }
  const flappy = phases.filter((p) => p.cycles > t.maxCyclesPerPhase);
  // Flapping seen is a fact whatever the timescale: a slower autoscaler could only flap less.
  if (flappy.length > 0)
    failures.push(
      `flapping: ${flappy.map((p) => `load phase ${p.phase + 1} (${p.stages ? `stages ${p.stages[0]}–${p.stages[1]}` : 'whole run'}) scaled ${p.trajectory}, ${p.cycles} scale-up/down cycles, ${p.directionChanges} direction changes`).join('; ')}; max ${t.maxCyclesPerPhase} cycle(s) per phase`,
    );
  if (failedShare > t.maxFailedShare) failures.push(`${pct(failedShare)} of drain-stage requests failed (max ${pct(t.maxFailedShare)})`);
  // The timeline is one observation (its run-to-run stability is what --repeat measures); the drain rule is
  // a share of requests, so it carries an interval.
  const bar = Math.min(1 - t.maxFailedShare, t.minProvenShare);
  const drainTest = decideShare(drain.count - drain.errors, drain.count, bar, { test: `drain-stage requests succeeded ≥ ${pct(bar)}` });
  const confidence = [drainTest];
  const ci = `drain succeeded ≥ ${pct(bar)}: ${formatConfidence(drainTest)}`;
  if (failures.length > 0) return { status: 'Fail', details: `${head} (${failures.join('; ')}); ${scaleText}; ${ci}`, sources, evidence, confidence };
  if (tooShort.length > 0) return { ...inconclusive(`${head}: ${tooShort.join('; ')}; lengthen the run or set the claim's timescale. ${scaleText}; ${ci}`, sources, evidence), confidence };
  if (drainTest.status !== 'Pass')
    return {
      ...inconclusive(`${head}: too few drain-stage requests to show ≥ ${pct(bar)} succeed while pods go away at ${pct(drainTest.interval.level)}; ${scaleText}; ${ci}`, sources, evidence),
      confidence,
    };
  return { status: 'Pass', details: `scales ${num(start)} to ${num(peak)} pods, drains cleanly on scale-down: ${head}; ${scaleText}; ${ci}`, sources, evidence, confidence };
}

function timescaleOf(ctx: ClaimContext, t: AutoscaleThresholds): AutoscaleTimescale {
  if (typeof t.timescale === 'object') return { source: 'the claim thresholds', ...t.timescale };
  const declared = ctx.main.autoscaleTimescale;
  if (t.timescale === 'target' && declared) return declared;
  return hpaDefaultTimescale({ ...(t.podStartS !== undefined && { podStartS: t.podStartS }), ...(t.metricsLagS !== undefined && { metricsLagS: t.metricsLagS }) });
}

/**
 * Seconds of load before the drain stage and of the drain stage itself, from the load spec's stage
 * durations when the run was staged; otherwise from the ready-pods samples (first sample to the peak,
 * peak to the last sample), which can only overstate the time the autoscaler had.
 */
function loadSpans(run: ClaimContext['main'], drainStage: number, points: [number, number][], peakAt: number | undefined): { beforeDrainS: number; drainS: number; from: 'load' | 'samples' } {
  const stages = run.summary.meta.load?.type === 'stages' ? run.summary.meta.load.stages : undefined;
  if (stages && stages[drainStage]) {
    return { beforeDrainS: stages.slice(0, drainStage).reduce((a, s) => a + s.durationS, 0), drainS: stages[drainStage].durationS, from: 'load' };
  }
  const first = points[0][0];
  const last = points[points.length - 1][0];
  // Never scaled out: the whole observed window was time it had to; otherwise up to the peak, then the drain.
  if (peakAt === undefined) return { beforeDrainS: (last - first) / 1000, drainS: (last - first) / 1000, from: 'samples' };
  return { beforeDrainS: (peakAt - first) / 1000, drainS: (last - peakAt) / 1000, from: 'samples' };
}

export interface LoadPhase {
  /** 0-based. */
  phase: number;
  /** First and last stage index of the phase; null for an unstaged load (one phase). */
  stages: [number, number] | null;
  /** Seconds from the load start; the first phase reaches back and the last forward to every sample. */
  fromS: number;
  toS: number | null;
  trajectory: string;
  /** Times the ready-pod count turned (up→down or down→up) within the phase. */
  directionChanges: number;
  /** Up→down turns: one is the expected scale out and back in; more is flapping. */
  cycles: number;
}

/**
 * Load phases (one rise and fall of the offered load each) and the scale-direction turns in each. A turn
 * belongs to the phase in which the sample showing the new direction fell, so a scale-in that lags into
 * the next phase is charged there, never lost.
 */
export function flapping(run: ClaimContext['main'], points: [number, number][]): LoadPhase[] {
  const load = run.summary.meta.load;
  const stages = load?.type === 'stages' ? load.stages : undefined;
  const windows: Array<{ stages: [number, number] | null; fromS: number; toS: number | null }> = [];
  if (!stages || stages.length === 0) windows.push({ stages: null, fromS: 0, toS: null });
  else {
    const level = (i: number) => stages[i].concurrency ?? stages[i].rate ?? 0;
    let first = 0;
    let fell = false;
    let at = 0;
    let from = 0;
    for (let i = 1; i <= stages.length; i++) {
      at += stages[i - 1].durationS;
      if (i < stages.length && level(i) < level(i - 1)) fell = true;
      if (i === stages.length || (fell && level(i) > level(i - 1))) {
        windows.push({ stages: [first, i - 1], fromS: from, toS: i === stages.length ? null : at });
        first = i;
        from = at;
        fell = false;
      }
    }
  }
  // Collector clock → seconds from the load start (the collector starts just before the load).
  const m = run.metrics;
  const loadStart = Date.parse(run.summary.meta.startedAt);
  const toLoadS = (tm: number) => (m && Number.isFinite(loadStart) ? (m.startedAtEpochMs + (tm - m.window.startMs) - loadStart) / 1000 : 0);
  const phaseOf = (s: number) => {
    const i = windows.findIndex((w) => w.toS === null || s < w.toS);
    return i === -1 ? windows.length - 1 : i;
  };
  const out = windows.map((w, i) => ({ phase: i, ...w, values: [] as number[], directionChanges: 0, cycles: 0 }));
  let dir = 0;
  let prev: number | undefined;
  for (const [tm, v] of points) {
    const p = out[phaseOf(toLoadS(tm))];
    if (p.values.length === 0 && prev !== undefined) p.values.push(prev);
    p.values.push(v);
    if (prev !== undefined && v !== prev) {
      const d = Math.sign(v - prev);
      if (dir !== 0 && d !== dir) {
        p.directionChanges++;
        if (d < 0) p.cycles++;
      }
      dir = d;
    }
    prev = v;
  }
  return out.map(({ values, ...p }) => ({ ...p, fromS: Math.round(p.fromS * 10) / 10, toS: p.toS === null ? null : Math.round(p.toS * 10) / 10, trajectory: compressTrajectory(values) || '(no sample)' }));
}

/** 1,1,2,2,4,4,1 → "1→2→4→1". */
function compressTrajectory(values: number[]): string {
  const out: number[] = [];
  for (const v of values) if (out[out.length - 1] !== v) out.push(v);
  return out.join('→');
}
