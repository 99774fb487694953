// The measurements, each driving routebench's real `run()` (undici pool, SSE parser, recorder — nothing
// stubbed) against the bench SSE server. Runs inside a client process of its own (client-case.ts), so the
// CPU, RSS and profile of that process are routebench's.
import { mkdtempSync, rmSync } from 'node:fs';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../packages/core/src/run.ts';
import type { RequestRecord } from '../packages/core/src/record/request-record.ts';
import type { RequestSpecInput } from '../packages/core/src/workload/request-spec.ts';
import type { CapacityCase, FidelityCase, LongRunCase, OpenStreamsCase, ScheduleCase } from './cases.ts';
import { slope, spread, type Spread } from './stats.ts';
import { startWindowProfile } from './window-profiler.ts';

interface ServerStats {
  requests: number;
  openSockets: number;
  activeStreams: number;
  held: number;
  cpuUserUs: number;
  cpuSystemUs: number;
  rssBytes: number;
}

async function control<T>(target: string, what: string, method: 'GET' | 'POST' = 'GET'): Promise<T> {
  const res = await fetch(`${target}/__bench/${what}`, { method });
  if (!res.ok) throw new Error(`bench server /__bench/${what}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** The same small chat request every time: the server's headers decide the response. */
function* workload(tokens: number): Generator<RequestSpecInput> {
  const spec: RequestSpecInput = { api: 'chat', model: 'm', messages: [{ role: 'user', content: 'bench' }], maxTokens: tokens };
  for (;;) yield spec;
}

function benchHeaders(tokens: number, extra: Record<string, string> = {}): Record<string, string> {
  return { 'x-bench-tokens': String(tokens), ...extra };
}

const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
const serverCpuMs = (s: ServerStats) => (s.cpuUserUs + s.cpuSystemUs) / 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Client and server CPU over [fromMs, toMs) after `t0` (performance.now()), sampled by timers. */
function cpuWindow(target: string, t0: number, fromMs: number, toMs: number) {
  let a: { cpu: NodeJS.CpuUsage; server: Promise<ServerStats>; t: number } | null = null;
  let b: { cpu: NodeJS.CpuUsage; server: Promise<ServerStats>; t: number } | null = null;
  const take = () => ({ cpu: process.cpuUsage(), server: control<ServerStats>(target, 'stats'), t: performance.now() });
  const ta = setTimeout(() => (a = take()), Math.max(0, t0 + fromMs - performance.now()));
  const tb = setTimeout(() => (b = take()), Math.max(0, t0 + toMs - performance.now()));
  return async () => {
    clearTimeout(ta);
    clearTimeout(tb);
    if (!a || !b) return { clientCpuPct: Number.NaN, serverCpuPct: Number.NaN };
    const wall = b.t - a.t;
    const [sa, sb] = await Promise.all([a.server, b.server]);
    return {
      clientCpuPct: (100 * (cpuMs(b.cpu) - cpuMs(a.cpu))) / wall,
      serverCpuPct: (100 * (serverCpuMs(sb) - serverCpuMs(sa))) / wall,
    };
  };
}

function profileWindow(path: string, t0: number, fromMs: number, toMs: number): Promise<void> {
  const at = (ms: number) => Math.max(0, t0 + ms - performance.now());
  return new Promise((resolve, reject) => {
    setTimeout(() => {
      startWindowProfile(path).then((stop) => setTimeout(() => stop().then(resolve, reject), at(toMs)), reject);
    }, at(fromMs));
  });
}

/** The client's own GC over [fromMs, toMs) after `t0`, from Node's 'gc' performance entries. */
export interface GcFigures {
  /** Scavenge (minor GC) pause time per second of the window, ms. */
  minorMsPerS: number;
  /** Full (mark-compact) collections in the window, and their pause time per second, ms. */
  majors: number;
  majorMsPerS: number;
}

function gcWindow(t0: number, fromMs: number, toMs: number): () => GcFigures {
  let minor = 0;
  let major = 0;
  let majorMs = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.startTime < t0 + fromMs || e.startTime >= t0 + toMs) continue;
      const kind = ((e as { detail?: unknown }).detail as { kind?: number } | null | undefined)?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) minor += e.duration;
      else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        major++;
        majorMs += e.duration;
      }
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  return () => {
    obs.disconnect();
    const s = (toMs - fromMs) / 1000;
    return { minorMsPerS: minor / s, majors: major, majorMsPerS: majorMs / s };
  };
}

export interface ThroughputResult {
  /** Completed streams per second within the measured window. */
  streamsPerS: number;
  /** SSE content events (tokens) per second within the measured window. */
  eventsPerS: number;
  completed: number;
  errors: number;
  firstError: string | null;
  /** CPU of this (client) process and of the server process over the window, % of one core. */
  clientCpuPct: number;
  serverCpuPct: number;
  /** Client CPU per stream and per token event, µs. */
  clientCpuUsPerStream: number;
  /** The client's GC in the window (capacity cases). */
  gc?: GcFigures;
}

/** Count completions (and their content events) whose end falls inside [w0, w1) on the run clock. */
function windowCounter(w0: number, w1: number) {
  const acc = { completed: 0, events: 0, errors: 0, firstError: null as string | null };
  const onRecord = (r: RequestRecord) => {
    if (r.status !== 'ok') {
      acc.errors++;
      acc.firstError ??= `${r.errorClass}: ${r.errorMessage}`;
      return;
    }
    if (r.times.end < w0 || r.times.end >= w1) return;
    acc.completed++;
    acc.events += r.chunks.length;
  };
  return { acc, onRecord };
}

export async function measureCapacity(c: CapacityCase): Promise<ThroughputResult> {
  const w0 = c.warmupS * 1000;
  const w1 = w0 + c.durationS * 1000;
  const { acc, onRecord } = windowCounter(w0, w1);
  const t0 = performance.now();
  const cpu = cpuWindow(c.target, t0, w0, w1);
  // Profile exactly the measured window [w0, w1) when asked.
  const profiled = c.cpuProfilePath ? profileWindow(c.cpuProfilePath, t0, w0, w1) : Promise.resolve();
  const gcFigures = gcWindow(t0, w0, w1);
  // A full GC forced into the window (--expose-gc is passed to client processes): see the 'gc' bench section.
  const forced = c.forceGcAtS === undefined ? null : setTimeout(() => (globalThis as { gc?: () => void }).gc?.(), w0 + c.forceGcAtS * 1000);
  // Full recording: the run writes its folder (requests.jsonl, requests.csv, summary) as a user's run does.
  const outDir = mkdtempSync(join(tmpdir(), 'rb-bench-capacity-'));
  try {
    await run({
      target: c.target,
      workload: workload(c.tokens),
      load: { type: 'concurrency', concurrency: c.concurrency, warmupS: c.warmupS, durationS: c.durationS },
      headers: benchHeaders(c.tokens, c.itlUs > 0 ? { 'x-bench-itl-us': String(c.itlUs) } : {}),
      progressIntervalMs: 60_000,
      workers: c.workers,
      outDir,
      force: true,
    }).on('request', onRecord);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
  await profiled;
  if (forced) clearTimeout(forced);
  const gc = gcFigures();
  const { clientCpuPct, serverCpuPct } = await cpu();
  const streamsPerS = acc.completed / c.durationS;
  return {
    streamsPerS,
    eventsPerS: acc.events / c.durationS,
    completed: acc.completed,
    errors: acc.errors,
    firstError: acc.firstError,
    clientCpuPct,
    serverCpuPct,
    clientCpuUsPerStream: streamsPerS > 0 ? (clientCpuPct * 10_000) / streamsPerS : Number.NaN,
    gc,
  };
}

export interface FidelityResult extends ThroughputResult {
  targetEventsPerS: number;
  /** Achieved token events/s as a share of the measured client capacity. */
  loadPct: number;
  /** |measured − true| in ms. TTFT truth: server receive → first content write; ITL truth: gaps between writes. */
  ttftErrMs: Spread;
  itlErrMs: Spread;
  /** Mean signed error (measured − true), ms: a positive bias means the client sees things late. */
  ttftBiasMs: number;
  itlBiasMs: number;
  /** Requests compared (ok, measured phase, with a server record of the same token count). */
  compared: number;
  /**
   * Token stamps checked against the server's pre-write stamps on the shared monotonic clock: `early` were
   * stamped before the server began writing them (must be 0), `uncovered` had a window that does not reach
   * back to within 0.5 ms of the write; `windowMs`: the records' widest arrival windows.
   */
  stamps: { checked: number; early: number; uncovered: number };
  windowMs: Spread;
}

export async function measureFidelity(c: FidelityCase): Promise<FidelityResult> {
  const w0 = c.warmupS * 1000;
  const w1 = w0 + c.durationS * 1000;
  const { acc, onRecord } = windowCounter(w0, w1);
  const kept: { id: string; ttft: number; offsets: number[]; firstToken: number; firstWindow: number | null; maxWindow: number | null }[] = [];
  // The run clock's origin is given, so record times convert to the machine's monotonic clock (hrtime), on which
  // the server stamps its writes.
  const origin = { perfMs: performance.now(), startedAt: new Date() };
  const monoOffset = Number(process.hrtime.bigint()) / 1e6 - performance.now();
  await control(c.target, 'emissions'); // drop anything an earlier case left
  const t0 = performance.now();
  const cpu = cpuWindow(c.target, t0, w0, w1);
  await run({
    target: c.target,
    workload: workload(c.tokens),
    load: { type: 'concurrency', concurrency: c.concurrency, warmupS: c.warmupS, durationS: c.durationS },
    headers: benchHeaders(c.tokens, { 'x-bench-itl-us': String(c.itlUs), 'x-bench-record': '1' }),
    progressIntervalMs: 60_000,
    clockOrigin: origin,
  }).on('request', (r) => {
    onRecord(r);
    if (r.status === 'ok' && r.phase === 'measure' && r.ttftMs !== null && r.times.firstToken !== null)
      kept.push({ id: r.requestId, ttft: r.ttftMs, offsets: r.chunks.map((ch) => ch[0]), firstToken: r.times.firstToken, firstWindow: r.firstTokenWindowMs ?? null, maxWindow: r.maxArrivalWindowMs ?? null });
  });
  const { clientCpuPct, serverCpuPct } = await cpu();
  const truth = await control<Record<string, number[]>>(c.target, 'emissions');
  const ttftErr: number[] = [];
  const itlErr: number[] = [];
  let ttftBias = 0;
  let itlBias = 0;
  let compared = 0;
  let checked = 0;
  let early = 0;
  let uncovered = 0;
  const windows: number[] = [];
  for (const k of kept) {
    const w = truth[k.id];
    // w = [received, write of content chunk 1, …, write of chunk n]
    if (!w || w.length !== k.offsets.length + 1) continue;
    compared++;
    for (let j = 0; j < k.offsets.length; j++) {
      const arrival = monoOffset + origin.perfMs + k.firstToken + k.offsets[j]!;
      const written = w[j + 1]!;
      checked++;
      if (arrival < written - 0.01) early++; // 0.01 ms: record times are rounded to µs
      const win = j === 0 ? k.firstWindow : k.maxWindow;
      if (win !== null && arrival - win > written + 0.5) uncovered++;
    }
    if (k.maxWindow !== null) windows.push(k.maxWindow);
    const dT = k.ttft - (w[1]! - w[0]!);
    ttftErr.push(Math.abs(dT));
    ttftBias += dT;
    for (let j = 1; j < k.offsets.length; j++) {
      const d = k.offsets[j]! - k.offsets[j - 1]! - (w[j + 1]! - w[j]!);
      itlErr.push(Math.abs(d));
      itlBias += d;
    }
  }
  const streamsPerS = acc.completed / c.durationS;
  const eventsPerS = acc.events / c.durationS;
  return {
    streamsPerS,
    eventsPerS,
    completed: acc.completed,
    errors: acc.errors,
    firstError: acc.firstError,
    clientCpuPct,
    serverCpuPct,
    clientCpuUsPerStream: streamsPerS > 0 ? (clientCpuPct * 10_000) / streamsPerS : Number.NaN,
    targetEventsPerS: c.targetEventsPerS,
    loadPct: (100 * eventsPerS) / c.capacityEventsPerS,
    ttftErrMs: spread(ttftErr),
    itlErrMs: spread(itlErr),
    ttftBiasMs: compared ? ttftBias / compared : Number.NaN,
    itlBiasMs: itlErr.length ? itlBias / itlErr.length : Number.NaN,
    compared,
    stamps: { checked, early, uncovered },
    windowMs: spread(windows),
  };
}

export interface ScheduleResult {
  requestedRate: number;
  /** Sends per second between the first and last measured send. */
  achievedRate: number;
  achievedRatio: number;
  scheduleDelayMs: Spread;
  sent: number;
  errors: number;
  firstError: string | null;
  clientCpuPct: number;
}

export async function measureSchedule(c: ScheduleCase): Promise<ScheduleResult> {
  const delays: number[] = [];
  let firstSent = Number.POSITIVE_INFINITY;
  let lastSent = Number.NEGATIVE_INFINITY;
  let errors = 0;
  let firstError: string | null = null;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await run({
    target: c.target,
    workload: workload(c.tokens),
    load: { type: 'constant', rate: c.rate, warmupS: c.warmupS, durationS: c.durationS, maxInFlight: c.maxInFlight },
    headers: benchHeaders(c.tokens),
    progressIntervalMs: 60_000,
  }).on('request', (r) => {
    if (r.status !== 'ok') {
      errors++;
      firstError ??= `${r.errorClass}: ${r.errorMessage}`;
    }
    if (r.phase !== 'measure') return;
    delays.push(r.scheduleDelayMs);
    firstSent = Math.min(firstSent, r.times.sent);
    lastSent = Math.max(lastSent, r.times.sent);
  });
  const clientCpuPct = (100 * cpuMs(process.cpuUsage(cpu0))) / (performance.now() - t0);
  const achievedRate = delays.length > 1 ? ((delays.length - 1) * 1000) / (lastSent - firstSent) : Number.NaN;
  return {
    requestedRate: c.rate,
    achievedRate,
    achievedRatio: achievedRate / c.rate,
    scheduleDelayMs: spread(delays),
    sent: delays.length,
    errors,
    firstError,
    clientCpuPct,
  };
}

function gcAndRss(): { rss: number; heapUsed: number } {
  // --expose-gc is passed to client processes; run twice so weak/finalizer work settles.
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed };
}

export interface OpenStreamsResult {
  streams: number;
  /** Streams the server held open at the moment of measurement. */
  openAtMeasure: number;
  rssBaselineBytes: number;
  rssOpenBytes: number;
  rssPerStreamBytes: number;
  heapPerStreamBytes: number;
  secondsToOpen: number;
  errors: number;
  firstError: string | null;
}

export async function measureOpenStreams(c: OpenStreamsCase): Promise<OpenStreamsResult> {
  // Warm the code paths (JIT, undici, recorder) so the baseline is not a cold process.
  await run({
    target: c.target,
    workload: workload(c.tokens),
    load: { type: 'concurrency', concurrency: 64, requests: 2_000 },
    headers: benchHeaders(c.tokens),
    progressIntervalMs: 60_000,
  });
  const base = gcAndRss();
  let errors = 0;
  let firstError: string | null = null;
  const t0 = performance.now();
  const instance = run({
    target: c.target,
    workload: workload(c.tokens),
    load: { type: 'concurrency', concurrency: c.streams, requests: c.streams, timeoutMs: 600_000, stallTimeoutMs: 600_000 },
    headers: benchHeaders(c.tokens, { 'x-bench-hold': '1' }),
    progressIntervalMs: 60_000,
  }).on('request', (r) => {
    if (r.status !== 'ok') {
      errors++;
      firstError ??= `${r.errorClass}: ${r.errorMessage}`;
    }
  });
  let held = 0;
  while (performance.now() - t0 < c.openTimeoutS * 1000) {
    held = (await control<ServerStats>(c.target, 'stats')).held;
    if (held >= c.streams || errors > 0) break;
    await sleep(100);
  }
  const secondsToOpen = (performance.now() - t0) / 1000;
  await sleep(200); // let the first-token chunks of the last streams be parsed
  const open = gcAndRss();
  held = (await control<ServerStats>(c.target, 'stats')).held;
  await control(c.target, 'release', 'POST');
  await instance;
  return {
    streams: c.streams,
    openAtMeasure: held,
    rssBaselineBytes: base.rss,
    rssOpenBytes: open.rss,
    rssPerStreamBytes: (open.rss - base.rss) / Math.max(1, held),
    heapPerStreamBytes: (open.heapUsed - base.heapUsed) / Math.max(1, held),
    secondsToOpen,
    errors,
    firstError,
  };
}

export interface LongRunResult {
  completed: number;
  seconds: number;
  requestsPerS: number;
  errors: number;
  firstError: string | null;
  /** [seconds since start, RSS bytes, completed requests] every sampleMs. */
  samples: [number, number, number][];
  rssStartBytes: number;
  rssEndBytes: number;
  rssMaxBytes: number;
  /** Least-squares RSS slope over the last 75% of samples (the first quarter is warm-up), bytes/s. */
  rssSlopeBytesPerS: number;
  /** The same slope per 1,000 completed requests. */
  rssSlopeBytesPer1kRequests: number;
}

export async function measureLongRun(c: LongRunCase): Promise<LongRunResult> {
  let completed = 0;
  let errors = 0;
  let firstError: string | null = null;
  const samples: [number, number, number][] = [];
  const t0 = performance.now();
  const sampler = setInterval(() => samples.push([(performance.now() - t0) / 1000, process.memoryUsage.rss(), completed]), c.sampleMs);
  try {
    await run({
      target: c.target,
      workload: workload(c.tokens),
      load: { type: 'concurrency', concurrency: c.concurrency, requests: c.maxRequests, durationS: c.maxSeconds },
      headers: benchHeaders(c.tokens),
      progressIntervalMs: 60_000,
    }).on('request', (r) => {
      completed++;
      if (r.status !== 'ok') {
        errors++;
        firstError ??= `${r.errorClass}: ${r.errorMessage}`;
      }
    });
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - t0) / 1000;
  const tail = samples.slice(Math.floor(samples.length / 4));
  const bytesPerS = slope(
    tail.map((s) => s[0]),
    tail.map((s) => s[1]),
  );
  const reqPerS = slope(
    tail.map((s) => s[0]),
    tail.map((s) => s[2]),
  );
  return {
    completed,
    seconds,
    requestsPerS: completed / seconds,
    errors,
    firstError,
    samples,
    rssStartBytes: samples[0]?.[1] ?? Number.NaN,
    rssEndBytes: samples.at(-1)?.[1] ?? Number.NaN,
    rssMaxBytes: samples.reduce((m, s) => Math.max(m, s[1]), 0),
    rssSlopeBytesPerS: bytesPerS,
    rssSlopeBytesPer1kRequests: (bytesPerS / reqPerS) * 1000,
  };
}
