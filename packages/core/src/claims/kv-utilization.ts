// kv-utilization: the kv-cache-utilization scorer steers new work to the pod with emptier KV memory, so KV
// usage stays level across pods while the load runs. Measured from the pods' vllm:kv_cache_usage_perc
// gauge series: at every scrape round where the pods hold real load (mean usage ≥ minMeanUsage), the
// relative spread (max − min) / mean across pods; the claim holds when the mean spread over those rounds is
// at most maxImbalance and, when a random-picker control ran, clearly below the control's spread (a random
// picker also balances KV on average over a run, so only the moment-to-moment spread separates them).
// Confidence: per-decision tests (scores, picks) are Wilson intervals on the share of decisive requests sent
// to the preferred/emptier pod against minLowKvPickShare, and Newcombe intervals of main − control against
// pickMarginOverControl. The spread test is a sign (median) test: Wilson on the share of loaded scrape rounds
// whose spread is within maxImbalance against 50%, and Newcombe on that share, main − control, against
// minImprovementOverControl. Consecutive rounds are correlated, so these intervals are too narrow: that is
// one more reason the per-decision EPP scores are judged first.
import { z } from 'zod';
import { CANONICAL_METRICS as METRIC } from '../evidence/metric-names.ts';
import { count, inconclusive, share, type ClaimOutcome } from './claim-outcome.ts';
import type { ClaimContext, RunEvidence } from './context.ts';
import { gaugesOf, podTargets, untrustedTargets } from './evidence-read.ts';
import { num, pct, round } from './format.ts';
import { readScorerPicks, type ScorerPicks } from './scorer-picks.ts';
import { decideLift, decideShare, settleTests, type LabelledTest } from './confidence.ts';

export const KvUtilizationThresholdsSchema = z.strictObject({
  /** Largest acceptable mean of (max − min) / mean KV usage across pods over loaded scrape rounds. */
  maxImbalance: z.number({ error: 'expected a non-negative number' }).nonnegative().default(0.5),
  /** Scrape rounds with lower mean KV usage are idle and not judged. */
  minMeanUsage: share().default(0.02),
  minSamples: count().min(1).default(5),
  /** With a control: main spread must be at most (1 − this) × the control's spread. */
  minImprovementOverControl: share().default(0.2),
  control: z.string().min(1).optional(),
  /** Decision-time test (needs records): share of requests sent to the pod with the lowest KV usage at send time. */
  minLowKvPickShare: share().default(0.6),
  /** …and its lead over the control's share. */
  pickMarginOverControl: share().default(0.1),
  /** KV usages closer than this count as a tie (no preference to judge). */
  tieEpsilon: share().default(0.02),
  minDecisions: count().min(1).default(10),
  /**
   * 'auto' (default): the EPP's own per-request kv-cache-utilization scores when its debug log has them
   * ('scores'), else the KV spread. 'spread': KV spread across pods vs the control; 'picks': decision-time
   * picks against scraped KV gauges (needs records); 'scores': EPP log only.
   */
  judgeOn: z.enum(['auto', 'scores', 'spread', 'picks']).default('auto'),
});
export type KvUtilizationThresholds = z.infer<typeof KvUtilizationThresholdsSchema>;

export const DEFAULT_KV_CONTROL = 'random-picker';

export interface KvSpread {
  imbalance: number;
  /** (max − min) / mean per loaded scrape round. */
  spreads: number[];
  samples: number;
  meanUsage: Record<string, number>;
  peakUsage: Record<string, number>;
}

export function measureKvSpread(run: RunEvidence, minMeanUsage: number, minSamples: number): KvSpread | { problem: string } {
  const pods = podTargets(run, ['both', 'decode']);
  if (pods.length === 0) return { problem: 'no pod metrics scraped' };
  const missing = pods.filter((t) => gaugesOf(t, METRIC.kvUsage).length === 0);
  if (missing.length > 0) return { problem: `no vllm:kv_cache_usage_perc gauge from ${missing.map((t) => t.name).join(', ')}` };
  if (pods.length < 2) return { problem: 'only one pod scraped; KV balance needs at least two' };
  const untrusted = untrustedTargets(run, pods);
  if (untrusted) return { problem: untrusted };
  const series = pods.map((t) => ({
    name: t.name,
    points: gaugesOf(t, METRIC.kvUsage)
      .flatMap((g) => g.points)
      .filter((p): p is [number, number] => p[1] !== null)
      .sort((a, b) => a[0] - b[0]),
  }));
  const slack = (run.metrics?.intervalMs ?? 1000) / 2;
  // Value of a series at time t: its latest point no later than t + slack (scrapes of one round are close).
  const at = (pts: [number, number][], t: number): number | null => {
    let v: number | null = null;
    for (const [pt, pv] of pts) {
      if (pt > t + slack) break;
      v = pv;
    }
    return v;
  };
  const spreads: number[] = [];
  const sums = new Map<string, number>();
  const peaks = new Map<string, number>();
  for (const [t] of series[0].points) {
    const vals = series.map((s) => at(s.points, t));
    if (vals.some((v) => v === null)) continue;
    const vs = vals as number[];
    const mean = vs.reduce((a, b) => a + b, 0) / vs.length;
    if (mean < minMeanUsage) continue;
    spreads.push((Math.max(...vs) - Math.min(...vs)) / mean);
    series.forEach((s, i) => {
      sums.set(s.name, (sums.get(s.name) ?? 0) + vs[i]);
      peaks.set(s.name, Math.max(peaks.get(s.name) ?? 0, vs[i]));
    });
  }
  if (spreads.length < minSamples)
    return { problem: `only ${spreads.length} scrape round(s) with KV usage ≥ ${pct(minMeanUsage)} (need ${minSamples}); the load did not fill KV memory` };
  return {
    imbalance: spreads.reduce((a, b) => a + b, 0) / spreads.length,
    spreads,
    samples: spreads.length,
    meanUsage: Object.fromEntries(series.map((s) => [s.name, round((sums.get(s.name) ?? 0) / spreads.length) ?? 0])),
    peakUsage: Object.fromEntries(series.map((s) => [s.name, round(peaks.get(s.name) ?? 0) ?? 0])),
  };
}

export interface KvPicks {
  decisive: number;
  towardLow: number;
  share: number;
}

/**
 * For each request, the pods' KV usage at the last scrape before it was sent (records' run clock mapped to
 * the collector's epoch clock through summary.meta.startedAt); a request counts when the pods differ by more
 * than tieEpsilon, and goes "toward low" when it landed on the lowest-usage pod. A random picker scores 1/k.
 */
export function measureKvPicks(run: RunEvidence, tieEpsilon: number): KvPicks | null {
  if (!run.records || !run.metrics) return null;
  const pods = podTargets(run, ['both', 'decode']);
  if (pods.length < 2) return null;
  const series = new Map(
    pods.map((t) => [
      t.name,
      gaugesOf(t, METRIC.kvUsage)
        .flatMap((g) => g.points)
        .filter((p): p is [number, number] => p[1] !== null)
        .sort((a, b) => a[0] - b[0]),
    ]),
  );
  const runStartEpoch = Date.parse(run.summary.meta.startedAt);
  // The collector's clock is epoch ms unless the runner handed it the run clock.
  const epochClock = Math.abs(run.metrics.window.startMs - run.metrics.startedAtEpochMs) < 86_400_000;
  const toEvidenceClock = (sentMs: number) => (epochClock ? runStartEpoch + sentMs : sentMs);
  const latest = (pts: [number, number][], t: number): number | null => {
    let v: number | null = null;
    for (const [pt, pv] of pts) {
      if (pt > t) break;
      v = pv;
    }
    return v;
  };
  let decisive = 0;
  let towardLow = 0;
  for (const r of run.records) {
    if (r.phase !== 'measure' || !r.pod || !series.has(r.pod)) continue;
    const t = toEvidenceClock(r.times.sent);
    const vals = [...series].map(([name, pts]) => [name, latest(pts, t)] as const);
    if (vals.some(([, v]) => v === null)) continue;
    const nums = vals.map(([, v]) => v as number);
    const min = Math.min(...nums);
    if (Math.max(...nums) - min <= tieEpsilon) continue;
    decisive++;
    if ((vals.find(([n]) => n === r.pod)![1] as number) === min) towardLow++;
  }
  return decisive > 0 ? { decisive, towardLow, share: towardLow / decisive } : null;
}

const KV_SCORER = 'kv-cache-utilization-scorer';

/** Per-decision share vs the bar, and its lead over the control's share when the control has enough decisions. */
function pickTests(t: KvUtilizationThresholds, k: number, n: number, control: { k: number; n: number } | null, what: string): LabelledTest[] {
  const tests: LabelledTest[] = [
    { label: `${what} ≥ ${pct(t.minLowKvPickShare)}`, failText: `below ${pct(t.minLowKvPickShare)}`, c: decideShare(k, n, t.minLowKvPickShare, { test: `${what} ≥ ${pct(t.minLowKvPickShare)}` }) },
  ];
  if (control && control.n >= t.minDecisions)
    tests.push({
      label: `lead over control ≥ +${pct(t.pickMarginOverControl)}`,
      failText: `not ${pct(t.pickMarginOverControl)} above the control`,
      c: decideLift(k, n, control.k, control.n, t.pickMarginOverControl, { test: `${what} − control ≥ ${pct(t.pickMarginOverControl)}` }),
    });
  return tests;
}

function outcomeOf(tests: LabelledTest[], passPrefix: string, line: string, sources: string[], evidence: Record<string, unknown>): ClaimOutcome {
  const r = settleTests(tests);
  const level = pct(r.confidence[0].interval.level);
  if (r.status === 'Fail') return { status: 'Fail', details: `${line} (${r.failures.join('; ')}); ${r.ci}`, sources, evidence, confidence: r.confidence };
  if (r.status === 'Inconclusive')
    return { status: 'Inconclusive', details: `${line}; too few to decide ${r.open.join(', ')} at ${level}: ${r.ci}`, sources, evidence, confidence: r.confidence };
  return { status: 'Pass', details: `${passPrefix}${line}; ${r.ci}`, sources, evidence, confidence: r.confidence };
}

/**
 * Judged on the EPP's debug log: among requests where the kv-cache-utilization scorer preferred one pod
 * (scores differ), the share sent to the pod it preferred — vs the control run (a random picker ignores
 * the scores: ~1/pods). The seed's "weighted scorer influences pod selection", measured per decision.
 */
function evaluateOnScores(ctx: ClaimContext, t: KvUtilizationThresholds, main: ScorerPicks, controlName: string): ClaimOutcome {
  const control = ctx.controls[controlName];
  const controlPicks = control ? readScorerPicks(control.eppLog, KV_SCORER, t.tieEpsilon) : null;
  const sources = ['epp-log:Calculated score'];
  if (controlPicks) sources.push(`control:${controlName}`);
  const evidence = {
    judgedOn: 'EPP kv-cache-utilization scores per request',
    decisive: main.decisive,
    towardLowKv: main.towardMax,
    share: round(main.share),
    control: controlPicks ? { ...controlPicks, share: round(controlPicks.share) } : null,
  };
  const text = `${pct(main.share)} of ${main.decisive} requests where the KV scorer preferred a pod went to that pod${controlPicks && controlPicks.decisive > 0 ? ` (control '${controlName}' ${pct(controlPicks.share)})` : ''}`;
  const tests = pickTests(t, main.towardMax, main.decisive, controlPicks ? { k: controlPicks.towardMax, n: controlPicks.decisive } : null, 'share on the KV-preferred pod');
  return outcomeOf(tests, 'weighted scorer influences pod selection: ', text, sources, evidence);
}

export function evaluateKvUtilization(ctx: ClaimContext, t: KvUtilizationThresholds): ClaimOutcome {
  const controlForScores = t.control ?? DEFAULT_KV_CONTROL;
  if (t.control && !ctx.controls[t.control]) return inconclusive(`control run '${t.control}' is required but missing`, ['epp-log:Calculated score']);
  if (t.judgeOn === 'scores' || t.judgeOn === 'auto') {
    const scored = readScorerPicks(ctx.main.eppLog, KV_SCORER, t.tieEpsilon);
    if (scored && scored.decisive >= t.minDecisions) return evaluateOnScores(ctx, t, scored, controlForScores);
    if (t.judgeOn === 'scores')
      return inconclusive(
        scored ? `only ${scored.decisive} requests with differing KV scores in the EPP log (need ${t.minDecisions})` : 'no kv-cache-utilization-scorer scores in the EPP log (needs the EPP debug log)',
        ['epp-log:Calculated score'],
      );
  }
  const m = measureKvSpread(ctx.main, t.minMeanUsage, t.minSamples);
  if ('problem' in m) return inconclusive(m.problem);
  const sources = [`metrics:${METRIC.kvUsage}`];
  const controlName = t.control ?? DEFAULT_KV_CONTROL;
  const control = ctx.controls[controlName];
  if (t.control && !control) return inconclusive(`control run '${t.control}' is required but missing`, sources);
  let controlSpread: number | null = null;
  let controlMeasure: KvSpread | null = null;
  let controlNote = '';
  if (control) {
    const c = measureKvSpread(control, t.minMeanUsage, t.minSamples);
    if ('problem' in c) controlNote = `; control '${controlName}' unusable (${c.problem})`;
    else {
      controlMeasure = c;
      controlSpread = c.imbalance;
      controlNote = `; control '${controlName}' ${pct(c.imbalance)}`;
      sources.push(`control:${controlName}`);
    }
  }
  const picks = measureKvPicks(ctx.main, t.tieEpsilon);
  const controlPicks = control ? measureKvPicks(control, t.tieEpsilon) : null;
  // Decision-time picks are the direct test but only as sharp as the scrape interval: the EPP sees KV every
  // 50 ms, a 500 ms scrape blurs it. They decide only when explicitly asked for (judgeOn: 'picks').
  const usePicks = t.judgeOn === 'picks' && picks !== null && picks.decisive >= t.minDecisions;
  const usage = Object.entries(m.meanUsage)
    .map(([p, u]) => `${p} ${pct(u)}`)
    .join(', ');
  const head = `KV usage spread across pods ${pct(m.imbalance)} of the mean over ${m.samples} loaded scrapes (mean usage ${usage})${controlNote}`;
  const evidence = {
    imbalance: round(m.imbalance),
    samples: m.samples,
    meanUsage: m.meanUsage,
    peakUsage: m.peakUsage,
    controlImbalance: round(controlSpread),
    lowKvPicks: picks ? { ...picks, share: round(picks.share) } : null,
    controlLowKvPicks: controlPicks ? { ...controlPicks, share: round(controlPicks.share) } : null,
    judgedOn: usePicks ? 'decision-time picks' : 'KV spread',
  };
  if (usePicks) {
    // Direct evidence that KV usage influences pod selection: judged on picks; the spread is context.
    sources.push('records:pod+sent');
    const pickText = `${pct(picks.share)} of ${picks.decisive} requests sent while pods' KV differed went to the lowest-KV pod${controlPicks ? ` (control ${pct(controlPicks.share)})` : ''}`;
    const line = `${pickText}; ${head}`;
    const tests = pickTests(t, picks.towardLow, picks.decisive, controlPicks ? { k: controlPicks.towardLow, n: controlPicks.decisive } : null, 'share on the lowest-KV pod');
    return outcomeOf(tests, 'weighted scorer influences pod selection: ', line, sources, evidence);
  }
  if (t.judgeOn === 'picks') return inconclusive(`fewer than ${t.minDecisions} requests could be placed against KV samples (records and KV gauges needed); ${head}`, sources, evidence);
  const within = (sp: number[]) => sp.filter((x) => x <= t.maxImbalance).length;
  const tests: LabelledTest[] = [
    {
      label: `rounds within ${pct(t.maxImbalance)} ≥ 50%`,
      failText: `above ${pct(t.maxImbalance)}`,
      c: decideShare(within(m.spreads), m.samples, 0.5, { test: `loaded scrape rounds with KV spread ≤ ${pct(t.maxImbalance)} ≥ 50% (median test)` }),
    },
  ];
  if (controlMeasure)
    tests.push({
      label: `lead over control ≥ +${pct(t.minImprovementOverControl)}`,
      failText: `not ${pct(t.minImprovementOverControl)} more balanced rounds than the control's (spread ${num(controlMeasure.imbalance, 2)})`,
      c: decideLift(within(m.spreads), m.samples, within(controlMeasure.spreads), controlMeasure.samples, t.minImprovementOverControl, {
        test: `rounds within ${pct(t.maxImbalance)}: main − control ≥ ${pct(t.minImprovementOverControl)}`,
      }),
    });
  const pickNote = picks ? `; ${pct(picks.share)} of ${picks.decisive} requests went to the lowest-KV pod at the last scrape${controlPicks ? ` (control ${pct(controlPicks.share)})` : ''}` : '';
  return outcomeOf(tests, 'weighted scorer keeps KV balanced: ', `${head}${pickNote}`, sources, evidence);
}
