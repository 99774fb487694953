// What a finished run or table means for the exit code, and the console lines that say why it failed.
// Exit codes (README "## The `routebench` command"): 0 every claim passed, 1 a claim failed, 3 the run
// failed (no measured request succeeded), 4 no claim failed but one was Inconclusive. 2 (usage) is
// decided before anything is sent and never reaches here.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { redactSecrets, type Summary, type Verdict } from '@routebench/core';
import type { RepeatSummary } from '@routebench/scenarios';
import { EXIT, UsageError } from './exit-codes.ts';

/** 1 when a claim failed, else 4 when one was Inconclusive, else 0. */
export function verdictExit(verdicts: readonly Pick<Verdict, 'status'>[]): number {
  if (verdicts.some((v) => v.status === 'Fail')) return EXIT.claimFailed;
  if (verdicts.some((v) => v.status === 'Inconclusive')) return EXIT.inconclusive;
  return EXIT.ok;
}

// Worst first: a run that failed says nothing about its claims (3); a failed claim (1) outranks an open
// question (4); all passed (0) is the best. Usage (2) never mixes with the others.
const SEVERITY: readonly number[] = [EXIT.usage, EXIT.runError, EXIT.claimFailed, EXIT.inconclusive, EXIT.ok];

/** The worst of several exit codes (`table` over its rows): 2 > 3 > 1 > 4 > 0. */
export function worstExit(codes: readonly number[]): number {
  let best = EXIT.ok as number;
  for (const c of codes) if (SEVERITY.indexOf(c) < SEVERITY.indexOf(best)) best = c;
  return best;
}

export interface RunFailure {
  /** No measured request succeeded (or none was sent though the run was not stopped). */
  failed: boolean;
  /** Error classes with counts and one sample message each, secrets redacted; empty when no request failed. */
  lines: string[];
}

const SAMPLE_MAX = 200;

/**
 * Why requests of a run folder failed: its summary's counts decide, requests.jsonl gives one sample message
 * per error class. Server messages can echo what was sent, so every secret (API key, header values) is
 * replaced before it reaches the console.
 */
export function runFailure(dir: string, summary: Summary, opts: { stopped: boolean; secrets: readonly (string | undefined)[] }): RunFailure {
  const { sent, ok, error } = summary.counts;
  const failed = ok === 0 && (sent > 0 || !opts.stopped);
  const lines: string[] = [];
  if (error > 0) {
    const byClass = new Map<string, { n: number; sample: string | null }>();
    const file = join(dir, 'requests.jsonl');
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      let r: { status?: string; phase?: string; errorClass?: string | null; errorMessage?: string | null; httpStatus?: number | null };
      try {
        r = JSON.parse(line);
      } catch {
        continue; // a line cut off by a hard stop
      }
      if (r.status !== 'error' || r.phase === 'warmup') continue;
      const cls = `${r.errorClass ?? 'unknown'}${r.httpStatus ? ` (HTTP ${r.httpStatus})` : ''}`;
      const e = byClass.get(cls) ?? byClass.set(cls, { n: 0, sample: null }).get(cls)!;
      e.n++;
      e.sample ??= r.errorMessage ?? null;
    }
    const sorted = [...byClass].sort((a, b) => b[1].n - a[1].n);
    lines.push(`errors by class (${error} of ${sent} measured requests failed):`);
    for (const [cls, { n, sample }] of sorted) {
      const msg = sample === null ? '' : redactSecrets(sample.replace(/\s+/g, ' ').trim(), opts.secrets);
      lines.push(`  ${cls}: ${n}${msg ? `  e.g. "${msg.length > SAMPLE_MAX ? `${msg.slice(0, SAMPLE_MAX)}…` : msg}"` : ''}`);
    }
  }
  if (failed) lines.push(sent === 0 ? 'run failed: no request was sent' : `run failed: none of ${sent} measured requests succeeded`);
  return { failed, lines };
}

/** A run folder whose main run sent measured requests and none succeeded (its summary.json is the main run's). */
export function folderRunFailed(dir: string): boolean {
  try {
    const c = (JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { counts: { sent: number; ok: number } }).counts;
    return c.sent > 0 && c.ok === 0;
  } catch {
    return false;
  }
}

/** The folders under a repeat's folder whose main run failed: the folder itself (run --repeat) or its presets' (table --repeat). */
export function failedRunsUnder(dir: string): string[] {
  if (folderRunFailed(dir)) return [dir];
  let subs: string[] = [];
  try {
    subs = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(dir, d.name));
  } catch {
    return [];
  }
  return subs.filter(folderRunFailed);
}

/**
 * The exit code of `--repeat` (run and table), the worst over the repeats as without it: a repeat whose main run
 * had no successful request → 3 (said on stderr), a main verdict that failed in any repeat → 1, one Inconclusive
 * in any repeat → 4.
 */
export function repeatExit(summary: Pick<RepeatSummary, 'dirs' | 'anyMainFail' | 'claims'>): number {
  const failed = summary.dirs.flatMap(failedRunsUnder);
  if (failed.length > 0) process.stderr.write(`run failed: no measured request succeeded in ${failed.join(', ')}\n`);
  return worstExit([
    failed.length > 0 ? EXIT.runError : EXIT.ok,
    summary.anyMainFail ? EXIT.claimFailed : EXIT.ok,
    summary.claims.some((c) => c.inconclusive > 0) ? EXIT.inconclusive : EXIT.ok,
  ]);
}

/** `--out` names a file: it would fail at mkdir after the simulator started (exit 3, a stack trace). Refuse first. */
export function assertOutIsFolder(outDir: string): void {
  if (existsSync(outDir) && !statSync(outDir).isDirectory()) throw new UsageError(`--out: ${outDir} is a file, not a folder; choose another --out`, '--out');
}
