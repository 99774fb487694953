// The simplest client that does routebench's parsing work: N loops on one undici Pool, each sending the bench
// request, reading the streamed body, cutting it into SSE events at blank lines and JSON.parse-ing every
// `data:` payload except [DONE]. No recording, no timing, no validation. It runs in its own process (like
// autocannon) and prints one JSON line: { streams, events, durationS, errors, cpuUs } (cpuUs: this process's CPU time,
// user + system, over the counted window — the same window its streams are counted in). routebench's streams/s ÷ this
// is the price of everything routebench does beyond parsing (the #15 target is ≥ 1.0).
// Run with --no-allocation-site-pretenuring, as routebench runs itself (see external.ts runBareUndici).
//   node --import tsx bench/bare-undici.ts <url> <connections> <tokens> <durationS>
import { Pool } from 'undici';
import { BENCH_BODY } from './external.ts';
import { parseSseBody } from './bare-sse.ts';

const [url, connArg, tokensArg, durArg] = process.argv.slice(2);
const connections = Number(connArg);
const tokens = Number(tokensArg);
const durationS = Number(durArg);
if (!url || !(connections > 0) || !(tokens > 0) || !(durationS > 0)) {
  console.error('usage: bare-undici.ts <url> <connections> <tokens> <durationS>');
  process.exit(2);
}

const WARMUP_MS = 2000;
const origin = new URL(url);
const pool = new Pool(origin.origin, { connections });
const headers = { 'content-type': 'application/json', 'x-bench-tokens': String(tokens) };
let streams = 0;
let events = 0;
let errors = 0;
let counting = false;

async function one(): Promise<void> {
  const res = await pool.request({ method: 'POST', path: '/v1/chat/completions', headers, body: BENCH_BODY });
  if (res.statusCode !== 200) {
    errors++;
    await res.body.dump();
    return;
  }
  const n = await parseSseBody(res.body);
  if (counting) {
    streams++;
    events += n;
  }
}

let stop = false;
async function loop(): Promise<void> {
  while (!stop) {
    try {
      await one();
    } catch {
      if (counting) errors++;
    }
  }
}

const loops = Array.from({ length: connections }, loop);
await new Promise((r) => setTimeout(r, WARMUP_MS));
counting = true;
const t0 = performance.now();
const cpu0 = process.cpuUsage();
await new Promise((r) => setTimeout(r, durationS * 1000));
counting = false;
const cpu = process.cpuUsage(cpu0);
const elapsedS = (performance.now() - t0) / 1000;
stop = true;
await Promise.all(loops);
await pool.close();
console.log(JSON.stringify({ streams, events, durationS: elapsedS, errors, cpuUs: cpu.user + cpu.system }));
