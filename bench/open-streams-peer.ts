// The peers of the open-streams memory case: what the same number of held streams costs a client that does less
// than routebench, in its own process, measured the same way (RSS and JS heap after two full GCs, against a
// baseline taken after a warm-up). Two floors:
//   bare-undici  an undici Pool with one connection per stream, `request()` and the body read as it arrives, every
//                SSE event JSON-parsed (bare-undici.ts's loop) — the transport routebench is built on, with nothing
//                recorded;
//   net          plain net.Socket connections that write the request and count the bytes read — no HTTP parser,
//                no pool, no per-request state: what any Node client pays per open TCP stream.
// It prints one JSON line: { streams, openAtMeasure, rssBaselineBytes, rssOpenBytes, heapBaselineBytes, heapOpenBytes }.
//   node --import tsx --expose-gc --no-allocation-site-pretenuring bench/open-streams-peer.ts <origin> <streams> <bare-undici|net>
import net from 'node:net';
import { Pool } from 'undici';
import { BENCH_BODY } from './external.ts';
import { parseSseBody } from './bare-sse.ts';

const [origin, streamsArg, mode] = process.argv.slice(2);
const streams = Number(streamsArg);
if (!origin || !(streams > 0) || (mode !== 'bare-undici' && mode !== 'net')) {
  console.error('usage: open-streams-peer.ts <origin> <streams> <bare-undici|net>');
  process.exit(2);
}
const url = new URL(origin);
const WARMUP_REQUESTS = 2_000;
const WARMUP_CONCURRENCY = 64;
const OPEN_TIMEOUT_MS = 120_000;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('open-streams-peer.ts needs --expose-gc');
  process.exit(2);
}
function gcAndMemory(): { rss: number; heapUsed: number } {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed };
}

const headers = (hold: boolean): Record<string, string> => ({ 'content-type': 'application/json', 'x-bench-tokens': '16', ...(hold ? { 'x-bench-hold': '1' } : {}) });

/** One stream on the undici pool, read to its end as the bare loop reads it (bare-sse.ts). */
async function undiciStream(pool: Pool, hold: boolean): Promise<void> {
  const res = await pool.request({ method: 'POST', path: '/v1/chat/completions', headers: headers(hold), body: BENCH_BODY });
  await parseSseBody(res.body);
}

/** One request on its own socket; resolves when the response's [DONE] has been read (the socket is then closed). */
function netStream(hold: boolean): Promise<void> {
  const head = Object.entries({ host: url.host, ...headers(hold), 'content-length': String(Buffer.byteLength(BENCH_BODY)) })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname);
    socket.setNoDelay(true);
    socket.write(`POST /v1/chat/completions HTTP/1.1\r\n${head}\r\n${BENCH_BODY}`);
    socket.on('data', (b: Buffer) => {
      if (b.includes('data: [DONE]')) {
        socket.destroy();
        resolve();
      }
    });
    socket.on('error', reject);
  });
}

async function held(): Promise<number> {
  const res = await fetch(`${url.origin}/__bench/stats`);
  return ((await res.json()) as { held: number }).held;
}

const pool = mode === 'bare-undici' ? new Pool(url.origin, { connections: streams + WARMUP_CONCURRENCY }) : null;
const one = (hold: boolean) => (pool ? undiciStream(pool, hold) : netStream(hold));

for (let done = 0; done < WARMUP_REQUESTS; done += WARMUP_CONCURRENCY) await Promise.all(Array.from({ length: WARMUP_CONCURRENCY }, () => one(false)));
const base = gcAndMemory();
let errors = 0;
let firstError: string | null = null;
const all = Array.from({ length: streams }, () =>
  one(true).catch((err: unknown) => {
    errors++;
    firstError ??= err instanceof Error ? err.message : String(err);
  }),
);
const t0 = performance.now();
let openAtMeasure = 0;
while (performance.now() - t0 < OPEN_TIMEOUT_MS && errors === 0) {
  openAtMeasure = await held();
  if (openAtMeasure >= streams) break;
  await new Promise((r) => setTimeout(r, 100));
}
await new Promise((r) => setTimeout(r, 200)); // as the routebench case: let the last first-token reads land
const open = gcAndMemory();
openAtMeasure = await held();
await fetch(`${url.origin}/__bench/release`, { method: 'POST' });
await Promise.all(all);
await pool?.close();
console.log(JSON.stringify({ streams, openAtMeasure, rssBaselineBytes: base.rss, rssOpenBytes: open.rss, heapBaselineBytes: base.heapUsed, heapOpenBytes: open.heapUsed, errors, firstError }));
