// Nothing lost: a real `routebench run` child process against a slow loopback fixture, interrupted by
// SIGINT / SIGTERM (graceful: requests.jsonl + summary.json), a second signal or SIGKILL (at once; SIGKILL loses the last ≤ 100 ms batch:
// requests.jsonl survives and `routebench summarize` rebuilds the rest), and an uncaught crash of a
// process driving run() (requests.jsonl again). Counts are checked against the lines on disk.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultServer, type FaultServer } from '../fixtures/fault-server.ts';

const ROOT = resolve(fileURLToPath(new URL('./', import.meta.url)), '../../../..');
const CLI = join(ROOT, 'packages/cli/src/main.ts');
const RUN_TS = join(ROOT, 'packages/core/src/run.ts');

let dir: string;
let server: FaultServer;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rb-signals-'));
  server = await startFaultServer();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Child {
  proc: ChildProcess;
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function spawnNode(args: string[]): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(proc);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => proc.once('exit', (code, signal) => r({ code, signal })));
  return { proc, output: () => out, exit };
}

/** A scenario of slow requests (each 400 ms, or `ms`) at 20/s for 60 s: always something in flight. */
function slowScenario(name: string, ms = 400): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      name,
      feature: 'Queue balance',
      mode: 'Aggregated',
      target: { url: server.url },
      headers: { 'x-fault': 'slow-headers', 'x-fault-ms': String(ms) },
      workload: { type: 'random', input_len: 8, output_len: 2 },
      load: { type: 'constant', rate: 20, durationS: 60, drainTimeoutMs: 10_000 },
    }),
  );
  return path;
}

function lines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '') : [];
}

/** Wait (on the data, not the clock) until the run has written at least n records. */
async function untilRecords(path: string, n: number, child: Child, limitMs = 60_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (lines(path).length < n) {
    if (child.proc.exitCode !== null) throw new Error(`child exited early: ${child.output()}`);
    if (Date.now() > until) throw new Error(`no ${n} records after ${limitMs} ms: ${child.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function completeRecords(path: string): number {
  // A line cut off mid-write by a kill is not a record.
  return lines(path).filter((l) => {
    try {
      JSON.parse(l);
      return true;
    } catch {
      return false;
    }
  }).length;
}

function summaryCount(dirPath: string): number {
  const s = JSON.parse(readFileSync(join(dirPath, 'summary.json'), 'utf8'));
  expect(s.counts.sent).toBe(s.counts.finished);
  expect(s.counts.ok + s.counts.error + s.counts.cancelled).toBe(s.counts.sent);
  return s.counts.sent + s.counts.warmup.sent;
}

describe('signals to a running `routebench run`', () => {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    it(`one ${sig}: stops sending, drains, writes requests.jsonl and a summary that counts every line`, async () => {
      const out = join(dir, `graceful-${sig}`);
      const child = spawnNode([CLI, 'run', slowScenario(`graceful-${sig}`), '--out', out, '--workers', '1']);
      await untilRecords(join(out, 'requests.jsonl'), 5, child);
      child.proc.kill(sig);
      const { code } = await child.exit;
      expect(code, child.output()).toBe(0);
      expect(child.output()).toContain(`${sig}: stopping`);
      const n = completeRecords(join(out, 'requests.jsonl'));
      expect(n).toBeGreaterThanOrEqual(5);
      expect(summaryCount(out)).toBe(n);
      const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
      expect(s.extra.run.stopped).toBe(true);
      // Drained, not cancelled: the in-flight requests (400 ms) finished within the 10 s drain.
      expect(s.counts.cancelled).toBe(0);
      for (const f of ['requests.csv', 'pods.csv', 'report.html']) expect(existsSync(join(out, f)), f).toBe(true);
    }, 90_000);
  }

  it('a second SIGINT quits at once (exit 130); summarize rebuilds the summary from requests.jsonl', async () => {
    const out = join(dir, 'twice');
    // 3 s requests: the first SIGINT starts a drain that the second one cuts short.
    const child = spawnNode([CLI, 'run', slowScenario('twice', 3000), '--out', out, '--workers', '1']);
    await untilRecords(join(out, 'requests.jsonl'), 3, child);
    child.proc.kill('SIGINT');
    // A second signal within 1 s of the first is the same burst (npm's forward, a process group's copy) and is
    // ignored; a later one quits.
    await new Promise((r) => setTimeout(r, 1300));
    child.proc.kill('SIGINT');
    const { code } = await child.exit;
    expect(code, child.output()).toBe(130);
    expect(existsSync(join(out, 'summary.json'))).toBe(false);
    const n = completeRecords(join(out, 'requests.jsonl'));
    expect(n).toBeGreaterThanOrEqual(3);
    const summarize = spawnNode([CLI, 'summarize', out]);
    expect((await summarize.exit).code, summarize.output()).toBe(0);
    expect(summaryCount(out)).toBe(n);
  }, 90_000);

  it('SIGKILL: requests.jsonl keeps every request flushed before the kill (batches of ≤ 100 ms) and summarize rebuilds summary, requests.csv, pods.csv', async () => {
    const out = join(dir, 'killed');
    const child = spawnNode([CLI, 'run', slowScenario('killed'), '--out', out, '--workers', '1']);
    await untilRecords(join(out, 'requests.jsonl'), 5, child);
    child.proc.kill('SIGKILL');
    expect((await child.exit).signal).toBe('SIGKILL');
    const n = completeRecords(join(out, 'requests.jsonl'));
    expect(n).toBeGreaterThanOrEqual(5);
    const summarize = spawnNode([CLI, 'summarize', out]);
    expect((await summarize.exit).code, summarize.output()).toBe(0);
    expect(summaryCount(out)).toBe(n);
    expect(lines(join(out, 'requests.csv'))).toHaveLength(n + 1);
    expect(existsSync(join(out, 'pods.csv'))).toBe(true);
  }, 90_000);

  it('an uncaught crash of a process driving run(): requests.jsonl holds every request finished before it', async () => {
    const out = join(dir, 'crash');
    const script = join(dir, 'crash.mts');
    writeFileSync(
      script,
      `import { run } from ${JSON.stringify(RUN_TS)};
let done = 0;
function* w() { for (let i = 0; i < 100000; i++) yield { model: 'm', messages: [{ role: 'user', content: 'q' + i }], maxTokens: 2, headers: { 'x-fault': 'slow-headers', 'x-fault-ms': '200' } }; }
const inst = run({ target: ${JSON.stringify(server.url)}, workload: w(), load: { type: 'constant', rate: 40, durationS: 60 }, outDir: ${JSON.stringify(out)} });
inst.on('request', () => { done++; if (done === 8) setTimeout(() => { throw new Error('boom: a bug in a listener'); }, 0); });
await inst;
`,
    );
    const child = spawnNode([script]);
    const { code } = await child.exit;
    expect(code, child.output()).toBe(1);
    expect(child.output()).toContain('boom: a bug in a listener');
    const n = completeRecords(join(out, 'requests.jsonl'));
    expect(n).toBeGreaterThanOrEqual(8);
    const summarize = spawnNode([CLI, 'summarize', out]);
    expect((await summarize.exit).code, summarize.output()).toBe(0);
    expect(summaryCount(out)).toBe(n);
  }, 90_000);
});
