// What the importers of other tools' runs share: reading the source files with errors that name the file and
// field, writing a routebench run folder from per-request records (through the same summarize path as
// `routebench summarize`), and a summary built from aggregate figures alone when a source has no per-request data.
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { RoutebenchError } from '../errors.ts';
import { assertCanWriteRun, openRunOutputs, writeJsonAtomic, writeRunOutputs, RUN_FILES } from '../output/run-folder.ts';
import { writePodsCsv, writeTimeseriesCsv } from '../output/csv.ts';
import { summarizeRecords } from '../record/summarize-records.ts';
import { createMsHistogram } from '../record/histogram.ts';
import type { RequestRecord } from '../record/request-record.ts';
import type { DimensionStats, LatencyStats, Summary } from '../record/summary.ts';

/** Where an imported run came from; kept in summary.extra.importedFrom (and so kept by `routebench summarize`). */
export interface ImportSource {
  /** 'inference-perf' | 'llm-d-benchmark report' */
  tool: string;
  /** The tool's version when the source says it, else null (inference-perf writes none in its reports). */
  toolVersion: string | null;
  /** Format of the source: e.g. 'per_request_lifecycle_metrics.json', 'benchmark report v0.2.1'. */
  format: string;
  /** The files read (as given on the command line, joined with the folder). */
  files: string[];
  /** true: requests.jsonl holds one record per request of the source; false: summary.json holds aggregates only. */
  perRequest: boolean;
  /** Where requestId came from: the tool's own ids, the id the serving pod echoed in the response id, or made up here. */
  requestIds?: 'source' | 'response-id' | 'synthesized' | 'mixed';
  /** What the source does not carry, so readers know which fields of the run are placeholders. */
  notes: string[];
}

export interface ImportResult {
  outDir: string;
  summary: Summary;
  /** Records written to requests.jsonl (0 for an aggregate-only import). */
  records: number;
  source: ImportSource;
}

/** A source file read as text; a missing or unreadable file is RB_INPUT_INVALID naming it. */
export function readSourceText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new RoutebenchError('RB_INPUT_INVALID', `${file}: cannot read the ${what} (${(e as Error).message})`, { field: file, cause: e });
  }
}

/** JSON (or, with yaml: true, YAML — a superset) of a source file; a parse error names the file. */
export function readSourceData(file: string, what: string, opts: { yaml?: boolean } = {}): unknown {
  const text = readSourceText(file, what);
  try {
    return opts.yaml ? parseYaml(text, { maxAliasCount: -1 }) : JSON.parse(text);
  } catch (e) {
    throw new RoutebenchError('RB_INPUT_INVALID', `${file}: the ${what} is not valid ${opts.yaml ? 'YAML/JSON' : 'JSON'} (${(e as Error).message})`, { field: file, cause: e });
  }
}

/** A lenient zod parse at the edge: unknown fields pass, a wrong known field is RB_INPUT_INVALID naming file and path. */
export function parseSource<T extends z.ZodType>(schema: T, data: unknown, file: string, what: string): z.infer<T> {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  const first = r.error.issues[0];
  const path = first ? first.path.map(String).join('.') : '';
  throw new RoutebenchError('RB_INPUT_INVALID', `${file}: not a valid ${what}${path ? ` (field ${path})` : ''}:\n${z.prettifyError(r.error)}`, {
    field: path ? `${file}:${path}` : file,
  });
}

/**
 * The wall-clock span of an import that lasted `spanS`: from the user's --started-at, else ending at `file`'s
 * modification time (the source carries no wall-clock time of its own).
 */
export function importedRunWindow(startedAtOpt: string | undefined, spanS: number, file: string): { startedAt: string; endedAt: string } {
  const endedAt = startedAtOpt ? new Date(Date.parse(startedAtOpt) + spanS * 1000).toISOString() : statSync(file).mtime.toISOString();
  const startedAt = startedAtOpt ?? new Date(Date.parse(endedAt) - spanS * 1000).toISOString();
  return { startedAt, endedAt };
}

/**
 * Write a run folder from imported per-request records: requests.jsonl + requests.csv record by record, then the
 * summary rebuilt from the records by summarizeRecords (what `routebench summarize` does), with the source in
 * summary.extra.importedFrom.
 */
export async function writeImportedRecords(
  outDir: string,
  records: readonly RequestRecord[],
  meta: { scenario: string; target: string; startedAt: string; endedAt: string; tokenizer?: string },
  source: ImportSource,
  extra: Record<string, unknown>,
  opts: { force?: boolean } = {},
): Promise<ImportResult> {
  const out = await openRunOutputs(outDir, { force: opts.force });
  for (const r of records) out.append(r);
  const summary = await summarizeRecords(records, meta);
  summary.extra = { ...summary.extra, ...extra, importedFrom: source };
  await writeRunOutputs(out, summary);
  return { outDir, summary, records: records.length, source };
}

/** One latency distribution given as statistics only (ms), without the values. */
export interface AggregateLatency {
  p50?: number | null;
  p90?: number | null;
  p95?: number | null;
  p99?: number | null;
  p999?: number | null;
  mean?: number | null;
  min?: number | null;
  max?: number | null;
}

export interface AggregateFigures {
  /** Requests measured (ok + errors). */
  requests: number;
  ok: number;
  errors: number;
  durationS: number | null;
  requestsPerS: number | null;
  outputTokensPerS: number | null;
  promptTokensPerS: number | null;
  requestedRate: number | null;
  /** Token totals when known (else 0). */
  tokens?: { prompt: number; completion: number; cached: number };
  ttft?: AggregateLatency | null;
  itl?: AggregateLatency | null;
  tpot?: AggregateLatency | null;
  e2e?: AggregateLatency | null;
  scheduleDelay?: AggregateLatency | null;
  errorsByClass?: Record<string, number>;
}

const EMPTY_HIST = createMsHistogram().encode();

function statsOnly(a: AggregateLatency | null | undefined, count: number): LatencyStats {
  const v = (x: number | null | undefined) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
  const has = a ? [a.p50, a.p90, a.p95, a.p99, a.p999, a.mean, a.min, a.max].some((x) => v(x) !== null) : false;
  return {
    p50: v(a?.p50),
    p90: v(a?.p90),
    p95: v(a?.p95),
    p99: v(a?.p99),
    p999: v(a?.p999),
    mean: v(a?.mean),
    min: v(a?.min),
    max: v(a?.max),
    // The number of values the statistics describe; the histogram is empty (the source has no values).
    count: has ? count : 0,
    hist: EMPTY_HIST,
  };
}

function dimensionOf(fig: AggregateFigures): DimensionStats {
  return {
    count: fig.requests,
    ok: fig.ok,
    errors: fig.errors,
    cancelled: 0,
    tokens: fig.tokens ?? { prompt: 0, completion: 0, cached: 0 },
    ttft: statsOnly(fig.ttft, fig.ok),
    itl: statsOnly(fig.itl, fig.ok),
    tpot: statsOnly(fig.tpot, fig.ok),
    e2e: statsOnly(fig.e2e, fig.ok),
    scheduleDelay: statsOnly(fig.scheduleDelay, fig.requests),
    latencyFromIntended: statsOnly(null, 0),
  };
}

/**
 * A summary from aggregate figures alone (a source without per-request data). The statistics are the source's own;
 * every histogram is empty and summary.extra.aggregateOnly is true, so nothing can be recomputed or merged exactly.
 */
export async function writeAggregateRun(
  outDir: string,
  fig: AggregateFigures,
  meta: { scenario: string; target: string; startedAt: string; endedAt: string; tokenizer?: string },
  source: ImportSource,
  extra: Record<string, unknown>,
  opts: { force?: boolean; dimensions?: Record<string, AggregateFigures> } = {},
): Promise<ImportResult> {
  assertCanWriteRun(outDir, opts.force);
  const base = await summarizeRecords([], meta);
  const tokens = fig.tokens ?? { prompt: 0, completion: 0, cached: 0 };
  const dimensions: Record<string, DimensionStats> = { overall: dimensionOf(fig) };
  for (const [k, f] of Object.entries(opts.dimensions ?? {})) dimensions[k] = dimensionOf(f);
  const nz = (x: number | null) => (x !== null && Number.isFinite(x) && x >= 0 ? x : 0);
  const summary: Summary = {
    ...base,
    counts: { sent: fig.requests, finished: fig.requests, ok: fig.ok, error: fig.errors, cancelled: 0, inFlight: 0, warmup: { sent: 0, finished: 0 } },
    window: null,
    rates: {
      durationS: nz(fig.durationS),
      requestsPerS: nz(fig.requestsPerS),
      okPerS: fig.requestsPerS !== null && fig.requests > 0 ? nz((fig.requestsPerS * fig.ok) / fig.requests) : 0,
      outputTokensPerS: nz(fig.outputTokensPerS),
      promptTokensPerS: nz(fig.promptTokensPerS),
      requestedRate: fig.requestedRate,
      achievedSendRate: null,
    },
    counters: { ...base.counters, errorsByClass: fig.errorsByClass ?? {}, tokens },
    dimensions,
    extra: { ...extra, aggregateOnly: true, importedFrom: source },
  };
  summary.meta.durationS = nz(fig.durationS);
  mkdirSync(outDir, { recursive: true });
  writeJsonAtomic(join(outDir, RUN_FILES.summary), summary);
  await writePodsCsv(summary, join(outDir, RUN_FILES.podsCsv));
  await writeTimeseriesCsv(summary, join(outDir, RUN_FILES.timeseriesCsv));
  return { outDir, summary, records: 0, source };
}
