// Reading run folders back: summary.json validated, with errors that name the folder.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseSummary, type Summary } from '@routebench/core';
import { UsageError } from '../exit-codes.ts';

/** A run folder's summary (or a summary.json path given directly). */
export function loadSummary(pathOrDir: string): { name: string; summary: Summary } {
  const file = pathOrDir.endsWith('.json') ? pathOrDir : join(pathOrDir, 'summary.json');
  if (!existsSync(file)) throw new UsageError(`${pathOrDir}: no summary.json (run \`routebench summarize ${pathOrDir}\` to rebuild it from requests.jsonl)`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  let summary: Summary;
  try {
    summary = parseSummary(data);
  } catch (e) {
    throw new UsageError(`${file}: ${(e as Error).message}`);
  }
  // A scenario's verdicts live in verdicts.json beside its summary (summary.json is written once, before them).
  const verdictsFile = join(dirname(file), 'verdicts.json');
  if (summary.extra.verdicts === undefined && existsSync(verdictsFile)) {
    try {
      summary.extra = { ...summary.extra, verdicts: JSON.parse(readFileSync(verdictsFile, 'utf8')) };
    } catch (e) {
      throw new UsageError(`${verdictsFile}: not valid JSON (${(e as Error).message})`);
    }
  }
  return { name: basename(pathOrDir.endsWith('.json') ? pathOrDir.replace(/\/?summary\.json$/, '') || 'run' : pathOrDir.replace(/\/+$/, '')), summary };
}

/** Unique display names for several runs (folder names, suffixed when they repeat). */
export function uniqueNames<T extends { name: string }>(runs: T[]): T[] {
  const seen = new Map<string, number>();
  return runs.map((r) => {
    const n = (seen.get(r.name) ?? 0) + 1;
    seen.set(r.name, n);
    return n === 1 ? r : { ...r, name: `${r.name}#${n}` };
  });
}
