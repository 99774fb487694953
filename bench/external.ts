// The raw-HTTP ceiling of this machine: the same endpoint and the same pre-serialised response driven by
// autocannon (Node, HTTP/1.1 keep-alive, its own process) and wrk (C). Both count whole responses; neither
// parses SSE, so routebench ÷ these is the price of streaming parsing and per-request recording.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OpenStreamsResult } from './measure.ts';

export type ExternalTool = 'autocannon' | 'wrk' | 'bare-undici';

export interface ExternalResult {
  tool: ExternalTool;
  connections: number;
  tokens: number;
  reqPerS: number;
  total: number;
  /** Non-2xx responses plus socket errors and timeouts. */
  errors: number;
  /** The tool's own CPU time per completed request (µs), where the tool reports it (the bare loop does). */
  cpuUsPerRequest?: number;
}

export type ExternalOutcome = { ok: true; result: ExternalResult } | { ok: false; tool: ExternalTool; skipped: string };

export interface ExternalOptions {
  target: string;
  connections: number;
  tokens: number;
  durationS: number;
}

/** The request routebench sends, so every tool asks for exactly the same thing. */
export const BENCH_BODY = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'bench' }], max_tokens: 16, stream: true });

function exec(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: unknown }).code as number | null) ?? 1 : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}

export async function runAutocannon(o: ExternalOptions): Promise<ExternalOutcome> {
  let bin: string;
  try {
    bin = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
  } catch {
    return { ok: false, tool: 'autocannon', skipped: 'autocannon is not installed (run `npm run setup`)' };
  }
  const args = [bin, '--json', '-n', '-c', String(o.connections), '-d', String(o.durationS), '-m', 'POST'];
  args.push('-H', 'content-type=application/json', '-H', `x-bench-tokens=${o.tokens}`, '-b', BENCH_BODY, `${o.target}/v1/chat/completions`);
  const r = await exec(process.execPath, args, (o.durationS + 60) * 1000);
  if (r.code !== 0) return { ok: false, tool: 'autocannon', skipped: `autocannon exited ${r.code}: ${r.stderr.slice(0, 300)}` };
  const j = JSON.parse(r.stdout) as { requests: { total: number }; duration: number; non2xx: number; errors: number; timeouts: number };
  return {
    ok: true,
    result: { tool: 'autocannon', connections: o.connections, tokens: o.tokens, reqPerS: j.requests.total / j.duration, total: j.requests.total, errors: j.non2xx + j.errors + j.timeouts },
  };
}

/** wrk from PATH; installed with apt-get when missing and we are root, otherwise skipped with the reason. */
export function ensureWrk(): { ok: true } | { ok: false; reason: string } {
  if (spawnSync('wrk', ['--version']).error === undefined) return { ok: true };
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return { ok: false, reason: 'wrk is not installed and the bench is not running as root to apt-get it' };
  let r = spawnSync('apt-get', ['install', '-y', '-q', 'wrk'], { timeout: 180_000, encoding: 'utf8' });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update', '-q'], { timeout: 180_000 });
    r = spawnSync('apt-get', ['install', '-y', '-q', 'wrk'], { timeout: 180_000, encoding: 'utf8' });
  }
  if (r.status !== 0 || spawnSync('wrk', ['--version']).error !== undefined) {
    return { ok: false, reason: `apt-get install wrk failed: ${(r.stderr || String(r.error ?? '')).trim().split('\n').at(-1)}` };
  }
  return { ok: true };
}

export async function runWrk(o: ExternalOptions): Promise<ExternalOutcome> {
  const has = ensureWrk();
  if (!has.ok) return { ok: false, tool: 'wrk', skipped: has.reason };
  const dir = mkdtempSync(join(tmpdir(), 'rb-wrk-'));
  try {
    const script = join(dir, 'post.lua');
    writeFileSync(
      script,
      [
        'wrk.method = "POST"',
        `wrk.body = ${luaString(BENCH_BODY)}`,
        'wrk.headers["Content-Type"] = "application/json"',
        `wrk.headers["x-bench-tokens"] = "${o.tokens}"`,
        '',
      ].join('\n'),
    );
    // One thread: routebench is measured as one process on one event loop.
    const r = await exec('wrk', ['-t1', `-c${o.connections}`, `-d${o.durationS}s`, '-s', script, `${o.target}/v1/chat/completions`], (o.durationS + 60) * 1000);
    if (r.code !== 0) return { ok: false, tool: 'wrk', skipped: `wrk exited ${r.code}: ${r.stderr.slice(0, 300)}` };
    const rate = /Requests\/sec:\s+([\d.]+)/.exec(r.stdout);
    const total = /(\d+) requests in/.exec(r.stdout);
    if (!rate || !total) return { ok: false, tool: 'wrk', skipped: `could not read wrk output: ${r.stdout.slice(0, 300)}` };
    const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(r.stdout)?.[1] ?? 0);
    const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(r.stdout);
    const sockErrors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
    return { ok: true, result: { tool: 'wrk', connections: o.connections, tokens: o.tokens, reqPerS: Number(rate[1]), total: Number(total[1]), errors: non2xx + sockErrors } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function luaString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * The bare undici loop (bare-undici.ts) in its own process: the same request, every SSE event JSON-parsed,
 * nothing recorded. Its streams/s is the floor routebench's full recording is held to. It runs with the V8 flag
 * routebench's run() sets for itself (--no-allocation-site-pretenuring, core client/v8-pretenuring.ts): without
 * it the bare loop also fell into V8's pretenuring regime now and then (11,199 against 14,304–16,488 streams/s
 * at 256 connections), which would flatter routebench's ratio; with it the ratio compares code, not a heuristic.
 */
export async function runBareUndici(o: ExternalOptions): Promise<ExternalOutcome> {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'bare-undici.ts');
  const r = await exec(process.execPath, ['--import', 'tsx', '--no-allocation-site-pretenuring', script, `${o.target}/v1/chat/completions`, String(o.connections), String(o.tokens), String(o.durationS)], (o.durationS + 60) * 1000);
  if (r.code !== 0) return { ok: false, tool: 'bare-undici', skipped: `bare-undici exited ${r.code}: ${r.stderr.slice(0, 300)}` };
  const j = JSON.parse(r.stdout.trim().split('\n').pop()!) as { streams: number; events: number; durationS: number; errors: number; cpuUs: number };
  return {
    ok: true,
    result: { tool: 'bare-undici', connections: o.connections, tokens: o.tokens, reqPerS: j.streams / j.durationS, total: j.streams, errors: j.errors, cpuUsPerRequest: j.streams > 0 ? j.cpuUs / j.streams : Number.NaN },
  };
}

export type OpenStreamsPeer = 'bare-undici' | 'net';

/** The routebench case's figures (measure.ts), measured the same way by a peer; it does not time the opening. */
export type OpenStreamsPeerResult = Omit<OpenStreamsResult, 'secondsToOpen'> & { tool: OpenStreamsPeer };

/**
 * A peer of the open-streams memory case (open-streams-peer.ts) in its own process, with the flags routebench's
 * client process has (--expose-gc for the measurement, and the V8 flag run() sets for itself).
 */
export async function runOpenStreamsPeer(target: string, streams: number, tool: OpenStreamsPeer): Promise<OpenStreamsPeerResult> {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'open-streams-peer.ts');
  const r = await exec(process.execPath, ['--import', 'tsx', '--expose-gc', '--no-allocation-site-pretenuring', script, target, String(streams), tool], 300_000);
  if (r.code !== 0) throw new Error(`open-streams-peer ${tool} exited ${r.code}: ${r.stderr.slice(0, 300)}`);
  const j = JSON.parse(r.stdout.trim().split('\n').pop()!) as Omit<OpenStreamsPeerResult, 'tool' | 'rssPerStreamBytes' | 'heapPerStreamBytes'> & { heapBaselineBytes: number; heapOpenBytes: number };
  const n = Math.max(1, j.openAtMeasure);
  return {
    tool,
    streams: j.streams,
    openAtMeasure: j.openAtMeasure,
    rssBaselineBytes: j.rssBaselineBytes,
    rssOpenBytes: j.rssOpenBytes,
    rssPerStreamBytes: (j.rssOpenBytes - j.rssBaselineBytes) / n,
    heapPerStreamBytes: (j.heapOpenBytes - j.heapBaselineBytes) / n,
    errors: j.errors,
    firstError: j.firstError,
  };
}
