// Soak: a long steady open-loop run against the simulator with faults injected, watching the client for
// leaks and stuck requests. NOT a CI test: the full 30 minutes wants a quiet machine.
//   tsx bench/soak.ts [--minutes 30] [--rate 20] [--sample-s 10] [--max-rss-slope-mib-per-min 2]
// The simulator runs in a child process (its own event loop and heap), so what is sampled here (RSS,
// heap, event-loop lag) is routebench's client alone. Faults are switched on with setFaults in the
// child: per-pod HTTP errors, mid-stream error frames, resets, stalls. Every 10 s: RSS, heap used,
// event-loop delay (p99/max over the interval), requests in flight, sent / ok / errors by class.
// Writes bench/soak-results.json; verdict lines: memory flat (RSS slope over the second half below the
// bound) and no stuck requests (in flight back to 0, every sent request finished and written).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { run } from '@routebench/core';
import type { RequestSpecInput } from '@routebench/core';
import type { PodFaults } from '@routebench/sim';
import { fmt, mib, table } from './table.ts';

const HERE = dirname(fileURLToPath(import.meta.url));

export const SoakOptionsSchema = z.strictObject({
  minutes: z.number().positive().default(30),
  /** Open-loop requests per second. */
  rate: z.number().positive().default(20),
  sampleS: z.number().positive().default(10),
  /** Verdict bound: RSS growth over the second half of the run, MiB per minute. */
  maxRssSlopeMibPerMin: z.number().positive().default(2),
  /** Where the JSON results go (null: not written). */
  resultsPath: z.string().nullable().default(join(HERE, 'soak-results.json')),
  quiet: z.boolean().default(false),
});
export type SoakOptions = z.infer<typeof SoakOptionsSchema>;

/** Faults per pod of agg-2: every failure path of the client keeps being exercised. */
export const SOAK_FAULTS: Record<string, PodFaults> = {
  'agg-0': { errorRate: { 500: 0.02, 429: 0.01 }, midStreamErrorRate: 0.02, resetRate: 0.02 },
  'agg-1': { stallRate: 0.02, midStreamErrorRate: 0.01, errorRate: { 503: 0.01 } },
};

export interface SoakSample {
  tS: number;
  rssMiB: number;
  heapUsedMiB: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  inFlight: number;
  sent: number;
  ok: number;
  errors: Record<string, number>;
}

export interface SoakResult {
  options: SoakOptions;
  faults: Record<string, PodFaults>;
  samples: SoakSample[];
  final: { sent: number; finished: number; written: number; inFlight: number; ok: number; errors: Record<string, number>; summaryCounts: unknown };
  rssSlopeMibPerMin: number;
  heapSlopeMibPerMin: number;
  verdicts: { memoryFlat: boolean; noStuckRequests: boolean };
  lines: string[];
}

/** The simulator in a child process; faults set once it is ready. */
async function startSimChild(faults: Record<string, PodFaults>): Promise<{ url: string; child: ChildProcess }> {
  const script = `
    import { startCluster } from '@routebench/sim';
    import { presetSpec } from '@routebench/sim';
    const c = await startCluster(presetSpec('agg-2', { seed: 11 }));
    await c.waitReady(15000);
    const faults = ${JSON.stringify(faults)};
    for (const [pod, f] of Object.entries(faults)) c.setFaults(pod, f);
    process.stdout.write(JSON.stringify({ url: c.gatewayUrl, pods: c.pods.map((p) => p.name) }) + '\\n');
    process.on('SIGTERM', () => void c.stop().then(() => process.exit(0)));
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: HERE, stdio: ['ignore', 'pipe', 'inherit'] });
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`simulator child exited with ${code}`)));
  });
  const info = JSON.parse(first) as { url: string; pods: string[] };
  for (const p of Object.keys(faults)) if (!info.pods.includes(p)) throw new Error(`soak faults name pod ${p}, agg-2 has ${info.pods.join(', ')}`);
  return { url: info.url, child };
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

function* workload(): Generator<RequestSpecInput> {
  for (let i = 0; ; i++) {
    const group = i % 16;
    yield {
      model: 'Qwen/Qwen2.5-7B-Instruct',
      messages: [{ role: 'user', content: `shared context of group ${group} `.repeat(20) + `question ${i}` }],
      maxTokens: 16 + (i % 17),
      groupId: `g${group}`,
    };
  }
}

export async function soak(input: Partial<SoakOptions> = {}): Promise<SoakResult> {
  const options = SoakOptionsSchema.parse(input);
  const log = (s: string) => {
    if (!options.quiet) process.stdout.write(`${s}\n`);
  };
  const { url, child } = await startSimChild(SOAK_FAULTS);
  const outDir = mkdtempSync(join(tmpdir(), 'rb-soak-'));
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  let sent = 0;
  let ok = 0;
  let inFlight = 0;
  const errors: Record<string, number> = {};
  const samples: SoakSample[] = [];
  const t0 = performance.now();
  const sample = () => {
    const m = process.memoryUsage();
    samples.push({
      tS: Math.round((performance.now() - t0) / 100) / 10,
      rssMiB: m.rss / 2 ** 20,
      heapUsedMiB: m.heapUsed / 2 ** 20,
      loopDelayP99Ms: loop.percentile(99) / 1e6,
      loopDelayMaxMs: loop.max / 1e6,
      inFlight,
      sent,
      ok,
      errors: { ...errors },
    });
    loop.reset();
    const s = samples[samples.length - 1]!;
    log(`t=${fmt(s.tS)}s rss ${fmt(s.rssMiB)} MiB heap ${fmt(s.heapUsedMiB)} MiB lag p99 ${fmt(s.loopDelayP99Ms)} ms in flight ${s.inFlight} sent ${s.sent} ok ${s.ok} errors ${JSON.stringify(s.errors)}`);
  };
  log(`soak: ${options.minutes} min at ${options.rate} req/s against agg-2 (simulator child) with faults ${JSON.stringify(SOAK_FAULTS)}`);
  const timer = setInterval(sample, options.sampleS * 1000);
  let summaryCounts: unknown = null;
  try {
    const result = await run({
      target: url,
      workload: workload(),
      load: { type: 'constant', rate: options.rate, durationS: options.minutes * 60, timeoutMs: 15_000, stallTimeoutMs: 1_000, drainTimeoutMs: 5_000 },
      outDir,
      name: 'soak',
    })
      .on('sent', () => {
        sent++;
        inFlight++;
      })
      .on('request', (r) => {
        inFlight--;
        if (r.status === 'ok') ok++;
        else errors[r.errorClass ?? 'unknown'] = (errors[r.errorClass ?? 'unknown'] ?? 0) + 1;
      });
    summaryCounts = result.summary.counts;
  } finally {
    clearInterval(timer);
    sample(); // the state after the run: in flight must be back to 0
    loop.disable();
    child.kill('SIGTERM');
  }
  const written = readFileSync(join(outDir, 'requests.jsonl'), 'utf8').split('\n').filter((l) => l !== '').length;
  rmSync(outDir, { recursive: true, force: true });

  // Samples taken while sending (the last one, after the run, includes writing the outputs).
  const half = samples.slice(0, -1).filter((s) => s.tS >= (options.minutes * 60) / 2);
  const rssSlope = slope(half.map((s) => s.tS / 60), half.map((s) => s.rssMiB));
  const heapSlope = slope(half.map((s) => s.tS / 60), half.map((s) => s.heapUsedMiB));
  const finished = ok + Object.values(errors).reduce((a, b) => a + b, 0);
  const memoryFlat = rssSlope < options.maxRssSlopeMibPerMin;
  const noStuck = inFlight === 0 && finished === sent && written === sent;
  const lines = [
    `memory flat: ${memoryFlat ? 'PASS' : 'FAIL'} — RSS slope over the second half ${fmt(rssSlope)} MiB/min (bound ${options.maxRssSlopeMibPerMin}), heap ${fmt(heapSlope)} MiB/min, ${half.length} samples`,
    `no stuck requests: ${noStuck ? 'PASS' : 'FAIL'} — in flight at the end ${inFlight}, sent ${sent}, finished ${finished}, written to requests.jsonl ${written}`,
  ];
  const res: SoakResult = {
    options,
    faults: SOAK_FAULTS,
    samples,
    final: { sent, finished, written, inFlight, ok, errors, summaryCounts },
    rssSlopeMibPerMin: rssSlope,
    heapSlopeMibPerMin: heapSlope,
    verdicts: { memoryFlat, noStuckRequests: noStuck },
    lines,
  };
  const classes = [...new Set(samples.flatMap((s) => Object.keys(s.errors)))].sort();
  log(
    table(
      'soak samples',
      ['t (s)', 'RSS', 'heap', 'lag p99 (ms)', 'lag max (ms)', 'in flight', 'sent', 'ok', ...classes],
      samples.map((s) => [s.tS, mib(s.rssMiB * 2 ** 20), mib(s.heapUsedMiB * 2 ** 20), s.loopDelayP99Ms, s.loopDelayMaxMs, ...[s.inFlight, s.sent, s.ok, ...classes.map((c) => s.errors[c] ?? 0)].map(String)]),
    ),
  );
  log(`\n${lines.join('\n')}`);
  if (options.resultsPath) {
    writeFileSync(options.resultsPath, `${JSON.stringify(res, null, 2)}\n`);
    log(`results: ${options.resultsPath}`);
  }
  return res;
}

const FlagsSchema = z.strictObject({
  minutes: z.coerce.number().positive().optional(),
  rate: z.coerce.number().positive().optional(),
  'sample-s': z.coerce.number().positive().optional(),
  'max-rss-slope-mib-per-min': z.coerce.number().positive().optional(),
});

function parseFlags(argv: string[]): Partial<SoakOptions> {
  const raw: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`soak: unexpected argument "${a}"`);
    const [k, v] = a.includes('=') ? [a.slice(2, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a.slice(2), argv[++i] ?? ''];
    raw[k] = v;
  }
  const r = FlagsSchema.safeParse(raw);
  if (!r.success) throw new Error(`soak: ${r.error.issues.map((i) => `${i.path.length ? `--${i.path.join('.')}` : 'flags'}: ${i.message}`).join('; ')}`);
  const f = r.data;
  return { minutes: f.minutes, rate: f.rate, sampleS: f['sample-s'], maxRssSlopeMibPerMin: f['max-rss-slope-mib-per-min'] };
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  try {
    const flags = parseFlags(process.argv.slice(2));
    const defined = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
    const res = await soak(defined);
    process.exit(res.verdicts.memoryFlat && res.verdicts.noStuckRequests ? 0 : 1);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  }
}
