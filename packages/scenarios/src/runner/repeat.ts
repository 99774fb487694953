// Repeats (`--repeat N`): the same scenario (or the whole seed table) run N times, one after another,
// each into <out>/repeat-<i>/ with its own fresh simulator (every run opens its own target), then one
// summary of how stable the verdicts were: per claim (feature + mode) how many runs passed, failed or
// were Inconclusive, and mean ± 95% confidence interval of the numbers behind them — each verdict's
// evidence numbers and confidence-test observations (hit rates, shares), and each main run's TTFT/ITL
// p50/p99. The interval is Student's t on the N per-run values (the runs are the independent samples;
// the requests inside one run are not), so it widens honestly at N = 2 or 3.
import { join } from 'node:path';
import { writeJsonAtomic, type Summary, type Verdict, type VerdictStatus } from '@routebench/core';
import type { Scenario } from '../scenario.ts';
import { runScenario, type ScenarioRunOptions } from './run-scenario.ts';
import { runSeedTable } from './seed-table.ts';

export const DEFAULT_REPEAT_LEVEL = 0.95;

/** What one repeat produced: every verdict (controls too), the main ones, and the main runs' summaries. */
export interface RepeatRun {
  dir: string;
  verdicts: Verdict[];
  mainVerdicts: Verdict[];
  summaries: Array<{ name: string; summary: Summary }>;
}

export interface Figure {
  n: number;
  mean: number;
  /** Half-width of the t-interval; null with fewer than two values. */
  ci: number | null;
  min: number;
  max: number;
}

export interface RepeatClaim {
  claim: string;
  feature: string;
  mode: string;
  statuses: VerdictStatus[];
  passed: number;
  failed: number;
  inconclusive: number;
  /** Every run gave this claim the same status. */
  stable: boolean;
  figures: Record<string, Figure>;
}

export interface RepeatSummary {
  repeats: number;
  level: number;
  interval: string;
  dirs: string[];
  claims: RepeatClaim[];
  /** Per scenario (main run): overall TTFT/ITL p50/p99 in ms. */
  latency: Array<{ name: string; figures: Record<string, Figure> }>;
  /** Repeats whose main verdicts were all identical in status to the first repeat's. */
  identicalTables: number;
  /** A main verdict failed in some repeat (the exit-code rule of a single run). */
  anyMainFail: boolean;
}

/** Run `once` N times into <outDir>/repeat-<i>/ (1-based), sequentially, and summarize. Writes repeat-summary.json. */
export async function runRepeats(n: number, outDir: string, once: (dir: string, i: number) => Promise<RepeatRun>, signal?: AbortSignal): Promise<RepeatSummary> {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`repeat count must be a positive integer, got ${n}`);
  const runs: RepeatRun[] = [];
  for (let i = 1; i <= n; i++) {
    if (signal?.aborted) break;
    runs.push(await once(join(outDir, `repeat-${i}`), i));
  }
  const summary = summarizeRepeats(runs);
  writeJsonAtomic(join(outDir, 'repeat-summary.json'), summary);
  return summary;
}

export function repeatScenario(scenario: Scenario, n: number, opts: ScenarioRunOptions): Promise<RepeatSummary> {
  return runRepeats(
    n,
    opts.outDir,
    async (dir) => {
      const r = await runScenario(scenario, { ...opts, outDir: dir });
      return { dir, verdicts: r.verdicts, mainVerdicts: r.mainVerdicts, summaries: [{ name: r.scenario.name, summary: r.main.evidence.summary }] };
    },
    opts.signal,
  );
}

export function repeatSeedTable(n: number, opts: Parameters<typeof runSeedTable>[0]): Promise<RepeatSummary> {
  return runRepeats(
    n,
    opts.outDir,
    async (dir) => {
      const r = await runSeedTable({ ...opts, outDir: dir });
      return { dir, verdicts: r.verdicts, mainVerdicts: r.mainVerdicts, summaries: r.results.map((x) => ({ name: x.scenario.name, summary: x.main.evidence.summary })) };
    },
    opts.signal,
  );
}

// Feature + mode is the table row; one row can carry several claims (prefix affinity and hit rate), so the claim id too.
const keyOf = (v: Verdict) => `${v.feature}\u0000${v.mode}\u0000${v.claim}`;

export function summarizeRepeats(runs: readonly RepeatRun[], level = DEFAULT_REPEAT_LEVEL): RepeatSummary {
  const byKey = new Map<string, Verdict[]>();
  for (const r of runs) for (const v of r.verdicts) (byKey.get(keyOf(v)) ?? byKey.set(keyOf(v), []).get(keyOf(v))!).push(v);
  const claims: RepeatClaim[] = [...byKey.values()].map((vs) => {
    const statuses = vs.map((v) => v.status);
    const values = new Map<string, number[]>();
    for (const v of vs) for (const [k, x] of Object.entries(figuresOf(v))) (values.get(k) ?? values.set(k, []).get(k)!).push(x);
    return {
      claim: vs[0].claim,
      feature: vs[0].feature,
      mode: vs[0].mode,
      statuses,
      passed: statuses.filter((s) => s === 'Pass').length,
      failed: statuses.filter((s) => s === 'Fail').length,
      inconclusive: statuses.filter((s) => s === 'Inconclusive').length,
      // A claim missing from some repeat (a run stopped early) is not stable either.
      stable: vs.length === runs.length && statuses.every((s) => s === statuses[0]),
      figures: Object.fromEntries([...values].map(([k, xs]) => [k, tInterval(xs, level)])),
    };
  });
  const latency = new Map<string, Map<string, number[]>>();
  for (const r of runs)
    for (const { name, summary } of r.summaries) {
      const o = summary.dimensions.overall;
      if (!o) continue;
      const m = latency.get(name) ?? latency.set(name, new Map()).get(name)!;
      for (const [k, x] of [
        ['ttftP50Ms', o.ttft.p50],
        ['ttftP99Ms', o.ttft.p99],
        ['itlP50Ms', o.itl.p50],
        ['itlP99Ms', o.itl.p99],
      ] as const)
        if (x !== null && Number.isFinite(x)) (m.get(k) ?? m.set(k, []).get(k)!).push(x);
    }
  const first = runs[0] ? statusKey(runs[0].mainVerdicts) : '';
  return {
    repeats: runs.length,
    level,
    interval: `Student's t interval over the ${runs.length} per-run values (two-sided ${Math.round(level * 100)}%)`,
    dirs: runs.map((r) => r.dir),
    claims,
    latency: [...latency].map(([name, m]) => ({ name, figures: Object.fromEntries([...m].map(([k, xs]) => [k, tInterval(xs, level)])) })),
    identicalTables: runs.filter((r) => statusKey(r.mainVerdicts) === first).length,
    anyMainFail: runs.some((r) => r.mainVerdicts.some((v) => v.status === 'Fail')),
  };
}

/** The statuses of a table, in order, as one comparable string. */
export function statusKey(vs: readonly Verdict[]): string {
  return vs.map((v) => `${v.feature}|${v.mode}|${v.status}`).join('\n');
}

/**
 * The numbers a verdict was decided on: its evidence's numeric fields (one level into objects, e.g.
 * shares per pod) and each confidence test's observed rate, keyed by the test's text.
 */
export function figuresOf(v: Verdict): Record<string, number> {
  const out: Record<string, number> = {};
  // Clock readings (peakAtMs…) are when, not how much: their mean across runs means nothing.
  for (const [k, x] of Object.entries(v.evidence).filter(([k]) => !/At(Ms|S)?$/.test(k))) {
    if (typeof x === 'number' && Number.isFinite(x)) out[k] = x;
    else if (x && typeof x === 'object' && !Array.isArray(x))
      for (const [k2, y] of Object.entries(x)) if (typeof y === 'number' && Number.isFinite(y)) out[`${k}.${k2}`] = y;
  }
  for (const c of v.confidence ?? []) out[`observed: ${c.test}`] = c.observed;
  return out;
}

export function tInterval(xs: readonly number[], level = DEFAULT_REPEAT_LEVEL): Figure {
  const n = xs.length;
  const mean = xs.reduce((a, x) => a + x, 0) / n;
  const min = Math.min(...xs);
  const max = Math.max(...xs);
  if (n < 2) return { n, mean, ci: null, min, max };
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  return { n, mean, ci: tQuantile(level, n - 1) * (sd / Math.sqrt(n)), min, max };
}

// Two-sided 95% t quantiles for 1..30 degrees of freedom (standard tables); past 30, and at other levels,
// the Cornish–Fisher expansion of the normal quantile (error < 0.001 from df 30 on).
const T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];
const Z = { 0.9: 1.6448536, 0.95: 1.959964, 0.99: 2.5758293 } as Record<number, number>;

export function tQuantile(level: number, df: number): number {
  if (level === 0.95 && df <= 30) return T95[df - 1];
  const z = Z[level];
  if (z === undefined) throw new RangeError(`t quantile: level ${level} not supported (0.9, 0.95, 0.99)`);
  const z3 = z ** 3;
  const z5 = z ** 5;
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df * df);
}

const fmtFig = (f: Figure | undefined, digits = 3) => (f === undefined ? '-' : f.ci === null ? num(f.mean, digits) : `${num(f.mean, digits)} ± ${num(f.ci, digits)}`);
const num = (x: number, d: number) => String(Number(x.toPrecision(d)));
// The figures a reader checks first (the rest are in repeat-summary.json).
const KEY_FIGURE = /rate|share|ratio|observed|peak|directionChanges/i;

/** The console table: per claim its pass/fail/inconclusive counts and key figures, then per scenario latency. */
export function renderRepeatTable(s: RepeatSummary): string {
  const lines = [
    `repeats: ${s.repeats}; ${s.identicalTables}/${s.repeats} repeats gave main verdicts identical in status to the first; figures: mean ± half-width of the ${s.interval}`,
    '',
    '| Feature | Mode | Claim | Pass | Fail | Inconclusive | Stable | Key figures |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const c of s.claims) {
    const keys = Object.keys(c.figures).filter((k) => KEY_FIGURE.test(k)).slice(0, 4);
    const figs = keys.map((k) => `${k} ${fmtFig(c.figures[k])}`).join('; ');
    lines.push(`| ${cell(c.feature)} | ${cell(c.mode)} | ${cell(c.claim)} | ${c.passed} | ${c.failed} | ${c.inconclusive} | ${c.stable ? 'yes' : 'no'} | ${cell(figs || '-')} |`);
  }
  lines.push('', '| Scenario | TTFT p50 ms | TTFT p99 ms | ITL p50 ms | ITL p99 ms |', '|---|---|---|---|---|');
  for (const l of s.latency) lines.push(`| ${cell(l.name)} | ${fmtFig(l.figures.ttftP50Ms)} | ${fmtFig(l.figures.ttftP99Ms)} | ${fmtFig(l.figures.itlP50Ms)} | ${fmtFig(l.figures.itlP99Ms)} |`);
  return lines.join('\n');
}

const cell = (t: string) => t.replace(/\|/g, '\\|').replace(/\n/g, ' ');
