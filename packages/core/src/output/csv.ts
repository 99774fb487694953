// CSV outputs for spreadsheets and pandas: requests.csv (one row per request) and pods.csv (one row per pod).
// Column lists are exported so the README and readers share one definition. Times are ms rounded to µs; empty
// cells mean "did not happen / unknown" (null in the JSON).
import { createWriteStream, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { createBatchedFile } from './batched-file.ts';
import { csvLine, csvRecord, type CsvCell as Cell } from './csv-row.ts';
import { itlMeanMs } from '../record/itl.ts';
import { RequestRecordSchema, type RequestRecord } from '../record/request-record.ts';
import { readJsonl } from './jsonl.ts';
import type { LatencyStats, Summary } from '../record/summary.ts';

export const REQUESTS_CSV_COLUMNS = [
  'seq',
  'requestId',
  'phase',
  'stage',
  'model',
  'servedModel',
  'pod',
  'podSource',
  'groupId',
  'status',
  'errorClass',
  'httpStatus',
  'ttftMs',
  'tpotMs',
  'itlMeanMs',
  'e2eMs',
  'scheduleDelayMs',
  'latencyFromIntendedMs',
  'promptTokens',
  'completionTokens',
  'cachedTokens',
  'finishReason',
] as const;

export const PODS_CSV_COLUMNS = [
  'pod',
  'requests',
  'errors',
  /** requests / all measured requests */
  'share',
  'ttftP50Ms',
  'ttftP90Ms',
  'ttftP99Ms',
  'itlP50Ms',
  'itlP99Ms',
  'tpotP50Ms',
  'tpotP99Ms',
  'e2eP50Ms',
  'e2eP99Ms',
  'outputTokens',
] as const;

function ms(v: number | null): number | null {
  return v === null ? null : Math.round(v * 1000) / 1000;
}

export function requestCsvRow(r: RequestRecord): Cell[] {
  return [
    r.seq,
    r.requestId,
    r.phase,
    r.stage,
    r.model,
    r.servedModel,
    r.pod,
    r.podSource,
    r.groupId,
    r.status,
    r.errorClass,
    r.httpStatus,
    ms(r.ttftMs),
    ms(r.tpotMs),
    ms(itlMeanMs(r.chunks)),
    ms(r.e2eMs),
    ms(r.scheduleDelayMs),
    ms(r.latencyFromIntendedMs),
    r.promptTokens,
    r.completionTokens,
    r.cachedTokens,
    r.finishReason,
  ];
}

async function writeCsv(rows: AsyncIterable<Cell[]> | Iterable<Cell[]>, columns: readonly string[], path: string): Promise<void> {
  await pipeline(
    Readable.from(rows, { objectMode: true }),
    stringify({ header: true, columns: [...columns], cast: CSV_CAST }),
    createWriteStream(path),
  );
}

const CSV_CAST = { number: (n: number) => String(n) };

/**
 * requests.csv from a run's requests.jsonl: written when a run ends (run-folder.ts) and by `summarize` after a
 * crash, so the file is always the JSONL's records in the JSONL's order. Until this pass it was appended row by
 * row beside requests.jsonl as the run went; rendering each row cost 4.4 µs of the client's ~64 µs per stream
 * (16-token streams, 64 connections, median of 6 interleaved runs), CPU taken from the measurement while
 * requests.jsonl already held everything the row is made of. Rows are rendered by csv-row.ts (byte-identical to
 * csv-stringify) into batched writes. `validate` checks every line against RequestRecordSchema (for a folder
 * written by another version or imported); a run's own file, just written from validated records, skips it.
 * A line that does not parse, or (validated, or not shaped like a record) fails the schema, is skipped and counted
 * in `skipped`: the end of a run never fails on its own output file.
 */
export async function writeRequestsCsvFromJsonl(jsonlPath: string, csvPath: string, opts: { validate: boolean }): Promise<{ rows: number; skipped: number }> {
  writeFileSync(csvPath, csvRecord(REQUESTS_CSV_COLUMNS));
  const file = createBatchedFile(csvPath, { flags: 'a' });
  const values = readJsonl(jsonlPath);
  let rows = 0;
  let invalid = 0;
  try {
    for await (const v of values) {
      let r: RequestRecord;
      if (!opts.validate && looksLikeRecord(v)) r = v;
      else {
        const parsed = RequestRecordSchema.safeParse(v);
        if (!parsed.success) {
          invalid++;
          continue;
        }
        r = parsed.data;
      }
      file.writeLine(csvLine(requestCsvRow(r)));
      rows++;
    }
  } finally {
    file.close();
  }
  return { rows, skipped: values.stats.skipped + invalid };
}

/** The fields requestCsvRow dereferences, checked without the schema (a run's own lines; others go to the schema). */
function looksLikeRecord(v: unknown): v is RequestRecord {
  const r = v as RequestRecord | null;
  return typeof r === 'object' && r !== null && typeof r.seq === 'number' && Array.isArray(r.chunks) && typeof r.times === 'object' && r.times !== null;
}

/** One row per `pod:<name>` dimension of the summary, sorted by pod name. */
export function podCsvRows(summary: Summary): Cell[][] {
  const total = summary.dimensions.overall?.count ?? 0;
  const rows: Cell[][] = [];
  const p = (s: LatencyStats, k: 'p50' | 'p90' | 'p99') => ms(s[k]);
  for (const name of Object.keys(summary.dimensions).sort()) {
    if (!name.startsWith('pod:')) continue;
    const d = summary.dimensions[name];
    rows.push([
      name.slice('pod:'.length),
      d.count,
      d.errors,
      total > 0 ? Math.round((d.count / total) * 1e6) / 1e6 : null,
      p(d.ttft, 'p50'),
      p(d.ttft, 'p90'),
      p(d.ttft, 'p99'),
      p(d.itl, 'p50'),
      p(d.itl, 'p99'),
      p(d.tpot, 'p50'),
      p(d.tpot, 'p99'),
      p(d.e2e, 'p50'),
      p(d.e2e, 'p99'),
      d.tokens.completion,
    ]);
  }
  return rows;
}

export async function writePodsCsv(summary: Summary, path: string): Promise<number> {
  const rows = podCsvRows(summary);
  await writeCsv(rows, PODS_CSV_COLUMNS, path);
  return rows.length;
}

/** timeseries.csv: one row per second of the run (warm-up traffic included, as in summary.timeseries). */
export const TIMESERIES_CSV_COLUMNS = ['t', 'sent', 'completed', 'errors', 'outputTokens', 'inFlightMax', 'inFlightEnd', 'ttftP50Ms'] as const;

export function timeseriesCsvRows(summary: Summary): Cell[][] {
  return summary.timeseries.buckets.map((b) => [b.t, b.sent, b.completed, b.errors, b.outputTokens, b.inFlightMax, b.inFlightEnd, ms(b.ttftP50Ms)]);
}

export async function writeTimeseriesCsv(summary: Summary, path: string): Promise<number> {
  const rows = timeseriesCsvRows(summary);
  await writeCsv(rows, TIMESERIES_CSV_COLUMNS, path);
  return rows.length;
}
