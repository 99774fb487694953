// `routebench sweep <preset|file>`: run the scenario at a ladder of load levels against each of its targets,
// one run folder per level, then search each target for the highest level meeting the SLOs (SLO-max) and,
// with two targets, say which serves more at the SLO and where their curves cross. Outputs: sweep.csv,
// slo-max.csv, sweep.json, verdicts.json/.md and report.html (curves) in the sweep folder.
// The ladder and the SLOs come from the scenario's `sweep` section; the flags below replace parts of it.
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  applyOverrides,
  applyQuick,
  renderRepeatTable,
  repeatSweep,
  listPresets,
  parseScenario,
  parseSloText,
  runSweep,
  SLO_TEXT_HELP,
  withCompareTargets,
  withTarget,
  type Scenario,
  type RepeatSummary,
  type SweepInput,
  type SweepResult,
} from '@routebench/scenarios';
import { LLMD_VERSIONS, MAX_DURATION_S, renderVerdictTable, type LlmdVersion } from '@routebench/core';
import { EXIT, UsageError } from '../exit-codes.ts';
import { collect, httpUrl, MAX_REPEAT, nonNegativeInt, parseHeader, positiveInt, positiveNumber } from '../options.ts';
import { createProgressView } from '../progress.ts';
import { assertOutIsFolder, verdictExit } from '../outcome.ts';
import { withSignalStop } from './signals.ts';
import { parseWorkers } from './worker-flags.ts';
import { defaultOutDir, resolveScenario } from './run.ts';

export interface SweepFlags {
  out?: string;
  quick?: boolean;
  set: string[];
  slo: string[];
  levels?: number[];
  linear?: [number, number, number];
  geometric?: [number, number, number];
  auto?: number | true;
  over?: 'rate' | 'concurrency';
  levelDuration?: number;
  maxErrorRate?: number;
  refine?: number;
  target?: string;
  compareTarget: [string, string][];
  header: [string, string][];
  apiKeyEnv?: string;
  llmdVersion?: LlmdVersion;
  insecure?: boolean;
  force?: boolean;
  workers: number;
  repeat?: number;
}

function levelList(v: string): number[] {
  const xs = v.split(',').map((s) => Number(s.trim()));
  if (xs.length === 0 || xs.some((x) => !(x > 0) || !Number.isFinite(x))) throw new InvalidArgumentError(`--levels expects positive numbers separated by commas, e.g. 5,10,20, got "${v}"`);
  return xs;
}

function range(flag: string) {
  return (v: string): [number, number, number] => {
    const m = /^\s*([0-9.]+)\s*:\s*([0-9.]+)\s*:\s*(\d+)\s*$/.exec(v);
    const from = Number(m?.[1]);
    const to = Number(m?.[2]);
    const steps = Number(m?.[3]);
    if (!m || !(from > 0) || !(to > from) || !(steps >= 2)) throw new InvalidArgumentError(`${flag} expects FROM:TO:STEPS with 0 < FROM < TO and STEPS ≥ 2, e.g. 2:32:5, got "${v}"`);
    return [from, to, steps];
  };
}

function sloFlag(v: string, prev: string[] = []): string[] {
  if (!parseSloText(v)) throw new InvalidArgumentError(`--slo "${v}": ${SLO_TEXT_HELP}`);
  return [...prev, v];
}

function share(flag: string) {
  return (v: string): number => {
    const x = Number(v);
    if (!(x >= 0 && x <= 1)) throw new InvalidArgumentError(`${flag} expects a share between 0 and 1, got "${v}"`);
    return x;
  };
}

/** The scenario's sweep with the flags applied (a scenario without one gets an auto ladder). */
export function sweepFromFlags(sc: Scenario, f: SweepFlags): Scenario {
  const ladders = [f.levels && 'levels', f.linear && 'linear', f.geometric && 'geometric', f.auto !== undefined && 'auto'].filter(Boolean);
  if (ladders.length > 1) throw new UsageError(`give one ladder: --${ladders.join(', --')} conflict`, `--${ladders[0]}`);
  const base = (sc.sweep ?? { ladder: { type: 'auto' } }) as SweepInput;
  const next: SweepInput = { ...base };
  if (f.levels) next.ladder = { type: 'list', levels: f.levels };
  if (f.linear) next.ladder = { type: 'linear', from: f.linear[0], to: f.linear[1], steps: f.linear[2] };
  if (f.geometric) next.ladder = { type: 'geometric', from: f.geometric[0], to: f.geometric[1], steps: f.geometric[2] };
  if (f.auto !== undefined) next.ladder = { type: 'auto', ...(typeof f.auto === 'number' && { steps: f.auto }) };
  if (f.over) next.over = f.over;
  if (f.levelDuration !== undefined) next.levelDurationS = f.levelDuration;
  if (f.maxErrorRate !== undefined) next.maxErrorRate = f.maxErrorRate;
  if (f.refine !== undefined) next.refine = f.refine;
  if (f.slo.length > 0) next.slo = f.slo;
  return parseScenario({ ...sc, sweep: next }, `${sc.name} sweep`);
}

export function sweepCommand(): Command {
  return new Command('sweep')
    .description('run a scenario at a ladder of rates or concurrencies per target, and find the highest level meeting the SLOs (sweep.csv, report.html)')
    .argument('<scenario>', `preset name (${listPresets().join(', ')}) or a scenario .yaml/.json file`)
    .option('-o, --out <dir>', 'sweep folder (default results/<timestamp>-<scenario>-sweep/)')
    .option('--quick', "the scenario's reduced form (its quick patch: short levels)")
    .option('--set <path=value>', 'override any scenario field, e.g. --set sweep.levelDurationS=5 (repeatable)', collect, [])
    .option('--slo <metric.pNN<=ms>', `an SLO to search for (repeatable; replaces the scenario's), e.g. 'ttft.p99<=500', 'e2e.p90<=2s' (quoted: < is a shell redirect)`, sloFlag, [])
    .option('--levels <list>', 'ladder: these levels, e.g. 5,10,20,40', levelList)
    .option('--linear <from:to:steps>', 'ladder: STEPS levels evenly spaced from FROM to TO', range('--linear'))
    .option('--geometric <from:to:steps>', 'ladder: STEPS levels with a constant ratio from FROM to TO', range('--geometric'))
    .option('--auto [steps]', 'ladder: serial level, saturation probe, then STEPS rates in between (GuideLLM sweep; default 4)', positiveInt('--auto', 100))
    .addOption(new Option('--over <what>', 'what the ladder varies').choices(['rate', 'concurrency']))
    .option('--level-duration <s>', 'seconds per level', positiveNumber('--level-duration', MAX_DURATION_S))
    .option('--max-error-rate <share>', 'stop a ladder at the first level with more errors than this share (default 0.05)', share('--max-error-rate'))
    .option('--refine <n>', 'extra levels bisecting between the last passing and the first failing level', nonNegativeInt('--refine', 10))
    .option('-t, --target <url>', 'send to this gateway instead of the simulator (scenarios without compareTargets)', httpUrl('--target'))
    .option('--compare-target <name=url>', 'send the compared target NAME to URL instead of the simulator (repeatable)', (v: string, prev: [string, string][] = []) => {
      const i = v.indexOf('=');
      if (i <= 0) throw new InvalidArgumentError(`--compare-target expects NAME=URL, got "${v.slice(0, 60)}"`);
      return [...prev, [v.slice(0, i).trim(), httpUrl('--compare-target')(v.slice(i + 1).trim())] as [string, string]];
    }, [])
    .option('-H, --header <name: value>', 'extra request header (repeatable)', (v: string, prev: [string, string][] = []) => [...prev, parseHeader(v)], [])
    .option('--api-key-env <name>', 'read the API key (sent as a bearer token to URL targets only) from this env var (default ROUTEBENCH_API_KEY)')
    .addOption(new Option('--llmd-version <version>', 'simulator targets: the llm-d generation the cluster behaves as').choices([...LLMD_VERSIONS]))
    .option('--insecure', 'skip TLS certificate verification')
    .option('--force', 'overwrite level folders that already hold a run')
    // Default 1, unlike `run`: a sweep is many short levels, and each level's worker threads would start (and load
    // the client's code) anew — seconds per level on a busy 2-core machine, more than a quick level lasts.
    .addOption(new Option('--workers <n>', 'worker threads sending each level (1 = the client on the main event loop)').argParser(parseWorkers).default(1))
    .option('--repeat <n>', 'run the whole sweep N times into <out>/repeat-<i>/ and summarize the SLO-max rows (mean ± 95% t-interval; repeat-summary.json)', positiveInt('--repeat', MAX_REPEAT))
    .action(async (ref: string, flags: SweepFlags) => {
      process.exitCode = await sweepAction(ref, flags);
    });
}

export async function sweepAction(ref: string, flags: SweepFlags): Promise<number> {
  const scenario = asUsageError(() => {
    let sc = flags.quick ? applyQuick(resolveScenario(ref)) : resolveScenario(ref);
    if (flags.set.length > 0) sc = applyOverrides(sc, flags.set);
    sc = sweepFromFlags(sc, flags);
    if (flags.target) sc = withTarget(sc, flags.target);
    if (flags.compareTarget.length > 0) sc = withCompareTargets(sc, flags.compareTarget);
    return sc;
  });
  let apiKey: string | undefined;
  if (flags.apiKeyEnv) {
    apiKey = process.env[flags.apiKeyEnv];
    if (!apiKey) throw new UsageError(`--api-key-env: environment variable ${flags.apiKeyEnv} is not set`, '--api-key-env');
  } else apiKey = process.env.ROUTEBENCH_API_KEY || undefined;
  const outDir = flags.out ?? `${defaultOutDir(scenario.name)}-sweep`;
  assertOutIsFolder(outDir);
  const view = createProgressView();
  const levelDurationS = scenario.sweep?.levelDurationS ?? scenario.load.durationS;
  const sweepOpts = (signal: AbortSignal) => ({
    outDir,
    force: flags.force,
    apiKey,
    llmdVersion: flags.llmdVersion,
    insecure: flags.insecure,
    signal,
    workers: flags.workers,
    headers: Object.fromEntries(flags.header),
    onRunStart: (label: string, target: string) => view.start(label, target, { durationS: levelDurationS }),
    onProgress: (label: string, p: Parameters<typeof view.update>[1]) => view.update(label, p),
  });
  if (flags.repeat !== undefined && flags.repeat > 1) {
    const n = flags.repeat;
    const summary = await withSignalStop((signal) => repeatSweep(scenario, n, sweepOpts(signal))).finally(() => view.done());
    process.stdout.write(`\n${renderRepeatTable(summary)}\n\n${sloMaxLines(summary)}\nresults: ${outDir} (repeat-1 … repeat-${summary.repeats}, repeat-summary.json)\n`);
    return summary.anyMainFail ? EXIT.claimFailed : summary.claims.some((c) => c.inconclusive > 0) ? EXIT.inconclusive : EXIT.ok;
  }
  const result: SweepResult = await withSignalStop((signal) => runSweep(scenario, sweepOpts(signal))).finally(() => view.done());

  const out = process.stdout;
  if (result.verdicts.length > 0) out.write(`\n${renderVerdictTable(result.verdicts)}\n`);
  else out.write('\n(no SLO: give --slo or sweep.slo to search for the SLO-max; curves recorded)\n');
  out.write('\n');
  for (const t of result.targets) {
    out.write(`${t.name}: ${t.levels.length} levels\n`);
    for (const l of t.levels)
      out.write(
        `  ${l.phase.padEnd(6)} ${`${Number(l.level.toPrecision(4))} ${l.over === 'rate' ? 'req/s' : 'users'}`.padEnd(12)} ok ${l.throughput.toFixed(1)} req/s  TTFT p90 ${ms(l.latency.ttft.p90)}  ITL p99 ${ms(l.latency.itl.p99)}  errors ${(l.errorRate * 100).toFixed(1)}%  SLO ${l.judgement.status}${l.stopText ? `  (stop: ${l.stopText})` : ''}\n`,
      );
    if (t.stoppedBy) out.write(`  ladder ${t.stoppedBy}\n`);
  }
  out.write(`\nsweep: ${outDir}/sweep.csv, slo-max.csv, report.html (${result.wallS.toFixed(1)} s)\n`);
  if (result.targets.every((t) => t.levels.every((l) => l.ok === 0))) {
    process.stderr.write('routebench: no level had a successful request; see the level folders\n');
    return EXIT.runError;
  }
  return verdictExit(result.verdicts);
}

/** Per target's SLO-max row: mean ± 95% t half-width of the SLO-max over the repeats that found one. */
function sloMaxLines(s: RepeatSummary): string {
  return s.claims
    .filter((c) => c.claim === 'slo-max')
    .map((c) => {
      const f = c.figures.sloMax;
      const fig = f ? `${num(f.mean)}${f.ci === null ? '' : ` ± ${num(f.ci)}`} (min ${num(f.min)}, max ${num(f.max)}; ${f.n} of ${s.repeats} sweeps found one)` : 'found in no sweep';
      return `${c.feature}: SLO-max ${fig}\n`;
    })
    .join('');
}

const num = (x: number) => String(Number(x.toPrecision(4)));

const ms = (x: number | null) => (x === null ? 'n/a' : `${x.toFixed(1)} ms`);

function asUsageError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw e instanceof UsageError ? e : new UsageError((e as Error).message);
  }
}
