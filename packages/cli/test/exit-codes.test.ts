// Exit codes 0–4 (README "## The `routebench` command") against real servers on loopback: the embedded
// simulator, a loopback fault server, and a port nothing listens on. A run in which no measured request
// succeeded exits 3 and its last console lines name the error classes with a sample message each.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/exit-codes.ts';
import { worstExit } from '../src/outcome.ts';
import { startFaultServer, type FaultServer } from '../../core/test/fixtures/fault-server.ts';
import { runCli } from './cli-harness.ts';

let dir: string;
let server: FaultServer;
let n = 0;
const out = () => join(dir, `o${n++}`);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rb-exit-'));
  server = await startFaultServer();
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A loopback port with nothing listening on it (bound, then closed). */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('exit codes', () => {
  it('3 when the target is unreachable, naming the error class with a sample', async () => {
    const r = await runCli(['run', 'smoke', '--quick', '--target', `http://127.0.0.1:${await deadPort()}`, '--out', out()]);
    expect(r.code, r.out).toBe(EXIT.runError);
    const tail = r.out.trim().split('\n').slice(-3).join('\n');
    expect(tail).toMatch(/connect: 4 +e\.g\. "connect ECONNREFUSED/);
    expect(tail).toMatch(/run failed: none of 4 measured requests succeeded/);
  });

  it('3 when the simulator does not serve the model (every request HTTP 404)', async () => {
    const r = await runCli(['run', 'smoke', '--quick', '--set', 'model=no-such-model', '--out', out()]);
    expect(r.code, r.out).toBe(EXIT.runError);
    expect(r.out).toMatch(/http_4xx \(HTTP 404\): 4 +e\.g\. ".*no-such-model.*does not exist/);
  });

  it('3 on every request failing, and the API key a server echoes back never reaches the console', async () => {
    const key = 'sk-exit-code-test-secret-1234567890';
    process.env.RB_EXIT_TEST_KEY = key;
    try {
      const r = await runCli(['run', 'smoke', '--quick', '--target', server.url, '-H', 'x-fault: echo', '-H', 'x-fault-where: body', '--api-key-env', 'RB_EXIT_TEST_KEY', '--out', out()]);
      expect(r.code, r.out).toBe(EXIT.runError);
      expect(r.out).toMatch(/http_5xx \(HTTP 500\): 4/);
      expect(r.out).toContain('[REDACTED]');
      expect(r.out).not.toContain(key);
      expect(r.out).not.toContain(Buffer.from(key).toString('base64'));
    } finally {
      delete process.env.RB_EXIT_TEST_KEY;
    }
  });

  it('3 from --repeat when a repeat had no successful request', async () => {
    const r = await runCli(['run', 'smoke', '--quick', '--repeat', '2', '--target', `http://127.0.0.1:${await deadPort()}`, '--out', out()]);
    expect(r.code, r.out).toBe(EXIT.runError);
    expect(r.out).toMatch(/run failed: no measured request succeeded in .*repeat-1.*repeat-2/);
  });

  it('0 when every request succeeded and no claim failed', async () => {
    const r = await runCli(['run', 'smoke', '--quick', '--target', server.url, '--out', out()]);
    expect(r.code, r.out).toBe(EXIT.ok);
    expect(r.out).not.toContain('errors by class');
  });

  it('4 when no claim failed but one was Inconclusive (too few requests to decide)', async () => {
    const r = await runCli(['run', 'prefix-cache', '--quick', '--no-controls', '--requests', '12', '--seed', '1', '--out', out()]);
    expect(r.out).toMatch(/\| Inconclusive \|/);
    expect(r.out).not.toMatch(/\| Fail \|/);
    expect(r.code, r.out).toBe(EXIT.inconclusive);
  });

  it('table takes the worst over its rows: 2 > 3 > 1 > 4 > 0', () => {
    expect(worstExit([])).toBe(EXIT.ok);
    expect(worstExit([EXIT.ok, EXIT.inconclusive])).toBe(EXIT.inconclusive);
    expect(worstExit([EXIT.inconclusive, EXIT.claimFailed, EXIT.ok])).toBe(EXIT.claimFailed);
    expect(worstExit([EXIT.claimFailed, EXIT.runError, EXIT.inconclusive])).toBe(EXIT.runError);
  });
});
