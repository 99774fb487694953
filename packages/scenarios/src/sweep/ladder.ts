// The `sweep` section of a scenario: which load levels to run (a ladder of request rates or of closed-loop
// concurrencies), when to stop climbing, and the SLOs whose highest passing level the sweep searches for.
// Modelled on peers, read at these versions:
//   - inference-perf (kubernetes-sigs/inference-perf @7de5ef2, docs/config.md, docs/loadgen.md): `sweep` with
//     `type: linear | geometric` between a low and a high rate, one stage per level;
//   - GuideLLM (vllm-project/guidellm src/guidellm/benchmark/profiles/sweep.py @14ffe9c): `sweep` runs a
//     synchronous benchmark, then a throughput one, then `np.linspace(sync_rate, throughput_rate, n)[1:]`
//     constant/Poisson rates — our `ladder.type: auto`;
//   - vLLM `bench sweep serve_sla` (vllm-project/vllm vllm/benchmarks/sweep/serve_sla.py @0826bcf): search the
//     request rate (or max concurrency) for the largest value meeting every SLA — our `slo` + `refine`.
import { z } from 'zod';
import { MAX_CONCURRENCY, MAX_DURATION_S, MAX_RATE, RoutebenchError } from '@routebench/core';
import { nonNegInt, posInt } from './../schema-parts.ts';

export const SLO_METRICS = ['ttft', 'itl', 'tpot', 'e2e'] as const;
export type SloMetric = (typeof SLO_METRICS)[number];
/** The percentiles the summary keeps (and latency-slo can judge). */
export const SLO_PERCENTILES = [50, 90, 95, 99, 99.9] as const;

export interface Slo {
  metric: SloMetric;
  percentile: number;
  maxMs: number;
}

const SLO_TEXT = /^\s*(ttft|itl|tpot|e2e)\s*\.\s*p(50|90|95|99|99\.9|999)\s*<=\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$/i;

/** Parse `ttft.p99<=500` (ms by default; `…<=2s` for seconds). Returns null when the text is not one. */
export function parseSloText(text: string): Slo | null {
  const m = SLO_TEXT.exec(text);
  if (!m) return null;
  const p = m[2] === '999' ? 99.9 : Number(m[2]);
  const v = Number(m[3]) * (m[4]?.toLowerCase() === 's' ? 1000 : 1);
  if (!(v > 0)) return null;
  return { metric: m[1].toLowerCase() as SloMetric, percentile: p, maxMs: v };
}

export const SLO_TEXT_HELP = 'expected METRIC.pPCT<=VALUE, e.g. ttft.p99<=500 or e2e.p90<=2s (metric ttft|itl|tpot|e2e; percentile 50|90|95|99|99.9; ms unless "s")';

const SloObjectSchema = z.strictObject({
  metric: z.enum(SLO_METRICS, { error: `expected one of ${SLO_METRICS.join(', ')}` }),
  percentile: z.number({ error: 'expected one of 50, 90, 95, 99, 99.9' }).refine((p) => (SLO_PERCENTILES as readonly number[]).includes(p), { error: 'expected one of 50, 90, 95, 99, 99.9' }),
  maxMs: z.number({ error: 'expected a positive number of ms' }).positive({ error: 'expected a positive number of ms' }),
});

/** An SLO as text (`ttft.p99<=500`) or as {metric, percentile, maxMs}. */
export const SloSchema = z.union([
  z.string().transform((s, ctx) => {
    const slo = parseSloText(s);
    if (!slo) {
      ctx.addIssue({ code: 'custom', message: SLO_TEXT_HELP, input: s });
      return z.NEVER;
    }
    return slo;
  }),
  SloObjectSchema,
], { error: SLO_TEXT_HELP });

const level = () => z.number({ error: 'expected a positive number' }).positive({ error: 'expected a positive number' }).max(MAX_RATE, { error: `must be at most ${MAX_RATE}` });
const steps = () => z.number({ error: 'expected an integer ≥ 2' }).int({ error: 'expected an integer ≥ 2' }).min(2, { error: 'expected an integer ≥ 2' }).max(100, { error: 'must be at most 100 levels' });

export const LadderSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('list'), levels: z.array(level()).min(1, { error: 'expected at least one level' }) }),
    z.strictObject({ type: z.literal('linear'), from: level(), to: level(), steps: steps() }),
    z.strictObject({ type: z.literal('geometric'), from: level(), to: level(), steps: steps() }),
    // GuideLLM's sweep: a serial level (concurrency 1), a saturation probe (closed loop at probeConcurrency),
    // then `steps` open-loop rates spaced evenly from the serial rate up to the probe's throughput.
    z.strictObject({
      type: z.literal('auto'),
      steps: steps().default(4),
      probeConcurrency: posInt().max(MAX_CONCURRENCY, { error: `must be at most ${MAX_CONCURRENCY}` }).default(32),
    }),
  ],
  { error: 'expected ladder.type list | linear | geometric | auto' },
);
export type Ladder = z.infer<typeof LadderSchema>;

export const SweepSchema = z
  .strictObject({
    /** What the ladder varies: the open-loop request rate (req/s) or the closed-loop concurrency (users). */
    over: z.enum(['rate', 'concurrency'], { error: 'expected "rate" or "concurrency"' }).default('rate'),
    ladder: LadderSchema,
    /**
     * Arrivals of a rate level. Constant by default, as GuideLLM's sweep (SweepProfileArgs.strategy_type =
     * "constant"): a short Poisson level offers its rate only on average (±15% at ~40 requests), which would blur
     * the levels and trip the "fell short of its rate" rule by chance.
     */
    arrivals: z.enum(['constant', 'poisson'], { error: 'expected "constant" or "poisson"' }).default('constant'),
    /** Seconds per level (default: the scenario's load.durationS, else 10). Levels are time-bound, never request-bound. */
    levelDurationS: z.number({ error: 'expected a positive number of seconds' }).positive({ error: 'expected a positive number of seconds' }).max(MAX_DURATION_S).optional(),
    /** Stop the ladder at the first level whose error share (errors / finished) is above this. */
    maxErrorRate: z.number({ error: 'expected a share between 0 and 1' }).min(0).max(1, { error: 'expected a share between 0 and 1' }).default(0.05),
    /** Rate ladders: stop at the first level that served under this share of its requested rate. */
    minRateShare: z.number({ error: 'expected a share between 0 and 1' }).gt(0).max(1, { error: 'expected a share between 0 and 1' }).default(0.9),
    /** SLOs searched for (default: the scenario's latency-slo claims). */
    slo: z.array(SloSchema).default([]),
    /**
     * Runs of a ladder level that came out client-bound before the ladder stops there. A client starved of CPU by
     * other work on the machine for a few seconds is not the client's limit at that load; a second client-bound
     * run is. Every run stays in sweep.csv (the client-bound one is Inconclusive and never counts for the search).
     */
    clientBoundRetries: nonNegInt().max(3, { error: 'must be at most 3' }).default(1),
    /** Extra levels placed between the last passing and the first failing level (bisection, vLLM serve_sla style). */
    refine: nonNegInt().max(10, { error: 'must be at most 10' }).default(0),
  })
  .superRefine((s, ctx) => {
    const l = s.ladder;
    if ((l.type === 'linear' || l.type === 'geometric') && !(l.to > l.from)) ctx.addIssue({ code: 'custom', path: ['ladder', 'to'], message: `must be above ladder.from (${l.from})` });
    if (l.type === 'auto' && s.over !== 'rate') ctx.addIssue({ code: 'custom', path: ['ladder', 'type'], message: 'auto ladders sweep the request rate (over: rate): the serial and probe levels measure the rates it interpolates' });
    if (s.over === 'concurrency') {
      const bad = l.type === 'list' ? l.levels.findIndex((x) => !Number.isInteger(x) || x > MAX_CONCURRENCY) : -1;
      if (bad >= 0) ctx.addIssue({ code: 'custom', path: ['ladder', 'levels', bad], message: `a concurrency level is a whole number of users (1 to ${MAX_CONCURRENCY})` });
      if ((l.type === 'linear' || l.type === 'geometric') && l.to > MAX_CONCURRENCY) ctx.addIssue({ code: 'custom', path: ['ladder', 'to'], message: `must be at most ${MAX_CONCURRENCY} users` });
    }
  });
export type Sweep = z.infer<typeof SweepSchema>;
export type SweepInput = z.input<typeof SweepSchema>;

/**
 * The levels of a list/linear/geometric ladder, ascending, duplicates removed. Concurrency levels are rounded to
 * whole users (a geometric ladder of users from 1 to 4 in 5 steps is 1, 2, 3, 4). Rates keep 4 significant digits.
 */
export function ladderLevels(ladder: Ladder, over: Sweep['over']): number[] {
  let xs: number[];
  switch (ladder.type) {
    case 'list':
      xs = [...ladder.levels];
      break;
    case 'linear':
      xs = Array.from({ length: ladder.steps }, (_, i) => ladder.from + ((ladder.to - ladder.from) * i) / (ladder.steps - 1));
      break;
    case 'geometric': {
      const f = Math.pow(ladder.to / ladder.from, 1 / (ladder.steps - 1));
      xs = Array.from({ length: ladder.steps }, (_, i) => (i === ladder.steps - 1 ? ladder.to : ladder.from * Math.pow(f, i)));
      break;
    }
    case 'auto':
      throw new RoutebenchError('RB_CONFIG_INVALID', 'an auto ladder has no fixed levels: they come from its serial and probe levels (autoRates)', { field: 'sweep.ladder' });
  }
  const norm = xs.map((x) => (over === 'concurrency' ? Math.max(1, Math.round(x)) : roundLevel(x)));
  return [...new Set(norm)].sort((a, b) => a - b);
}

/**
 * GuideLLM's interpolation (profiles/sweep.py: `np.linspace(synchronous_rate, throughput_rate, sweep_size - 1)[1:]`):
 * `steps` rates evenly spaced above the serial rate, the last one at the probe's throughput.
 */
export function autoRates(serialRate: number, probeRate: number, steps: number): number[] {
  if (!(serialRate > 0) || !(probeRate > 0)) return [];
  const lo = Math.min(serialRate, probeRate);
  const hi = Math.max(serialRate, probeRate);
  const xs = Array.from({ length: steps }, (_, i) => roundLevel(lo + ((hi - lo) * (i + 1)) / steps));
  return [...new Set(xs)].filter((x) => x > 0);
}

/** 4 significant digits: a level is a setting, and folder names and CSV cells stay short. */
export function roundLevel(x: number): number {
  return Number(x.toPrecision(4));
}
