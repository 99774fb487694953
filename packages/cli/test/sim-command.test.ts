// `routebench sim --port N` as a user runs it (a child process): the gateway listens on N and every URL the
// console prints answers — the gateway's OpenAI API, each pod's base URL and /metrics, the EPP's /metrics.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../src/exit-codes.ts';
import { runCli } from './cli-harness.ts';

const BIN = fileURLToPath(new URL('../bin/routebench.mjs', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function listening(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port };
}

describe('routebench sim', () => {
  it('--port sets the gateway port and every printed URL answers', async () => {
    const free = await listening();
    const port = free.port;
    await new Promise<void>((r) => free.server.close(() => r()));
    const child = spawn(process.execPath, [BIN, 'sim', '--preset', 'agg-2', '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 30_000;
      while (!output.includes('Ctrl-C to stop') && Date.now() < deadline) await sleep(50);
      expect(output).toContain(`gateway      http://127.0.0.1:${port}`);
      const models = (await (await fetch(`http://127.0.0.1:${port}/v1/models`)).json()) as { data: { id: string }[] };
      expect(models.data.length).toBeGreaterThan(0);
      const pods = [...output.matchAll(/^pod (\S+) +(http:\/\/\S+)  metrics (http:\/\/\S+)$/gm)];
      expect(pods.map((m) => m[1])).toEqual(['agg-0', 'agg-1']);
      for (const [, , base, metrics] of pods) {
        expect((await fetch(`${base}/v1/models`)).status).toBe(200);
        expect(await (await fetch(metrics!)).text()).toContain('vllm:');
      }
      expect(output).toMatch(/^epp metrics  http:\/\/127\.0\.0\.1:\d+\/metrics$/m);
      expect(output).toMatch(/^epp log      /m);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, output).toBe(EXIT.ok);
  }, 60_000);

  it('--port already in use exits 2 naming the flag', async () => {
    const taken = await listening();
    try {
      const r = await runCli(['sim', '--preset', 'agg-2', '--port', String(taken.port)]);
      expect(r.code, r.out).toBe(EXIT.usage);
      expect(r.out).toMatch(new RegExp(`--port ${taken.port}: 127\\.0\\.0\\.1:${taken.port} is already in use`));
    } finally {
      await new Promise<void>((r) => taken.server.close(() => r()));
    }
  });

  it('--port out of range exits 2', async () => {
    const r = await runCli(['sim', '--preset', 'agg-2', '--port', '70000']);
    expect(r.code, r.out).toBe(EXIT.usage);
    expect(r.out).toMatch(/--port expects an integer of at most 65535, got "70000"/);
  });
});
