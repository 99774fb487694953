// The files of a run folder, each written once. requests.jsonl is appended record by record while the run goes,
// in batches of at most 100 ms (batched-file.ts: a crash keeps everything finished so far, a SIGKILL loses the
// last batch). At the end requests.csv is rendered from requests.jsonl (csv.ts writeRequestsCsvFromJsonl: the
// run's CPU goes to measuring, not to a second copy of every record), and summary.json, pods.csv and
// timeseries.csv are written from the summary. `summarize` rebuilds all four after a crash.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RoutebenchError } from '../errors.ts';
import { createJsonlWriter, type JsonlWriter } from './jsonl.ts';
import { writePodsCsv, writeRequestsCsvFromJsonl, writeTimeseriesCsv } from './csv.ts';
import type { RequestRecord } from '../record/request-record.ts';
import type { Summary } from '../record/summary.ts';

export const RUN_FILES = {
  requests: 'requests.jsonl',
  summary: 'summary.json',
  requestsCsv: 'requests.csv',
  podsCsv: 'pods.csv',
  timeseriesCsv: 'timeseries.csv',
} as const;

export interface RunOutputs {
  dir: string;
  append(record: RequestRecord): void;
  /** Hand every appended record to the kernel now (appends are batched: batched-file.ts). */
  flush(): void;
}

interface RunOutputsInternal extends RunOutputs {
  jsonl: JsonlWriter;
}

/** Whether `dir` already holds a run (requests.jsonl or summary.json). */
export function holdsRun(dir: string): boolean {
  return existsSync(join(dir, RUN_FILES.requests)) || existsSync(join(dir, RUN_FILES.summary));
}

/** The one check before anything is written: a folder that holds a run is never overwritten without force. */
export function assertCanWriteRun(dir: string, force = false): void {
  if (!force && holdsRun(dir)) {
    throw new RoutebenchError('RB_OUTPUT_EXISTS', `output folder ${dir} already holds a run; choose another --out or pass --force`, { field: 'outDir' });
  }
}

/** Create a run folder (or take an empty / forced one) and open its per-record files. */
export async function openRunOutputs(dir: string, opts: { force?: boolean } = {}): Promise<RunOutputs> {
  assertCanWriteRun(dir, opts.force);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, RUN_FILES.requests);
  if (existsSync(path)) writeFileSync(path, '');
  const jsonl = createJsonlWriter(path);
  const out: RunOutputsInternal = {
    dir,
    jsonl,
    append: (r) => jsonl.write(r),
    flush: () => jsonl.flush(),
  };
  return out;
}

/** Write a JSON file atomically (temp file + rename), so a reader never sees half a summary. */
export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  renameSync(tmp, path);
}

/** Finish a run folder: close requests.jsonl, render requests.csv from it, write summary.json, pods.csv and timeseries.csv. */
export async function writeRunOutputs(outputs: RunOutputs, summary: Summary): Promise<void> {
  const o = outputs as RunOutputsInternal;
  o.jsonl.close();
  await writeRequestsCsvFromJsonl(o.jsonl.path, join(o.dir, RUN_FILES.requestsCsv), { validate: false });
  writeJsonAtomic(join(o.dir, RUN_FILES.summary), summary);
  await writePodsCsv(summary, join(o.dir, RUN_FILES.podsCsv));
  await writeTimeseriesCsv(summary, join(o.dir, RUN_FILES.timeseriesCsv));
}

/**
 * Rebuild a folder's derived files from its requests.jsonl and a summary (what `summarize` does after a crash):
 * summary.json, requests.csv (re-read from requests.jsonl), pods.csv, timeseries.csv.
 */
export async function writeSummaryFiles(dir: string, summary: Summary): Promise<void> {
  writeJsonAtomic(join(dir, RUN_FILES.summary), summary);
  await writeRequestsCsvFromJsonl(join(dir, RUN_FILES.requests), join(dir, RUN_FILES.requestsCsv), { validate: true });
  await writePodsCsv(summary, join(dir, RUN_FILES.podsCsv));
  await writeTimeseriesCsv(summary, join(dir, RUN_FILES.timeseriesCsv));
}
