// Signals against a real child process (bin/routebench.mjs, as `npx routebench` runs it) sending to a loopback
// server: one burst of signals (npm's forward plus the terminal's, or a wrapper and its process group each
// getting SIGTERM) stops the run once and summary.json is written; a signal after the burst quits at once (130).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/exit-codes.ts';
import { startFaultServer, type FaultServer } from '../../core/test/fixtures/fault-server.ts';

const BIN = fileURLToPath(new URL('../bin/routebench.mjs', import.meta.url));
let dir: string;
let server: FaultServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rb-signals-'));
  server = await startFaultServer();
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Start a long run; resolve once it is sending, with a handle to signal it and await its exit. */
async function startRun(out: string, fault: string[]) {
  const child = spawn(process.execPath, [BIN, 'run', 'smoke', '--target', server.url, '--duration', '60', '--concurrency', '2', '--workers', '1', '--drain-timeout', '30000', '--out', out, ...fault], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  while (!output.includes('running against') && Date.now() < deadline) await sleep(50);
  return { child, exited, output: () => output };
}

describe('signals', () => {
  it('two SIGTERMs within a burst stop the run once: it drains and writes summary.json', async () => {
    const out = join(dir, 'burst');
    const run = await startRun(out, ['-H', 'x-fault: slow-headers', '-H', 'x-fault-ms: 200']);
    await sleep(800); // some requests finished
    run.child.kill('SIGTERM');
    await sleep(20);
    run.child.kill('SIGTERM');
    const code = await run.exited;
    expect(code, run.output()).toBe(EXIT.ok);
    expect(existsSync(join(out, 'summary.json')), run.output()).toBe(true);
    expect(run.output()).toMatch(/run stopped early/);
  }, 60_000);

  it('a signal after the burst quits at once with 130, without waiting for stalled requests', async () => {
    const out = join(dir, 'twice');
    const run = await startRun(out, ['-H', 'x-fault: stall']);
    await sleep(300);
    run.child.kill('SIGINT');
    await sleep(1300);
    const t0 = Date.now();
    run.child.kill('SIGINT');
    const code = await run.exited;
    expect(code, run.output()).toBe(130);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(existsSync(join(out, 'summary.json'))).toBe(false);
  }, 60_000);
});
