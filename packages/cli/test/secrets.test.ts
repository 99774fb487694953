// Secrets and trust boundaries, end to end through the routebench command:
// - the API key (from an env var or a file) goes to the target only, never to the simulator or a metrics URL,
//   and never into any file of the run folder or the console, even when the server reflects it back
//   (error bodies, SSE error frames, captured response headers), raw or base64-encoded;
// - a metrics source's bearer token goes to its own URL only;
// - TLS is verified by default, --insecure turns it off;
// - every server the simulator starts listens on 127.0.0.1 only;
// - the HTML report does not carry a hostile server's markup.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { startCollector } from '@routebench/core';
import { startCluster } from '@routebench/sim';
import { presetSpec } from '@routebench/sim';
import { EXIT } from '../src/exit-codes.ts';
import { startFaultServer, type FaultServer } from '../../core/test/fixtures/fault-server.ts';
import { selfSignedCert } from '../../core/test/fixtures/self-signed.ts';
import { runCli } from './cli-harness.ts';

const SECRET = `sk-rb-${randomBytes(12).toString('hex')}`;
const METRICS_TOKEN = `mt-${randomBytes(12).toString('hex')}`;
/** Every form of the key that must never be written: raw, base64 of it, base64 of the header carrying it. */
const FORMS = [SECRET, Buffer.from(SECRET).toString('base64'), Buffer.from(`Bearer ${SECRET}`).toString('base64')];

let dir: string;
let server: FaultServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rb-secrets-'));
  server = await startFaultServer();
});
afterAll(async () => {
  delete process.env.RB_TEST_SECRET_KEY;
  delete process.env.RB_TEST_METRICS_TOKEN;
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const cli = runCli;

function filesUnder(root: string): string[] {
  return readdirSync(root).flatMap((n) => {
    const p = join(root, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

function expectNoSecretIn(text: string, where: string): void {
  for (const f of [...FORMS, METRICS_TOKEN]) expect(text.includes(f), `${where} holds a form of the secret (${f.slice(0, 6)}…)`).toBe(false);
}

function scenarioFile(name: string, over: Record<string, unknown>): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(
    path,
    toYaml({
      name,
      feature: 'Queue balance',
      mode: 'Aggregated',
      target: { url: server.url },
      workload: { type: 'random', input_len: 8, output_len: 3 },
      load: { type: 'concurrency', concurrency: 2, requests: 6 },
      metrics: { intervalMs: 100, sources: [{ kind: 'pod', url: `${server.url}/metrics`, name: 'pod-a' }] },
      ...over,
    }),
  );
  return path;
}

describe('the API key', () => {
  it('is sent to the target only, and no file of the run folder or console line holds it, though the server reflects it everywhere', async () => {
    process.env.RB_TEST_SECRET_KEY = SECRET;
    const keyFile = join(dir, 'key.txt');
    writeFileSync(keyFile, `${SECRET}\n`);
    const runs: [string, string[]][] = [
      ['frame', ['--api-key-env', 'RB_TEST_SECRET_KEY', '-H', 'x-fault: echo']],
      ['body', ['--api-key-file', keyFile, '-H', 'x-fault: echo', '-H', 'x-fault-where: body']],
    ];
    for (const [name, flags] of runs) {
      server.seen.length = 0;
      const outDir = join(dir, `run-${name}`);
      const r = await cli(['run', scenarioFile(`echo-${name}`, {}), '--out', outDir, ...flags]);
      // Every request fails (the server answers with an error), so the run failed: exit 3.
      expect(r.code, r.out).toBe(EXIT.runError);
      // The key did go to the target (so the redaction below is tested against real reflections)…
      const completions = server.completions();
      expect(completions).toHaveLength(6);
      for (const s of completions) expect(s.authorization).toBe(`Bearer ${SECRET}`);
      // …and never to the metrics URL on the same host.
      const scrapes = server.seen.filter((s) => s.path === '/metrics');
      expect(scrapes.length).toBeGreaterThan(0);
      for (const s of scrapes) expect(s.authorization).toBeNull();
      // Every request failed with the server's (reflected) message, so the messages were written.
      const summary = JSON.parse(readFileSync(join(outDir, 'summary.json'), 'utf8'));
      expect(summary.counters.errorsByClass).toEqual(name === 'frame' ? { stream_error: 6 } : { http_5xx: 6 });
      const records = readFileSync(join(outDir, 'requests.jsonl'), 'utf8');
      expect(records).toContain('[REDACTED]');
      const files = filesUnder(outDir);
      expect(files.map((f) => f.slice(outDir.length + 1))).toEqual(expect.arrayContaining(['requests.jsonl', 'summary.json', 'requests.csv', 'pods.csv', 'report.html', 'verdicts.json', 'scenario.json']));
      for (const f of files) expectNoSecretIn(readFileSync(f, 'latin1'), f);
      expectNoSecretIn(r.out, 'console output');
    }
  });

  it('is never sent to the simulator (every request the client makes is observed on undici’s diagnostics channel)', async () => {
    process.env.ROUTEBENCH_API_KEY = SECRET;
    const seen: { origin: string; path: string; auth: boolean; bearer: boolean }[] = [];
    const onCreate = (msg: unknown) => {
      const req = (msg as { request: { origin: string | URL; path: string; headers: string[] | string } }).request;
      const h = Array.isArray(req.headers) ? req.headers.join('\n') : String(req.headers);
      seen.push({ origin: String(req.origin), path: req.path, auth: h.includes(SECRET), bearer: /authorization/i.test(h) });
    };
    subscribe('undici:request:create', onCreate);
    try {
      const outDir = join(dir, 'sim');
      const r = await cli(['run', 'smoke', '--quick', '--out', outDir, '--set', 'load.requests=6']);
      expect(r.code, r.out).toBe(EXIT.ok);
      for (const f of filesUnder(outDir)) expectNoSecretIn(readFileSync(f, 'latin1'), f);
    } finally {
      unsubscribe('undici:request:create', onCreate);
      delete process.env.ROUTEBENCH_API_KEY;
    }
    const toSim = seen.filter((s) => s.origin.startsWith('http://127.0.0.1'));
    expect(toSim.length).toBeGreaterThanOrEqual(6);
    expect(toSim.filter((s) => s.auth)).toEqual([]);
    // The only Authorization headers are the simulated EPP's own /metrics token (auth on, as upstream's default).
    expect(toSim.filter((s) => s.bearer && s.path !== '/metrics')).toEqual([]);
    expect(toSim.some((s) => s.bearer && s.path === '/metrics')).toBe(true);
  });
});

describe("a metrics source's bearer token", () => {
  let other: FaultServer;
  beforeAll(async () => {
    other = await startFaultServer();
  });
  afterAll(async () => {
    await other.close();
  });

  it('goes to its own URL only', async () => {
    process.env.RB_TEST_METRICS_TOKEN = METRICS_TOKEN;
    server.seen.length = 0;
    const collector = await startCollector({
      intervalMs: 100,
      sources: [
        {
          kind: 'static',
          name: 'two',
          targets: [
            { name: 'pod-a', url: `${server.url}/metrics`, bearerTokenEnv: 'RB_TEST_METRICS_TOKEN' },
            { name: 'pod-b', url: `${other.url}/metrics` },
          ],
        },
      ],
    });
    await new Promise((r) => setTimeout(r, 250));
    const evidence = await collector.stop();
    const a = server.seen.filter((s) => s.path === '/metrics');
    const b = other.seen.filter((s) => s.path === '/metrics');
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    for (const s of a) expect(s.authorization).toBe(`Bearer ${METRICS_TOKEN}`);
    for (const s of b) expect(s.authorization).toBeNull();
    expectNoSecretIn(JSON.stringify(evidence), 'metrics evidence');
  });
});

describe('TLS', () => {
  let tls: FaultServer;
  beforeAll(async () => {
    tls = await startFaultServer({ tls: selfSignedCert() });
  });
  afterAll(async () => {
    await tls.close();
  });

  it('is verified by default (a self-signed gateway gets connect errors, no request) and --insecure turns it off', async () => {
    const file = scenarioFile('tls', { target: { url: tls.url }, metrics: undefined });
    const strict = await cli(['run', file, '--out', join(dir, 'tls-strict')]);
    // No request got through: the run failed (exit 3).
    expect(strict.code, strict.out).toBe(EXIT.runError);
    expect(JSON.parse(readFileSync(join(dir, 'tls-strict', 'summary.json'), 'utf8')).counters.errorsByClass).toEqual({ connect: 6 });
    expect(tls.completions()).toHaveLength(0);
    const insecure = await cli(['run', file, '--out', join(dir, 'tls-insecure'), '--insecure']);
    expect(insecure.code, insecure.out).toBe(EXIT.ok);
    expect(JSON.parse(readFileSync(join(dir, 'tls-insecure', 'summary.json'), 'utf8')).counts.ok).toBe(6);
    expect(tls.completions()).toHaveLength(6);
  });
});

/** Local addresses of this process's listening TCP sockets (from /proc: what the kernel actually bound). */
function listeningAddresses(): Map<string, string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      /* fd closed meanwhile */
    }
  }
  const out = new Map<string, string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').trim().split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      const [local, state, inode] = [f[1]!, f[3]!, f[9]!];
      if (state !== '0A' || !inodes.has(inode)) continue; // 0A = LISTEN
      const [hexIp, hexPort] = local.split(':');
      const ip = hexIp!.length === 8 ? (hexIp!.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)).join('.') : `ipv6:${hexIp}`;
      out.set(inode, `${ip}:${parseInt(hexPort!, 16)}`);
    }
  }
  return out;
}

describe('servers the tool starts', () => {
  it('every socket the simulator listens on (gateway, pods, sidecars, EPP metrics) is bound to 127.0.0.1', async () => {
    const before = listeningAddresses();
    const cluster = await startCluster(presetSpec('pd-1p1d'));
    try {
      const added = [...listeningAddresses()].filter(([inode]) => !before.has(inode)).map(([, addr]) => addr);
      // gateway + 2 pods + decode sidecar at least (+ EPP metrics when separate).
      expect(added.length).toBeGreaterThanOrEqual(4);
      for (const a of added) expect(a).toMatch(/^127\.0\.0\.1:\d+$/);
      const ports = new Set(added.map((a) => Number(a.split(':')[1])));
      for (const u of [cluster.gatewayUrl, cluster.eppMetricsUrl, ...cluster.pods.map((p) => p.url)]) expect(ports.has(Number(new URL(u).port)), u).toBe(true);
    } finally {
      await cluster.stop();
    }
  });
});

describe('the HTML report of a run against a hostile server', () => {
  it('carries none of the markup the server put in its pod header and model name', async () => {
    const outDir = join(dir, 'hostile');
    const r = await cli(['run', scenarioFile('hostile', { headers: { 'x-fault': 'hostile' }, metrics: undefined }), '--out', outDir]);
    expect(r.code, r.out).toBe(EXIT.ok);
    // The hostile strings did reach the records (so the report had them to render)…
    const records = readFileSync(join(outDir, 'requests.jsonl'), 'utf8');
    expect(records).toContain('<script>alert(1)</script>');
    // …but the report holds none of them as markup.
    const html = readFileSync(join(outDir, 'report.html'), 'utf8');
    expect(html).toContain('alert(1)'); // present, escaped
    for (const bad of ['<script>alert', '<img src=x', '"><script']) expect(html.includes(bad), bad).toBe(false);
    // An attribute text can only act inside a tag: every onerror= left must sit in an escaped (\u003c / &lt;) string.
    const unescaped = html.replace(/(\\u003c|&lt;)img src=x onerror=alert\(\d\)/g, '');
    expect(unescaped.includes('onerror='), 'onerror= outside an escaped string').toBe(false);
  });
});
