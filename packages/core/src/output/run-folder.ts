// The files of a run folder. requests.jsonl is appended record by record while the run goes (so a
// crash keeps everything finished so far); the rest is written at the end from the summary and
// from requests.jsonl itself (never from records held in memory).
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createJsonlWriter, readJsonl, type JsonlWriter } from './jsonl.ts';
import { writePodsCsv, writeRequestsCsv, writeTimeseriesCsv } from './csv.ts';
import { RequestRecordSchema, type RequestRecord } from '../record/request-record.ts';
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
}

interface RunOutputsInternal extends RunOutputs {
  writer: JsonlWriter;
}

/**
 * Create a run folder, or use an existing one that holds no run yet. A folder that already holds a
 * run (requests.jsonl or summary.json) is never overwritten without force.
 */
export async function openRunOutputs(dir: string, opts: { force?: boolean } = {}): Promise<RunOutputs> {
  const path = join(dir, RUN_FILES.requests);
  const holdsRun = existsSync(path) || existsSync(join(dir, RUN_FILES.summary));
  if (holdsRun && !opts.force) {
    throw new Error(`output folder ${dir} already holds a run; choose another --out or pass --force`);
  }
  mkdirSync(dir, { recursive: true });
  if (existsSync(path)) writeFileSync(path, '');
  const writer = createJsonlWriter(path);
  const out: RunOutputsInternal = { dir, writer, append: (r) => writer.write(r) };
  return out;
}

/** Write a JSON file atomically (temp file + rename), so a reader never sees half a summary. */
export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  renameSync(tmp, path);
}

/** Finish a run folder: close requests.jsonl, write summary.json, requests.csv, pods.csv and timeseries.csv. */
export async function writeRunOutputs(outputs: RunOutputs, summary: Summary): Promise<void> {
  (outputs as RunOutputsInternal).writer?.close();
  await writeSummaryFiles(outputs.dir, summary);
}

/** summary.json + requests.csv (re-read from requests.jsonl) + pods.csv + timeseries.csv. Also used by `summarize`. */
export async function writeSummaryFiles(dir: string, summary: Summary): Promise<void> {
  writeJsonAtomic(join(dir, RUN_FILES.summary), summary);
  await writeRequestsCsv(readJsonl(join(dir, RUN_FILES.requests), { schema: RequestRecordSchema }), join(dir, RUN_FILES.requestsCsv));
  await writePodsCsv(summary, join(dir, RUN_FILES.podsCsv));
  await writeTimeseriesCsv(summary, join(dir, RUN_FILES.timeseriesCsv));
}
