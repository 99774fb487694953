// kv-utilization: the kv-cache-utilization scorer steers new work to the pod with emptier KV memory, so KV
// usage stays level across pods while the load runs. Measured from the pods' vllm:kv_cache_usage_perc
// gauge series: at every scrape round where the pods hold real load (mean usage ≥ minMeanUsage), the
// relative spread (max − min) / mean across pods; the claim holds when the mean spread over those rounds is
// at most maxImbalance and, when a random-picker control ran, clearly below the control's spread (a random
// picker also balances KV on average over a run, so only the moment-to-moment spread separates them).
import { z } from 'zod';
import { M } from './metric-ids.ts';
import { count, inconclusive, share, type ClaimOutcome } from './claim-kit.ts';
import type { ClaimContext, RunEvidence } from './context.ts';
import { gaugesOf, podTargets, untrustedTargets } from './evidence-read.ts';
import { num, pct, round } from './format.ts';

export const KvUtilizationThresholdsSchema = z.strictObject({
  /** Largest acceptable mean of (max − min) / mean KV usage across pods over loaded scrape rounds. */
  maxImbalance: z.number({ error: 'expected a non-negative number' }).nonnegative().default(0.5),
  /** Scrape rounds with lower mean KV usage are idle and not judged. */
  minMeanUsage: share().default(0.02),
  minSamples: count().min(1).default(5),
  /** With a control: main spread must be at most (1 − this) × the control's spread. */
  minImprovementOverControl: share().default(0.2),
  control: z.string().min(1).optional(),
});
export type KvUtilizationThresholds = z.infer<typeof KvUtilizationThresholdsSchema>;

export const DEFAULT_KV_CONTROL = 'random-picker';

export interface KvSpread {
  imbalance: number;
  samples: number;
  meanUsage: Record<string, number>;
  peakUsage: Record<string, number>;
}

export function measureKvSpread(run: RunEvidence, minMeanUsage: number, minSamples: number): KvSpread | { problem: string } {
  const pods = podTargets(run, ['both', 'decode']);
  if (pods.length === 0) return { problem: 'no pod metrics scraped' };
  const missing = pods.filter((t) => gaugesOf(t, M.kvUsage).length === 0);
  if (missing.length > 0) return { problem: `no vllm:kv_cache_usage_perc gauge from ${missing.map((t) => t.name).join(', ')}` };
  if (pods.length < 2) return { problem: 'only one pod scraped; KV balance needs at least two' };
  const untrusted = untrustedTargets(run, pods);
  if (untrusted) return { problem: untrusted };
  const series = pods.map((t) => ({
    name: t.name,
    points: gaugesOf(t, M.kvUsage)
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
    samples: spreads.length,
    meanUsage: Object.fromEntries(series.map((s) => [s.name, round((sums.get(s.name) ?? 0) / spreads.length) ?? 0])),
    peakUsage: Object.fromEntries(series.map((s) => [s.name, round(peaks.get(s.name) ?? 0) ?? 0])),
  };
}

export function evaluateKvUtilization(ctx: ClaimContext, t: KvUtilizationThresholds): ClaimOutcome {
  const m = measureKvSpread(ctx.main, t.minMeanUsage, t.minSamples);
  if ('problem' in m) return inconclusive(m.problem);
  const sources = [`metrics:${M.kvUsage}`];
  const controlName = t.control ?? DEFAULT_KV_CONTROL;
  const control = ctx.controls[controlName];
  if (t.control && !control) return inconclusive(`control run '${t.control}' is required but missing`, sources);
  let controlSpread: number | null = null;
  let controlNote = '';
  if (control) {
    const c = measureKvSpread(control, t.minMeanUsage, t.minSamples);
    if ('problem' in c) controlNote = `; control '${controlName}' unusable (${c.problem})`;
    else {
      controlSpread = c.imbalance;
      controlNote = `; control '${controlName}' ${pct(c.imbalance)}`;
      sources.push(`control:${controlName}`);
    }
  }
  const usage = Object.entries(m.meanUsage)
    .map(([p, u]) => `${p} ${pct(u)}`)
    .join(', ');
  const head = `KV usage spread across pods ${pct(m.imbalance)} of the mean over ${m.samples} loaded scrapes (mean usage ${usage})${controlNote}`;
  const evidence = { imbalance: round(m.imbalance), samples: m.samples, meanUsage: m.meanUsage, peakUsage: m.peakUsage, controlImbalance: round(controlSpread) };
  const failures: string[] = [];
  if (m.imbalance > t.maxImbalance) failures.push(`above ${pct(t.maxImbalance)}`);
  if (controlSpread !== null && m.imbalance > (1 - t.minImprovementOverControl) * controlSpread)
    failures.push(`not ${pct(t.minImprovementOverControl)} lower than the control's ${num(controlSpread, 2)}`);
  if (failures.length > 0) return { status: 'Fail', details: `${head} (${failures.join('; ')})`, sources, evidence };
  return { status: 'Pass', details: `weighted scorer keeps KV balanced: ${head}`, sources, evidence };
}
