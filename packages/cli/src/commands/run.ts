// `routebench run <preset|file>`: run a scenario (its controls and compared targets too), print the
// verdict table, write every output into the run folder.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { applyOverrides, applyQuick, getPreset, listPresets, loadScenarioFile, withCompareTargets, withTarget, type Scenario } from '@routebench/scenarios';
import { InvalidArgumentError } from 'commander';
import { listServedModels } from '../discover-model.ts';
import { renderRepeatTable, repeatScenario, runScenario, type ScenarioResult, type ScenarioRunOptions } from '@routebench/scenarios';
import { LLMD_REPORT_VERSION, LLMD_VERSIONS, MAX_CONCURRENCY, MAX_DURATION_S, MAX_RATE, MAX_TIMER_MS, renderVerdictTable, type LlmdVersion } from '@routebench/core';
import { formatCompareTable } from '@routebench/core';
import { EXIT, UsageError } from '../exit-codes.ts';
import { collect, httpUrl, integer, isoTime, MAX_REPEAT, nonNegativeInt, parseHeader, positiveInt, positiveNumber } from '../options.ts';
import { createProgressView } from '../progress.ts';
import { assertOutIsFolder, repeatExit, runFailure, verdictExit } from '../outcome.ts';
import { withSignalStop } from './signals.ts';
import { EXPORT_FORMATS, exportLlmdReport } from './export.ts';
import { workersOption, shardOption } from './worker-flags.ts';
import type { Shard } from '@routebench/core';

export interface RunFlags {
  target?: string;
  out?: string;
  quick?: boolean;
  set: string[];
  seed?: number;
  requests?: number;
  duration?: number;
  concurrency?: number;
  rate?: number;
  header: [string, string][];
  apiKeyEnv?: string;
  apiKeyFile?: string;
  eppTokenFile?: string;
  llmdVersion?: LlmdVersion;
  insecure?: boolean;
  failFast?: boolean;
  force?: boolean;
  controls: boolean;
  format?: (typeof EXPORT_FORMATS)[number];
  drainTimeout?: number;
  workers: number;
  shard?: Shard;
  startAt?: Date;
  /** Run the scenario this many times, each into <out>/repeat-<i>/, then summarize (repeat.ts). */
  repeat?: number;
  /** The model of every request (scenario `model`, and `workload.model` when the workload names one). */
  model?: string;
  inputLen?: number;
  outputLen?: number;
  /** `--compare-target NAME=URL`, repeatable. */
  compareTarget: [string, string][];
}

export function resolveScenario(ref: string): Scenario {
  if (/\.(ya?ml|json)$/i.test(ref) || ref.includes('/')) {
    if (!existsSync(ref)) throw new UsageError(`scenario file ${ref} does not exist`);
    return loadScenarioFile(ref);
  }
  try {
    return getPreset(ref);
  } catch {
    throw new UsageError(`unknown preset "${ref}"; valid presets: ${listPresets().join(', ')} (or give a scenario .yaml/.json file)`);
  }
}

/**
 * Flags that are shorthands for --set. A flag the user gave wins over the preset's load shape, so that it
 * does what it says (README "Flags and the preset"):
 *   --duration replaces the preset's requests bound (the run lasts that long), --requests its duration bound;
 *   --rate turns a closed loop into an open (constant) loop at that rate, --concurrency an open loop into a
 *   closed one. Both bounds or --rate with --concurrency are taken together or refused, never dropped.
 */
export function flagOverrides(f: RunFlags, load?: Scenario['load']): string[] {
  const sets: string[] = [];
  if (f.seed !== undefined) sets.push(`seed=${f.seed}`);
  if (f.rate !== undefined && f.concurrency !== undefined)
    throw new UsageError('--rate (open loop: requests per second) and --concurrency (closed loop: users) conflict; give one of them', '--rate');
  const staged = load?.type === 'stages';
  for (const [flag, given] of [['--rate', f.rate], ['--concurrency', f.concurrency], ['--duration', f.duration]] as const) {
    if (given !== undefined && staged)
      throw new UsageError(`${flag}: this scenario's load is a list of stages (load.stages); set a stage with --set load.stages.N.<field>=VALUE instead`, flag);
  }
  if (f.requests !== undefined) {
    sets.push(`load.requests=${f.requests}`);
    // Both bounds given: the run ends at whichever comes first, as the user asked; else the preset's time bound goes.
    if (f.duration === undefined && load?.durationS !== undefined && !staged) sets.push('load.durationS=null');
  }
  if (f.duration !== undefined) {
    sets.push(`load.durationS=${f.duration}`);
    if (f.requests === undefined && load?.requests !== undefined) sets.push('load.requests=null');
  }
  if (f.concurrency !== undefined) {
    sets.push(`load.concurrency=${f.concurrency}`);
    if (load && load.type !== 'concurrency') sets.push('load.type="concurrency"', 'load.rate=null');
  }
  if (f.rate !== undefined) {
    sets.push(`load.rate=${f.rate}`);
    // A closed loop has no rate: turn it into an open loop at that rate (a Poisson preset stays Poisson).
    if (load && load.type === 'concurrency') sets.push('load.type="constant"', 'load.concurrency=null');
  }
  if (f.drainTimeout !== undefined) sets.push(`load.drainTimeoutMs=${f.drainTimeout}`);
  return sets;
}

/** Longest prompt or output a flag may ask for (tokens): beyond any served model's context. */
const MAX_TOKENS = 10_000_000;

function parseCompareTarget(v: string): [string, string] {
  const i = v.indexOf('=');
  if (i <= 0) throw new InvalidArgumentError(`--compare-target expects NAME=URL (a compared target's name, e.g. pd-1p1d=http://localhost:31458), got "${v.length > 60 ? `${v.slice(0, 60)}…` : v}"`);
  return [v.slice(0, i).trim(), httpUrl('--compare-target')(v.slice(i + 1).trim())];
}

/**
 * --model, --input-len and --output-len as --set paths. A workload without the field is refused, naming the
 * fields it does have, rather than the flag being dropped.
 */
export function workloadFlagOverrides(f: Pick<RunFlags, 'model' | 'inputLen' | 'outputLen'>, sc: Scenario): string[] {
  const w = sc.workload as Record<string, unknown> & { type: string };
  const sets: string[] = [];
  const lengthFields = () => Object.keys(w).filter((k) => /_len$/.test(k)).join(', ') || 'none';
  if (f.model !== undefined) {
    if (f.model.trim() === '') throw new UsageError('--model expects a model name, got ""', '--model');
    if (w.type === 'multi-model')
      throw new UsageError(`--model: workload multi-model sends to several models (workload.models); set them with --set 'workload.models=[{"name":"A","weight":1}]'`, '--model');
    // JSON-quoted: a model named 7 or true is still a string.
    sets.push(`model=${JSON.stringify(f.model)}`);
    if (w.model !== undefined) sets.push(`workload.model=${JSON.stringify(f.model)}`);
  }
  for (const [flag, field, value] of [['--input-len', 'input_len', f.inputLen], ['--output-len', 'output_len', f.outputLen]] as const) {
    if (value === undefined) continue;
    if (!(field in w)) throw new UsageError(`${flag}: workload ${w.type} has no ${field} (its lengths: ${lengthFields()}); set one with --set workload.<field>=N`, flag);
    sets.push(`workload.${field}=${value}`);
  }
  return sets;
}

/**
 * --target without --model: if the server lists its models at /v1/models and the scenario's model is not among
 * them, use the one it serves (said on stderr), or refuse naming them when it serves several. A server that lists
 * nothing leaves the scenario as it is.
 */
async function discoverModel(sc: Scenario, flags: RunFlags, apiKey: string | undefined): Promise<Scenario> {
  const w = sc.workload as { type: string; model?: string };
  if (w.type === 'multi-model') return sc; // it names its models (and may send to an unserved one on purpose)
  const wanted = w.model ?? sc.model;
  const served = await listServedModels(flags.target!, { apiKey, headers: Object.fromEntries(flags.header), insecure: flags.insecure });
  if (!served || served.length === 0 || served.includes(wanted)) return sc;
  if (served.length > 1)
    throw new UsageError(`--model: ${flags.target} does not serve the scenario's model "${wanted}"; it serves ${served.join(', ')}. Choose one with --model NAME`, '--model');
  const model = served[0]!;
  process.stderr.write(`routebench: ${flags.target} does not serve "${wanted}"; using the one model it serves, "${model}" (--model NAME to choose)\n`);
  return asUsageError(() => applyOverrides(sc, workloadFlagOverrides({ model }, sc)));
}

function readApiKey(f: RunFlags): string | undefined {
  if (f.apiKeyEnv) {
    const v = process.env[f.apiKeyEnv];
    if (!v) throw new UsageError(`--api-key-env: environment variable ${f.apiKeyEnv} is not set`);
    return v;
  }
  if (f.apiKeyFile) {
    if (!existsSync(f.apiKeyFile)) throw new UsageError(`--api-key-file: ${f.apiKeyFile} does not exist`, '--api-key-file');
    if (!statSync(f.apiKeyFile).isFile()) throw new UsageError(`--api-key-file: ${f.apiKeyFile} is not a file (give the file holding the key)`, '--api-key-file');
    let key: string;
    try {
      key = readFileSync(f.apiKeyFile, 'utf8').trim();
    } catch (e) {
      // The code only (EACCES…): the message of a read error is no place for the file's content, but be safe.
      throw new UsageError(`--api-key-file: cannot read ${f.apiKeyFile} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, '--api-key-file');
    }
    if (!key) throw new UsageError(`--api-key-file: ${f.apiKeyFile} is empty`, '--api-key-file');
    return key;
  }
  return process.env.ROUTEBENCH_API_KEY || undefined;
}

export function defaultOutDir(scenario: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return join('results', `${stamp}-${scenario}`);
}

export function runCommand(): Command {
  return new Command('run')
    .description('run a scenario preset or file against the embedded simulator (default) or a gateway, and print verdicts')
    .argument('<scenario>', `preset name (${listPresets().join(', ')}) or a scenario .yaml/.json file`)
    .option('-t, --target <url>', 'send to this gateway instead of the simulator', httpUrl('--target'))
    .option('-o, --out <dir>', 'output folder (default results/<timestamp>-<scenario>/)')
    .option('--quick', 'the reduced form of the scenario (seconds)')
    .option('--set <path=value>', 'override any scenario field, e.g. --set load.rate=20 (repeatable)', collect, [])
    // The PRNG takes its seed modulo 2^32: a larger one would silently repeat a smaller one's workload.
    .option('--seed <n>', 'workload seed (0 to 4294967295)', integer('--seed', 0, 2 ** 32 - 1))
    .option('--requests <n>', 'measured requests (load.requests)', positiveInt('--requests'))
    .option('--duration <s>', 'measured seconds (load.durationS)', positiveNumber('--duration', MAX_DURATION_S))
    .option('--concurrency <n>', 'closed-loop users (load.concurrency)', positiveInt('--concurrency', MAX_CONCURRENCY))
    .option('--rate <r>', 'open-loop requests per second (load.rate)', positiveNumber('--rate', MAX_RATE))
    .option('--model <name>', 'model of every request (default: the scenario\'s; with --target, the one the server lists at /v1/models when it serves exactly one)')
    .option('--input-len <n>', 'prompt tokens per request (workloads with workload.input_len)', positiveInt('--input-len', MAX_TOKENS))
    .option('--output-len <n>', 'output tokens per request (workloads with workload.output_len)', positiveInt('--output-len', MAX_TOKENS))
    .option('--compare-target <name=url>', 'send the compared target NAME (scenario compareTargets) to URL instead of the simulator (repeatable)', (v: string, prev: [string, string][] = []) => [...prev, parseCompareTarget(v)], [])
    .option('--drain-timeout <ms>', 'after Ctrl-C, how long in-flight requests may finish (0 = abort them at once)', nonNegativeInt('--drain-timeout', MAX_TIMER_MS))
    .option('-H, --header <name: value>', 'extra request header (repeatable)', (v: string, prev: [string, string][] = []) => [...prev, parseHeader(v)], [])
    .addOption(new Option('--llmd-version <version>', 'simulator targets: the llm-d generation the cluster behaves as (default: the newest)').choices([...LLMD_VERSIONS]))
    .option('--epp-token-file <file>', "bearer token for the EPP's /metrics (auth is on by default upstream; the API-server proxy strips it, so give the EPP a direct URL)")
    .option('--api-key-env <name>', 'read the API key (sent as a bearer token to --target only) from this env var (default ROUTEBENCH_API_KEY)')
    .option('--api-key-file <path>', 'read the API key from this file')
    .option('--insecure', 'skip TLS certificate verification')
    .option('--fail-fast', 'stop at the first failed request')
    .option('--force', 'overwrite an output folder that already holds a run')
    .option('--no-controls', 'skip control runs (claims that need them become Inconclusive)')
    .addOption(new Option('--format <format>', `also export the main run's summary (llm-d-benchmark Benchmark Report v${LLMD_REPORT_VERSION})`).choices([...EXPORT_FORMATS]))
    .addOption(workersOption())
    .addOption(shardOption())
    .option('--start-at <time>', 'wait until this ISO-8601 wall-clock time before starting (align shards on several machines)', isoTime('--start-at'))
    .option('--repeat <n>', 'run N times (a fresh simulator each; a real target one run after another) into <out>/repeat-<i>/ and summarize the verdicts (repeat-summary.json)', positiveInt('--repeat', MAX_REPEAT))
    .action(async (ref: string, flags: RunFlags) => {
      process.exitCode = await runAction(ref, flags);
    });
}

export async function runAction(ref: string, flags: RunFlags): Promise<number> {
  // --quick first, so --set and the shorthand flags override the quick form, not the other way round.
  // Everything wrong with the scenario, its overrides or its targets is the user's to fix (exit 2), and
  // is found here, before a folder is made or a request sent.
  let scenario = asUsageError(() => {
    let sc = flags.quick ? applyQuick(resolveScenario(ref)) : resolveScenario(ref);
    const sets = [...flagOverrides(flags, sc.load), ...flags.set];
    if (sets.length > 0) sc = applyOverrides(sc, sets);
    // Checked against the workload as --set left it (it may have swapped the workload type).
    const workloadSets = workloadFlagOverrides(flags, sc);
    if (workloadSets.length > 0) sc = applyOverrides(sc, workloadSets);
    if (flags.target) sc = withTarget(sc, flags.target);
    if (flags.compareTarget.length > 0) sc = withCompareTargets(sc, flags.compareTarget);
    return sc;
  });
  const apiKey = readApiKey(flags);
  const outDir = flags.out ?? defaultOutDir(scenario.name);
  assertOutIsFolder(outDir);
  if (flags.target && flags.model === undefined) scenario = await discoverModel(scenario, flags, apiKey);
  // runScenario checks the scenario (preflight) and the output folder before it makes a folder or sends a
  // request; its errors carry codes that main() maps to exit 2.

  const view = createProgressView();
  const runOpts = (signal: AbortSignal): ScenarioRunOptions => ({
      outDir,
      force: flags.force,
      skipControls: !flags.controls,
      apiKey,
      eppTokenFile: flags.eppTokenFile,
      llmdVersion: flags.llmdVersion,
      insecure: flags.insecure,
      failFast: flags.failFast,
      signal,
      workers: flags.workers,
      shard: flags.shard,
      startAt: flags.startAt,
      headers: Object.fromEntries(flags.header),
      onRunStart: (label, target) => view.start(label, target, { durationS: scenario.load.durationS, requests: scenario.load.requests }),
      onProgress: (label, p) => view.update(label, p),
    });
  if (flags.repeat !== undefined && flags.repeat > 1) {
    const n = flags.repeat;
    const summary = await withSignalStop((signal) => repeatScenario(scenario, n, runOpts(signal))).finally(() => view.done());
    process.stdout.write(`\n${renderRepeatTable(summary)}\n\nresults: ${outDir} (repeat-1 … repeat-${summary.repeats}, repeat-summary.json)\n`);
    return repeatExit(summary);
  }
  const result: ScenarioResult = await withSignalStop((signal) => runScenario(scenario, runOpts(signal))).finally(() => view.done());

  const out = process.stdout;
  if (result.verdicts.length > 0) out.write(`\n${renderVerdictTable(result.verdicts)}\n`);
  else if (flags.shard && flags.shard.count > 1 && scenario.claims.length > 0)
    // runScenario leaves a shard's claims to the merge: judged on 1/N of the load they would mislead.
    out.write(`\n(shard ${flags.shard.index}/${flags.shard.count}: the ${scenario.claims.length} claim(s) are judged on all ${flags.shard.count} shards: routebench merge <shard folders> --out DIR)\n`);
  else out.write(`\n(no claims in scenario ${scenario.name}: nothing to judge; results recorded)\n`);
  const s = result.main.evidence.summary;
  const o = s.dimensions.overall;
  out.write(
    `\n${s.counts.sent} requests (${s.counts.ok} ok, ${s.counts.error} errors, ${s.counts.cancelled} cancelled)` +
      (o ? `  TTFT p50 ${fmt(o.ttft.p50)} p99 ${fmt(o.ttft.p99)}  ITL p50 ${fmt(o.itl.p50)} p99 ${fmt(o.itl.p99)}  E2E p99 ${fmt(o.e2e.p99)}` : '') +
      '\n',
  );
  if (result.compareRows) {
    // The console gets the overall rows; compare.csv has every pod and model too.
    out.write(`\n${formatCompareTable(result.compareRows.filter((r) => r.dimension === 'overall'))}\n(per pod and per model: ${join(outDir, 'compare.csv')})\n`);
  }
  if (flags.format === 'llmd-report') for (const f of exportLlmdReport(result.main.dir, s)) out.write(`export: ${f}\n`);
  out.write(`\nresults: ${outDir}\n`);
  if (result.main.stopped && result.main.stopReason) out.write(`run stopped early: ${result.main.stopReason}\n`);
  // Last on the console: why requests failed (and whether that failed the run), secrets redacted.
  const failure = runFailure(result.main.dir, s, { stopped: result.main.stopped, secrets: secretsOf(flags, apiKey) });
  if (failure.lines.length > 0) process.stderr.write(`${failure.lines.join('\n')}\n`);
  return failure.failed ? EXIT.runError : verdictExit(result.mainVerdicts);
}

/** What the user handed us that must never be printed: the API key and credential-like --header values. */
export function secretsOf(flags: Pick<RunFlags, 'header'>, apiKey: string | undefined): (string | undefined)[] {
  return [apiKey, ...flags.header.filter(([name]) => /auth|key|token|secret|cookie|passw/i.test(name)).map(([, v]) => v.replace(/^(Bearer|Basic)\s+/i, ''))];
}

function asUsageError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw e instanceof UsageError ? e : new UsageError((e as Error).message);
  }
}

function fmt(x: number | null): string {
  return x === null ? '-' : `${x.toFixed(1)}ms`;
}
