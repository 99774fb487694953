// Bench: 500 concurrent streams against one pod (maxNumSeqs 500). Reports the error of each emitted
// inter-token gap (from the pod's recorded emission times, i.e. when each content chunk was written)
// against the configured ITL. The clients run in a child process so their parsing does not share the
// pod's event loop, and the pod process's CPU share is its own (they still share the machine's cores).
//   ./node_modules/.bin/tsx packages/sim/bench/pod-itl.ts [streams=500] [itlMs=20] [tokens=50] [rampMs=0]
// rampMs spreads the stream starts evenly over that window (0 = all at once, the worst case: every
// stream's tokens fall due in the same instant).
import { spawn } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadavg, cpus } from 'node:os';
import { startPod } from '../src/pod/index.ts';

const streams = Number(process.argv[2] ?? 500);
const itlMs = Number(process.argv[3] ?? 20);
const tokens = Number(process.argv[4] ?? 50);
const rampMs = Number(process.argv[5] ?? 0);

const CLIENT = `
const http = require('node:http');
const { url, streams, tokens, rampMs } = JSON.parse(process.argv[1]);
const report = (m) => { process.stdout.write(JSON.stringify(m)); process.exit(0); };
const agent = new http.Agent({ keepAlive: true, maxSockets: streams + 10 });
let done = 0, failed = 0;
const send = (i) => {
  const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'stream ' + i + ' river mountain' }],
    max_tokens: tokens, ignore_eos: true, stream: true });
  const req = http.request(url + '/v1/chat/completions', { method: 'POST', agent,
    headers: { 'content-type': 'application/json', 'x-request-id': 'b' + i } }, (res) => {
    if (res.statusCode !== 200) failed++;
    res.on('data', () => {});
    res.on('end', () => { if (++done === streams) report({ failed }); });
  });
  req.on('error', () => { failed++; if (++done === streams) report({ failed }); });
  req.end(body);
};
for (let i = 0; i < streams; i++) rampMs > 0 ? setTimeout(send, (i * rampMs) / streams, i) : send(i);
`;

const pod = await startPod({
  name: 'bench',
  models: ['m'],
  maxNumSeqs: streams,
  maxWaitingQueueLength: 0,
  latency: { prefillOverheadMs: 10, interTokenLatencyMs: itlMs },
  kvCache: { blockSize: 16, capacityBlocks: streams * 4 },
  recordEmissions: true,
});
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();
const cpu0 = process.cpuUsage();
const wall0 = performance.now();
try {
  const child = spawn(process.execPath, ['-e', CLIENT, JSON.stringify({ url: pod.url, streams, tokens, rampMs })], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (c) => (stdout += c));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('exit', resolve);
    child.once('error', reject);
  });
  if (code !== 0) throw new Error(`client process exited with ${code}`);
  const result = JSON.parse(stdout) as { failed: number };

  const all: number[] = [];
  const emitted: number[][] = [];
  for (let i = 0; i < streams; i++) {
    const e = pod.emissions('b' + i);
    if (!e || e.length !== tokens) continue;
    emitted.push(e);
    for (let k = 1; k < e.length; k++) all.push(Math.abs(e[k]! - e[k - 1]! - itlMs));
  }
  // Steady state: while every stream is running (after the last one's first token, before the first
  // one's last). Before it the pod is also admitting requests (parsing, tokenising, prefix-cache
  // lookups of up to 500 requests in one burst); after it, it is closing responses.
  const steadyFrom = Math.max(...emitted.map((e) => e[0]!));
  const steadyTo = Math.min(...emitted.map((e) => e.at(-1)!));
  const steady: number[] = [];
  for (const e of emitted) {
    for (let k = 1; k < e.length; k++) if (e[k - 1]! >= steadyFrom && e[k]! <= steadyTo) steady.push(Math.abs(e[k]! - e[k - 1]! - itlMs));
  }
  const out = {
    streams,
    complete: emitted.length,
    failedRequests: result.failed,
    configuredItlMs: itlMs,
    rampMs,
    itlErrorMs: { gaps: all.length, ...quantiles(all) },
    steadyState: { windowMs: +(steadyTo - steadyFrom).toFixed(1), gaps: steady.length, itlErrorMs: quantiles(steady) },
    withinOneMsAtP99: { wholeRun: quantiles(all).p99 <= 1, steadyState: steady.length > 0 && quantiles(steady).p99 <= 1 },
    // Context for reading the figure: a starved process (CPU share ≪ 1, big loop stalls) is late for
    // reasons outside the simulator.
    machine: {
      cores: cpus().length,
      loadAvg1m: +loadavg()[0]!.toFixed(2),
      podCpuUsPerToken: +((cpuMs(process.cpuUsage(cpu0)) * 1000) / (emitted.length * tokens)).toFixed(1),
      podProcessCpuShare: +((cpuMs(process.cpuUsage(cpu0)) / (performance.now() - wall0))).toFixed(2),
      eventLoopDelayMs: { p50: +(loopDelay.percentile(50) / 1e6).toFixed(2), p99: +(loopDelay.percentile(99) / 1e6).toFixed(2), max: +(loopDelay.max / 1e6).toFixed(2) },
    },
  };
  console.log(JSON.stringify(out, null, 2));
} finally {
  await pod.stop();
}

function quantiles(xs: number[]): { p50: number; p90: number; p99: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => +(s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN).toFixed(3);
  return { p50: q(0.5), p90: q(0.9), p99: q(0.99), max: +(s.at(-1) ?? NaN).toFixed(3) };
}

function cpuMs(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1000;
}
