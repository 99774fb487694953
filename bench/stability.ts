// Verdict stability: the seed table (`routebench table --quick`, the demo) run K times as it is and K
// times with a CPU hog beside it (`node -e 'for(;;){}'`, one busy core, as on a loaded CI machine).
// Reported: how many of the K tables had statuses identical to the most common table of the pair of
// series, and which rows flipped. Each table runs in its own CLI process (the real command, fresh
// simulators), so nothing is shared between tables but the machine.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/** K per series: ROUTEBENCH_STABILITY_K (the README's figure is K = 10); default 2 (about 4 tables, minutes). */
export function stabilityK(env: NodeJS.ProcessEnv = process.env, fallback = 2): number {
  const raw = env.ROUTEBENCH_STABILITY_K;
  if (raw === undefined || raw === '') return fallback;
  const k = Number(raw);
  if (!Number.isInteger(k) || k < 1) throw new Error(`ROUTEBENCH_STABILITY_K: expected a positive integer, got ${JSON.stringify(raw)}`);
  return k;
}

const VerdictRowSchema = z.object({ feature: z.string(), mode: z.string(), claim: z.string(), status: z.string() });

export interface TableStatuses {
  /** "feature | mode | claim" → status, in table order. */
  rows: Array<[string, string]>;
  seconds: number;
  exitCode: number | null;
}

export interface StabilitySeries {
  hog: boolean;
  tables: TableStatuses[];
  /** Tables whose statuses equal the reference (the most common table over both series). */
  identical: number;
  /** Rows whose status differed from the reference in some table: row → statuses seen. */
  flipped: Record<string, string[]>;
}

export interface StabilityResult {
  k: number;
  series: StabilitySeries[];
  reference: Array<[string, string]>;
}

async function runTable(): Promise<TableStatuses> {
  const out = mkdtempSync(join(tmpdir(), 'rb-stability-'));
  const t0 = Date.now();
  try {
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      const p = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'packages/cli/src/main.ts'), 'table', '--quick', '--workers', '1', '-o', out, '--force'], {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      p.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
      p.once('error', reject);
      // 1 = a main claim failed, 4 = one was Inconclusive (findings, recorded); anything else is the bench's problem.
      p.once('exit', (code) => (code === 0 || code === 1 || code === 4 ? resolve(code) : reject(new Error(`routebench table exited ${code}:\n${err}`))));
    });
    const verdicts = z.array(VerdictRowSchema).parse(JSON.parse(readFileSync(join(out, 'verdicts.json'), 'utf8')));
    return { rows: verdicts.map((v) => [`${v.feature} | ${v.mode} | ${v.claim}`, v.status]), seconds: (Date.now() - t0) / 1000, exitCode };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function startHog(): ChildProcess {
  return spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
}

async function stopHog(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise<void>((r) => p.once('exit', () => r()));
  p.kill('SIGKILL');
  await gone;
}

const keyOf = (rows: Array<[string, string]>) => JSON.stringify(rows);

export async function measureStability(k: number, log: (msg: string) => void = () => {}): Promise<StabilityResult> {
  const series: Array<{ hog: boolean; tables: TableStatuses[] }> = [];
  for (const hog of [false, true]) {
    const tables: TableStatuses[] = [];
    for (let i = 1; i <= k; i++) {
      log(`stability: seed table --quick ${i}/${k}${hog ? ' with a CPU hog' : ''}…`);
      const h = hog ? startHog() : null;
      try {
        tables.push(await runTable());
      } finally {
        if (h) await stopHog(h);
      }
    }
    series.push({ hog, tables });
  }
  return compareTables(k, series);
}

/** Identical counts and flipped rows of each series against the most common table over all of them. */
export function compareTables(k: number, series: ReadonlyArray<{ hog: boolean; tables: TableStatuses[] }>): StabilityResult {
  // The reference is the most common table over both series: "identical" then means identical to it,
  // and a series that is self-consistent but different from the other shows as not identical.
  const counts = new Map<string, number>();
  for (const s of series) for (const t of s.tables) counts.set(keyOf(t.rows), (counts.get(keyOf(t.rows)) ?? 0) + 1);
  const refKey = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
  const reference = JSON.parse(refKey) as Array<[string, string]>;
  const refMap = new Map(reference);
  return {
    k,
    reference,
    series: series.map((s) => {
      const flipped: Record<string, string[]> = {};
      for (const t of s.tables)
        for (const [row, st] of t.rows)
          if (refMap.get(row) !== st) {
            const seen = (flipped[row] ??= [refMap.get(row) ?? '(absent)']);
            if (!seen.includes(st)) seen.push(st);
          }
      return { ...s, identical: s.tables.filter((t) => keyOf(t.rows) === refKey).length, flipped };
    }),
  };
}
