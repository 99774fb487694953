// Run comparison: the same statistics from several summaries side by side (e.g. an aggregated run against a P/D
// run), each measured against the FIRST run, the baseline. Values are read from the summaries' precomputed
// statistics (themselves derived from the HDR histograms), so a comparison never needs the per-request files.
// Beside the client-side rows: the prefill pods' server-side figures (a P/D run's prefill pods never appear in
// the client's per-pod rows: the gateway answers from the decode pod) and each run's own verdicts.
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import type { DimensionStats, Summary } from '../record/summary.ts';
import { VerdictSchema, type VerdictStatus } from '../claims/verdict.ts';
import { MetricsEvidenceSchema, type MetricsEvidence } from '../evidence/metrics-evidence.ts';
import { counterDeltas, histogramsOf, targetsOf } from '../evidence/evidence-query.ts';
import { CANONICAL_METRICS as METRIC } from '../evidence/metric-names.ts';
import { histogramQuantile } from '../evidence/counter-math.ts';
import { RoutebenchError } from '../errors.ts';

/** Latency metrics compared, in output order. */
export const COMPARE_LATENCY_METRICS = ['ttft', 'itl', 'tpot', 'e2e'] as const;
export const COMPARE_STATS = ['p50', 'p90', 'p95', 'p99', 'p999', 'mean', 'min', 'max'] as const;
/**
 * Dimension kinds: those of summary.dimensions ('overall' is the key itself; the others are `<kind>:<value>`),
 * plus 'prefill' (`prefill:<pod>`, server-side figures of pods with the prefill role, from summary.extra.metrics)
 * and 'verdict' (`claim:<id>`, the run's own verdict status per claim).
 */
export const COMPARE_DIMENSION_KINDS = ['overall', 'pod', 'prefill', 'model', 'stage', 'tag', 'verdict'] as const;

export const CompareOptionsSchema = z.strictObject({
  /** Latency statistics to compare. */
  stats: z.array(z.enum(COMPARE_STATS)).min(1).default(['p50', 'p90', 'p99', 'mean']),
  /** Which dimensions to include (those present in ANY run are listed; a run without one shows an empty value). */
  // Tags by default: `tag:class=short|long` is the split agg-vs-pd is about (long-prompt TTFT is what P/D is for).
  dimensions: z.array(z.enum(COMPARE_DIMENSION_KINDS)).min(1).default(['overall', 'pod', 'prefill', 'model', 'tag', 'verdict']),
});
export type CompareOptions = z.input<typeof CompareOptionsSchema>;

export const CompareRunSchema = z.strictObject({
  name: z.string().min(1),
  summary: z.custom<Summary>((v) => typeof v === 'object' && v !== null && 'dimensions' in v && 'rates' in v, {
    message: 'expected a Summary (object with dimensions and rates)',
  }),
});
export type CompareRun = z.infer<typeof CompareRunSchema>;

const CompareRunsSchema = z
  .array(CompareRunSchema)
  .min(1)
  .refine((runs) => new Set(runs.map((r) => r.name)).size === runs.length, { message: 'run names must be unique' });

export interface CompareCell {
  run: string;
  value: number | null;
  /** value − baseline value; null when either is missing. */
  delta: number | null;
  /** 100 × delta / baseline; null when either is missing or the baseline is 0. */
  deltaPct: number | null;
  /** Verdict rows (unit 'status') only: the run's status for the claim; null when the run has no such verdict. */
  status?: VerdictStatus | null;
}

export interface CompareRow {
  /** ttft | itl | tpot | e2e | requests | errors | throughput | server_ttft | server_requests | server_prompt_tokens | verdict */
  metric: string;
  /** Summary dimension key: overall, pod:<name>, model:<name>, …; prefill:<pod>; claim:<id>. */
  dimension: string;
  /** p50 | p90 | … | mean for latencies; count | error_rate | requests_per_s | output_tokens_per_s | status otherwise. */
  stat: string;
  unit: string;
  /** Direction of improvement, so a console can colour deltas (lower latency is better, more tokens/s is better). */
  higherIsBetter: boolean;
  /** The first run's value. */
  baseline: number | null;
  /** One cell per run, in the order the runs were given (the first is the baseline itself). */
  cells: CompareCell[];
}

const DIMENSION_ORDER: Record<string, number> = { overall: 0, pod: 1, model: 2, stage: 3, tag: 4 };

/** Kinds read from summary.dimensions (the others are built from extra.metrics and extra.verdicts). */
const SUMMARY_KINDS = new Set(['overall', 'pod', 'model', 'stage', 'tag']);

function kindOf(dimension: string): string {
  if (dimension === 'overall') return 'overall';
  const i = dimension.indexOf(':');
  return i < 0 ? dimension : dimension.slice(0, i);
}

function orderDimensions(keys: Iterable<string>, kinds: readonly string[]): string[] {
  const wanted = new Set(kinds);
  return [...new Set(keys)]
    .filter((k) => wanted.has(kindOf(k)))
    .sort((a, b) => {
      const ka = DIMENSION_ORDER[kindOf(a)] ?? 9;
      const kb = DIMENSION_ORDER[kindOf(b)] ?? 9;
      if (ka !== kb) return ka - kb;
      // Stages are numbers: stage:10 after stage:2.
      return a.localeCompare(b, 'en', { numeric: true });
    });
}

function makeRow(
  runs: readonly CompareRun[],
  base: Omit<CompareRow, 'baseline' | 'cells'>,
  valueOf: (s: Summary) => number | null,
): CompareRow {
  const values = runs.map((r) => {
    const v = valueOf(r.summary);
    return v === null || v === undefined || !Number.isFinite(v) ? null : v;
  });
  const baseline = values[0];
  return {
    ...base,
    baseline,
    cells: runs.map((r, i) => {
      const value = values[i];
      const delta = value === null || baseline === null ? null : value - baseline;
      const deltaPct = delta === null || baseline === 0 ? null : (100 * delta) / (baseline as number);
      return { run: r.name, value, delta, deltaPct };
    }),
  };
}

/**
 * Compare runs: latency rows (metric × dimension × stat), then per dimension the request count and error rate,
 * then overall throughput. The first run is the baseline for every delta.
 */
export function compareRuns(runs: readonly CompareRun[], opts: CompareOptions = {}): CompareRow[] {
  const parsedRuns = CompareRunsSchema.safeParse(runs);
  if (!parsedRuns.success) throw new RoutebenchError('RB_INPUT_INVALID', `compareRuns: invalid runs:\n${z.prettifyError(parsedRuns.error)}`);
  const parsedOpts = CompareOptionsSchema.safeParse(opts);
  if (!parsedOpts.success) throw new RoutebenchError('RB_CONFIG_INVALID', `compareRuns: invalid options:\n${z.prettifyError(parsedOpts.error)}`);
  const { stats, dimensions: kinds } = parsedOpts.data;

  const dims = orderDimensions(
    runs.flatMap((r) => Object.keys(r.summary.dimensions)),
    kinds.filter((k) => SUMMARY_KINDS.has(k)),
  );
  const dim = (s: Summary, d: string): DimensionStats | undefined => s.dimensions[d];
  const rows: CompareRow[] = [];

  for (const metric of COMPARE_LATENCY_METRICS) {
    for (const d of dims) {
      for (const stat of stats) {
        rows.push(
          makeRow(runs, { metric, dimension: d, stat, unit: 'ms', higherIsBetter: false }, (s) => dim(s, d)?.[metric][stat] ?? null),
        );
      }
    }
  }
  for (const d of dims) {
    rows.push(makeRow(runs, { metric: 'requests', dimension: d, stat: 'count', unit: 'requests', higherIsBetter: true }, (s) => dim(s, d)?.count ?? null));
    rows.push(
      makeRow(runs, { metric: 'errors', dimension: d, stat: 'error_rate', unit: 'fraction', higherIsBetter: false }, (s) => {
        const ds = dim(s, d);
        return ds && ds.count > 0 ? ds.errors / ds.count : null;
      }),
    );
  }
  rows.push(
    makeRow(runs, { metric: 'throughput', dimension: 'overall', stat: 'requests_per_s', unit: 'req/s', higherIsBetter: true }, (s) => s.rates.requestsPerS),
  );
  rows.push(
    makeRow(runs, { metric: 'throughput', dimension: 'overall', stat: 'output_tokens_per_s', unit: 'tok/s', higherIsBetter: true }, (s) => s.rates.outputTokensPerS),
  );
  if (kinds.includes('prefill')) rows.push(...prefillRows(runs, stats));
  if (kinds.includes('verdict')) rows.push(...verdictRows(runs));
  return rows;
}

// ---- prefill pods (server side) -----------------------------------------------------------------------------

/** A run's scraped metrics, validated (a malformed extra.metrics is an error that names the run and the field). */
function metricsOf(run: CompareRun): MetricsEvidence | null {
  const raw = run.summary.extra.metrics;
  if (raw === undefined || raw === null) return null;
  const r = MetricsEvidenceSchema.safeParse(raw);
  if (!r.success) throw new RoutebenchError('RB_INPUT_INVALID', `compareRuns: run ${run.name}: extra.metrics is not metrics evidence:\n${z.prettifyError(r.error)}`, { field: 'extra.metrics' });
  return r.data;
}

/** Prefill pods of a run: targets the collector labelled prefill, or that summary.extra.podRoles calls prefill. */
function prefillPodsOf(run: CompareRun, ev: MetricsEvidence): string[] {
  const roles = (run.summary.extra.podRoles ?? {}) as Record<string, unknown>;
  return targetsOf(ev)
    .filter((t) => t.role === 'prefill' || roles[t.name] === 'prefill')
    .map((t) => t.name);
}

/**
 * `prefill:<pod>` rows: requests and prompt tokens the pod served (vLLM counter deltas over the run) and its TTFT
 * from vLLM's vllm:time_to_first_token_seconds histogram — on a prefill pod that is the prefill itself, the part
 * of TTFT that P/D moves off the decode pods (the routing sidecar's prefill leg carries `do_remote_decode`: the
 * pod computes the prompt's KV and hands decoding over; the source it was read at: upstream/vllm-logs.ts). Percentiles are the histogram's bucket interpolation (PromQL
 * histogram_quantile), so only p50/p90/p99 and the mean exist; other stats are left out for these rows.
 */
function prefillRows(runs: readonly CompareRun[], stats: readonly string[]): CompareRow[] {
  const evidence = runs.map(metricsOf);
  const pods = new Set<string>();
  runs.forEach((r, i) => evidence[i] && prefillPodsOf(r, evidence[i]).forEach((p) => pods.add(p)));
  const byRun = new Map(runs.map((r, i) => [r.summary, evidence[i]] as const));
  const rows: CompareRow[] = [];
  for (const pod of [...pods].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))) {
    const dimension = `prefill:${pod}`;
    const ttftSeconds = (s: Summary, stat: 'p50' | 'p90' | 'p99' | 'mean'): number | null => {
      const ev = byRun.get(s);
      const hs = ev ? histogramsOf(ev, pod, METRIC.ttft) : [];
      const count = hs.reduce((a, h) => a + h.countDelta, 0);
      if (!(count > 0)) return null;
      if (stat === 'mean') return hs.reduce((a, h) => a + h.sumDelta, 0) / count;
      if (hs.length === 1) return hs[0].quantiles[stat];
      // Several label sets (one per model): their cumulative buckets add up when the bounds are the same.
      const cum = new Map<string, number>();
      for (const h of hs) for (const b of h.buckets) cum.set(b.le, (cum.get(b.le) ?? 0) + b.delta);
      return histogramQuantile(Number(stat.slice(1)) / 100, [...cum].map(([le, c]) => ({ le: le === '+Inf' ? Infinity : Number(le), count: c })));
    };
    for (const stat of stats) {
      if (stat !== 'p50' && stat !== 'p90' && stat !== 'p99' && stat !== 'mean') continue;
      rows.push(
        makeRow(runs, { metric: 'server_ttft', dimension, stat, unit: 'ms', higherIsBetter: false }, (s) => {
          const v = ttftSeconds(s, stat);
          return v === null ? null : v * 1000;
        }),
      );
    }
    const counter = (metric: string) => (s: Summary) => {
      const ev = byRun.get(s);
      return ev ? (counterDeltas(ev, metric)[pod] ?? null) : null;
    };
    rows.push(makeRow(runs, { metric: 'server_requests', dimension, stat: 'count', unit: 'requests', higherIsBetter: true }, counter(METRIC.requestSuccess)));
    rows.push(makeRow(runs, { metric: 'server_prompt_tokens', dimension, stat: 'count', unit: 'tokens', higherIsBetter: true }, counter(METRIC.promptTokens)));
  }
  return rows;
}

// ---- verdicts -----------------------------------------------------------------------------------------------

const RunVerdictsSchema = z.array(VerdictSchema);

/**
 * `claim:<id>` rows: each run's OWN verdict status (a scenario with compareTargets judges every target on its own
 * run and writes the verdicts beside it). Verdicts about a control run are left out: they are not about this run.
 */
function verdictRows(runs: readonly CompareRun[]): CompareRow[] {
  const perRun = runs.map((r) => {
    const raw = r.summary.extra.verdicts;
    if (raw === undefined) return new Map<string, VerdictStatus>();
    const p = RunVerdictsSchema.safeParse(raw);
    if (!p.success) throw new RoutebenchError('RB_INPUT_INVALID', `compareRuns: run ${r.name}: extra.verdicts is not a list of verdicts:\n${z.prettifyError(p.error)}`, { field: 'extra.verdicts' });
    const m = new Map<string, VerdictStatus>();
    for (const v of p.data) if (!v.feature.includes('[control: ') && !m.has(v.claim)) m.set(v.claim, v.status);
    return m;
  });
  const claims = [...new Set(perRun.flatMap((m) => [...m.keys()]))];
  return claims.map((claim) => ({
    metric: 'verdict',
    dimension: `claim:${claim}`,
    stat: 'status',
    unit: 'status',
    higherIsBetter: true,
    baseline: null,
    cells: runs.map((r, i) => ({ run: r.name, value: null, delta: null, deltaPct: null, status: perRun[i].get(claim) ?? null })),
  }));
}

// ---- CSV ---------------------------------------------------------------------------------------------------

/**
 * Columns of `compareToCsv`, in order. The CSV is LONG ("tidy"): one line per (metric, dimension, stat, run).
 *
 *   metric     ttft | itl | tpot | e2e | requests | errors | throughput | server_ttft | server_requests |
 *              server_prompt_tokens | verdict
 *   dimension  overall | pod:<name> | model:<name> | tag:<k>=<v> | prefill:<pod> | claim:<id> (| stage:<n> when asked for)
 *   stat       p50 | p90 | p95 | p99 | p999 | mean | min | max (latency); count; error_rate; requests_per_s;
 *              output_tokens_per_s; status (verdict rows)
 *   unit       ms | requests | tokens | fraction | req/s | tok/s | status
 *   run        the run's name
 *   value      this run's value (empty when the run has no such dimension or no data); on verdict rows
 *              (unit status) the text Pass | Fail | Inconclusive
 *   baseline   the first run's value
 *   delta      value − baseline
 *   delta_pct  100 × (value − baseline) / baseline (empty when the baseline is 0 or missing)
 *
 * Why long rather than one column per run: the header never depends on run names (any name, even one with commas
 * or quotes, stays a value), the column list is a constant scripts can rely on, and files from several
 * comparisons concatenate and load straight into pandas/duckdb/spreadsheets as a pivot source. The console table
 * (formatCompareTable) is the wide view for humans.
 */
export const COMPARE_CSV_COLUMNS = ['metric', 'dimension', 'stat', 'unit', 'run', 'value', 'baseline', 'delta', 'delta_pct'] as const;

/** Round away float noise (a µs-precision latency needs no more than 6 decimals). */
function round(x: number | null, decimals = 6): number | null {
  if (x === null) return null;
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}

/**
 * Text cells that a spreadsheet would run as a formula (a pod name from a response header like `=HYPERLINK(…)`)
 * get a leading apostrophe, the OWASP "CSV injection" defence. Numbers are written as numbers and never touched.
 */
function neutraliseFormula(s: string): string {
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

/** A cell's value as written: the number, or on a verdict row (unit 'status') the status text. */
function cellValue(c: CompareCell): string | number | null {
  return c.status !== undefined ? c.status : round(c.value);
}

export function compareToCsv(rows: readonly CompareRow[]): string {
  const records: (string | number | null)[][] = [];
  for (const row of rows) {
    for (const c of row.cells) {
      const baseline = row.unit === 'status' ? (row.cells[0]?.status ?? null) : round(row.baseline);
      records.push([row.metric, row.dimension, row.stat, row.unit, c.run, cellValue(c), baseline, round(c.delta), round(c.deltaPct, 4)]);
    }
  }
  return stringify(records, {
    header: true,
    columns: [...COMPARE_CSV_COLUMNS],
    cast: { string: neutraliseFormula },
  });
}

/** The fixed leading columns of `compareToWideCsv`; one column per run follows, then `delta_pct:<run>` per non-baseline run. */
export const COMPARE_WIDE_CSV_KEY_COLUMNS = ['metric', 'dimension', 'stat', 'unit'] as const;

/**
 * The WIDE CSV: one line per (metric, dimension, stat), one column per run (in the order given, the baseline
 * first), then one `delta_pct:<run>` column per other run — the layout a spreadsheet shows side by side. Run names
 * become column names, so a name a spreadsheet would run as a formula is defused there too.
 */
export function compareToWideCsv(rows: readonly CompareRow[]): string {
  const runs = rows[0]?.cells.map((c) => c.run) ?? [];
  const header = [...COMPARE_WIDE_CSV_KEY_COLUMNS, ...runs, ...runs.slice(1).map((r) => `delta_pct:${r}`)];
  const records: (string | number | null)[][] = [header];
  for (const row of rows) {
    records.push([row.metric, row.dimension, row.stat, row.unit, ...row.cells.map(cellValue), ...row.cells.slice(1).map((c) => round(c.deltaPct, 4))]);
  }
  return stringify(records, { cast: { string: neutraliseFormula } });
}

// ---- console table -----------------------------------------------------------------------------------------

export interface CompareTableOptions {
  /** ANSI colours for deltas. Default: only when stdout is a TTY and NO_COLOR is unset. */
  color?: boolean;
}

function fmtNumber(x: number | null, unit: string): string {
  if (x === null) return '-';
  if (unit === 'fraction') return `${(x * 100).toFixed(2)}%`;
  if (unit === 'requests' || unit === 'tokens') return String(Math.round(x));
  const a = Math.abs(x);
  return a >= 1000 ? x.toFixed(0) : a >= 100 ? x.toFixed(1) : x.toFixed(2);
}

function fmtSigned(x: number | null, unit: string): string {
  if (x === null) return '-';
  // A difference of two fractions is in percentage points, not percent.
  const s = unit === 'fraction' ? `${(x * 100).toFixed(2)}pp` : fmtNumber(x, unit);
  return x > 0 ? `+${s}` : s;
}

function fmtPct(x: number | null): string {
  if (x === null) return '-';
  return `${x > 0 ? '+' : ''}${x.toFixed(1)}%`;
}

/** Terminal text must not carry control characters from server-provided names (an ESC could restyle the terminal). */
function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/**
 * A plain-text table, one line per row: metric, dimension, stat, unit, one column per run, then Δ and Δ% of each
 * non-baseline run. Columns are padded to align; colour (red = worse, green = better) only when asked or on a TTY.
 */
export function formatCompareTable(rows: readonly CompareRow[], opts: CompareTableOptions = {}): string {
  if (rows.length === 0) return '(no rows)';
  const color = opts.color ?? (Boolean(process.stdout.isTTY) && !process.env.NO_COLOR);
  const runs = rows[0].cells.map((c) => printable(c.run));
  const header = ['metric', 'dimension', 'stat', 'unit', ...runs];
  for (const r of runs.slice(1)) header.push(`Δ ${r}`, `Δ% ${r}`);

  type Cell = { text: string; tone: 'better' | 'worse' | null; right: boolean };
  const body: Cell[][] = rows.map((row) => {
    const cells: Cell[] = [row.metric, printable(row.dimension), row.stat, row.unit].map((text) => ({ text, tone: null, right: false }));
    if (row.unit === 'status') {
      // A verdict row: each run's own status; a status has no delta.
      for (const c of row.cells) cells.push({ text: c.status ?? '-', tone: c.status === 'Pass' ? 'better' : c.status === 'Fail' ? 'worse' : null, right: true });
      for (let i = 1; i < row.cells.length; i++) cells.push({ text: '', tone: null, right: true }, { text: '', tone: null, right: true });
      return cells;
    }
    for (const c of row.cells) cells.push({ text: fmtNumber(c.value, row.unit), tone: null, right: true });
    for (const c of row.cells.slice(1)) {
      const tone = c.delta === null || c.delta === 0 ? null : (c.delta > 0) === row.higherIsBetter ? 'better' : 'worse';
      cells.push({ text: fmtSigned(c.delta, row.unit), tone, right: true });
      cells.push({ text: fmtPct(c.deltaPct), tone, right: true });
    }
    return cells;
  });

  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].text.length)));
  const pad = (c: Cell, i: number) => (c.right ? c.text.padStart(widths[i]) : c.text.padEnd(widths[i]));
  const paint = (s: string, tone: Cell['tone']) =>
    !color || tone === null ? s : `${tone === 'better' ? '\x1b[32m' : '\x1b[31m'}${s}\x1b[0m`;

  const lines = [
    header.map((h, i) => (i < 4 ? h.padEnd(widths[i]) : h.padStart(widths[i]))).join('  ').trimEnd(),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map((r) => r.map((c, i) => paint(pad(c, i), c.tone)).join('  ').trimEnd()),
  ];
  return lines.join('\n');
}
