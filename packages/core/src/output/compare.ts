// Run comparison: the same statistics from several summaries side by side (e.g. an aggregated run against a P/D
// run), each measured against the FIRST run, the baseline. Values are read from the summaries' precomputed
// statistics (themselves derived from the HDR histograms), so a comparison never needs the per-request files.
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import type { DimensionStats, Summary } from '../record/summary.ts';
import { RoutebenchError } from '../errors.ts';

/** Latency metrics compared, in output order. */
export const COMPARE_LATENCY_METRICS = ['ttft', 'itl', 'tpot', 'e2e'] as const;
export const COMPARE_STATS = ['p50', 'p90', 'p95', 'p99', 'p999', 'mean', 'min', 'max'] as const;
/** Dimension kinds of summary.dimensions ('overall' is the key itself; the others are `<kind>:<value>`). */
export const COMPARE_DIMENSION_KINDS = ['overall', 'pod', 'model', 'stage', 'tag'] as const;

export const CompareOptionsSchema = z.strictObject({
  /** Latency statistics to compare. */
  stats: z.array(z.enum(COMPARE_STATS)).min(1).default(['p50', 'p90', 'p99', 'mean']),
  /** Which dimensions to include (those present in ANY run are listed; a run without one shows an empty value). */
  dimensions: z.array(z.enum(COMPARE_DIMENSION_KINDS)).min(1).default(['overall', 'pod', 'model']),
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
}

export interface CompareRow {
  /** ttft | itl | tpot | e2e | requests | errors | throughput */
  metric: string;
  /** Summary dimension key: overall, pod:<name>, model:<name>, … */
  dimension: string;
  /** p50 | p90 | … | mean for latencies; count | error_rate | requests_per_s | output_tokens_per_s otherwise. */
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
    kinds,
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
  return rows;
}

// ---- CSV ---------------------------------------------------------------------------------------------------

/**
 * Columns of `compareToCsv`, in order. The CSV is LONG ("tidy"): one line per (metric, dimension, stat, run).
 *
 *   metric     ttft | itl | tpot | e2e | requests | errors | throughput
 *   dimension  overall | pod:<name> | model:<name> (| stage:<n> | tag:<k>=<v> when asked for)
 *   stat       p50 | p90 | p95 | p99 | p999 | mean | min | max (latency); count; error_rate; requests_per_s; output_tokens_per_s
 *   unit       ms | requests | fraction | req/s | tok/s
 *   run        the run's name
 *   value      this run's value (empty when the run has no such dimension or no data)
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

export function compareToCsv(rows: readonly CompareRow[]): string {
  const records: (string | number | null)[][] = [];
  for (const row of rows) {
    for (const c of row.cells) {
      records.push([row.metric, row.dimension, row.stat, row.unit, c.run, round(c.value), round(row.baseline), round(c.delta), round(c.deltaPct, 4)]);
    }
  }
  return stringify(records, {
    header: true,
    columns: [...COMPARE_CSV_COLUMNS],
    cast: { string: neutraliseFormula },
  });
}

// ---- console table -----------------------------------------------------------------------------------------

export interface CompareTableOptions {
  /** ANSI colours for deltas. Default: only when stdout is a TTY and NO_COLOR is unset. */
  color?: boolean;
}

function fmtNumber(x: number | null, unit: string): string {
  if (x === null) return '-';
  if (unit === 'fraction') return `${(x * 100).toFixed(2)}%`;
  if (unit === 'requests') return String(Math.round(x));
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
