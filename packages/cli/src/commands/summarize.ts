// `routebench summarize <run>`: rebuild summary.json, requests.csv and pods.csv from requests.jsonl —
// after a crash or kill, or after editing records. Every complete record counts; a line cut off
// mid-write (a killed run) is skipped and reported.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { readJsonl } from '@routebench/core';
import { RequestRecordSchema, type RequestRecord } from '@routebench/core';
import { SummarySchema, type Summary } from '@routebench/core';
import { summarizeRecords } from '@routebench/core';
import { writeSummaryFiles } from '@routebench/core';
import { UsageError } from '../exit-codes.ts';

export async function summarizeRun(dir: string): Promise<{ summary: Summary; skipped: number; truncatedTail: boolean; corruptLines: number[] }> {
  const path = join(dir, 'requests.jsonl');
  if (!existsSync(path)) throw new UsageError(`${dir}: no requests.jsonl to summarize`);
  const reader = readJsonl<RequestRecord>(path, { schema: RequestRecordSchema });
  const records: RequestRecord[] = [];
  for await (const r of reader) records.push(r);
  const previous = readPrevious(dir);
  const times = records.map((r) => r.times);
  const startedAt = previous?.meta.startedAt ?? new Date().toISOString();
  const summary = await summarizeRecords(records, {
    ...(previous?.meta ?? {}),
    scenario: previous?.meta.scenario ?? scenarioName(dir),
    target: previous?.meta.target ?? 'unknown',
    startedAt,
    endedAt: previous?.meta.endedAt ?? new Date(Date.parse(startedAt) + Math.max(0, ...times.map((t) => t.end))).toISOString(),
  });
  if (previous) summary.extra = { ...previous.extra, ...summary.extra };
  summary.extra = { ...summary.extra, rebuiltFrom: { file: 'requests.jsonl', skippedLines: reader.stats.skipped, truncatedTail: reader.stats.truncatedTail } };
  await writeSummaryFiles(dir, summary);
  return { summary, skipped: reader.stats.skipped, truncatedTail: reader.stats.truncatedTail, corruptLines: reader.stats.corruptLines };
}

function readPrevious(dir: string): Summary | null {
  const p = join(dir, 'summary.json');
  if (!existsSync(p)) return null;
  try {
    const r = SummarySchema.safeParse(JSON.parse(readFileSync(p, 'utf8')));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

function scenarioName(dir: string): string {
  const p = join(dir, 'scenario.json');
  if (existsSync(p)) {
    try {
      const name = (JSON.parse(readFileSync(p, 'utf8')) as { name?: unknown }).name;
      if (typeof name === 'string' && name) return name;
    } catch {
      /* fall through */
    }
  }
  return 'run';
}

export function summarizeCommand(): Command {
  return new Command('summarize')
    .description('rebuild summary.json, requests.csv and pods.csv of a run folder from its requests.jsonl (e.g. after a crash)')
    .argument('<run>', 'run folder')
    .action(async (dir: string) => {
      const r = await summarizeRun(dir);
      const c = r.summary.counts;
      process.stdout.write(`${dir}: ${c.sent} measured requests (${c.ok} ok, ${c.error} errors, ${c.cancelled} cancelled), ${c.warmup.sent} warm-up\n`);
      if (r.truncatedTail) process.stdout.write('the last line was cut off mid-write (killed run) and was skipped\n');
      if (r.corruptLines.length > 0) process.stdout.write(`skipped corrupt lines: ${r.corruptLines.join(', ')}\n`);
    });
}
