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
import type { RequestRecord } from '../record/request-record.ts';
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

/** Write one row per record (warm-up included, flagged by `phase`). Returns the number of rows. */
export async function writeRequestsCsv(
  records: Iterable<RequestRecord> | AsyncIterable<RequestRecord>,
  path: string,
): Promise<number> {
  let n = 0;
  async function* rows(): AsyncGenerator<Cell[]> {
    for await (const r of records) {
      n++;
      yield requestCsvRow(r);
    }
  }
  await writeCsv(rows(), REQUESTS_CSV_COLUMNS, path);
  return n;
}

const CSV_CAST = { number: (n: number) => String(n) };

/**
 * requests.csv written as the run goes, a row per record, in batches like requests.jsonl (batched-file.ts: a
 * killed run keeps every batch handed to the kernel; `summarize` rebuilds both files from requests.jsonl).
 */
export function createRequestsCsvWriter(path: string): { append(r: RequestRecord): void; flush(): void; close(): void } {
  writeFileSync(path, csvRecord(REQUESTS_CSV_COLUMNS));
  // Each row is rendered to its text at once (csv-row.ts: csv-stringify's output without its ~7 KB of
  // allocation per row) and encoded into the batch buffer by writeLine (batched-file.ts).
  const file = createBatchedFile(path, { flags: 'a' });
  return {
    // After close() the file throws ("file … is closed").
    append: (r) => file.writeLine(csvLine(requestCsvRow(r))),
    flush: () => file.flush(),
    close: () => file.close(),
  };
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
