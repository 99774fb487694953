// `routebench judge RUN`: judge a finished run folder again on evidence saved beside it — EPP logs, pod
// logs, metric snapshots or a Prometheus range (core evidence/saved/judge.ts). Prints the verdict table as
// `run` does; the exit code is the verdicts' (0 / 1 / 4), 2 for a bad flag or an unreadable input.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { judgeRun, LLMD_VERSIONS, parseSnapshotSpec, renderVerdictTable, type LlmdVersion, type SnapshotSpec } from '@routebench/core';
import { loadScenarioFile, type Scenario } from '@routebench/scenarios';
import { UsageError } from '../exit-codes.ts';
import { collect, httpUrl } from '../options.ts';
import { verdictExit } from '../outcome.ts';
import { resolveScenario } from './run.ts';

interface JudgeFlags {
  eppLog: string[];
  podLogs?: string;
  metricsBefore: SnapshotSpec[];
  metricsAfter: SnapshotSpec[];
  prometheus?: string;
  prometheusTokenFile?: string;
  podLabel?: string;
  selector?: string;
  from?: number;
  to?: number;
  scenario?: string;
  llmdVersion?: LlmdVersion;
  alias: Array<[string, string]>;
}

/** `--from/--to`: an ISO-8601 time with a zone, or Unix seconds (what Prometheus takes). */
function timeArg(flag: string) {
  return (v: string): number => {
    if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
    const ok = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v);
    const t = Date.parse(v);
    if (!ok || Number.isNaN(t)) throw new InvalidArgumentError(`${flag} expects an ISO-8601 time with a zone (2026-12-06T01:00:00Z) or Unix seconds, got "${v}"`);
    return t;
  };
}

function aliasArg(v: string, prev: Array<[string, string]> = []): Array<[string, string]> {
  const i = v.lastIndexOf('=');
  if (i <= 0 || i === v.length - 1) throw new InvalidArgumentError(`--alias expects ADDRESS=POD (e.g. 10.0.0.5:8000=decode-0), got "${v}"`);
  return [...prev, [v.slice(0, i), v.slice(i + 1)]];
}

const snapshotArg = (v: string, prev: SnapshotSpec[] = []) => [...prev, parseSnapshotSpec(v)];

export function judgeCommand(): Command {
  return new Command('judge')
    .description('judge a finished run folder again from saved evidence: EPP logs, pod logs, metric snapshots or a Prometheus range')
    .argument('<run>', 'run folder (requests.jsonl, summary.json, scenario.json)')
    .option('--epp-log <file>', 'saved EPP log (any supported llm-d line format, kubectl --prefix/--timestamps, gzip); repeatable. Default: the run folder\'s epp.log', collect, [])
    .option('--pod-logs <dir>', 'folder of model-server pod logs (vLLM --enable-log-requests), one file per pod named <pod>.log[.gz]')
    .option('--metrics-before <[name=]file>', 'Prometheus text exposition saved before the run; one file per target as NAME=FILE, or one file whose series carry a pod label (and instance=ip:port); repeatable', snapshotArg, [])
    .option('--metrics-after <[name=]file>', 'the same, saved after the run', snapshotArg, [])
    .option('--prometheus <url>', 'read the counters and gauges from this Prometheus over the run\'s window instead', httpUrl('--prometheus'))
    .option('--from <time>', 'with --prometheus: window start (ISO-8601 or Unix seconds; default the run\'s start)', timeArg('--from'))
    .option('--to <time>', 'with --prometheus: window end, read at this time (default the run\'s end; give a moment after the last scrape that followed the load)', timeArg('--to'))
    .option('--prometheus-token-file <file>', 'with --prometheus: file holding a bearer token')
    .option('--pod-label <label>', 'with --prometheus: label naming the pod (default pod)')
    .option('--selector <matchers>', 'with --prometheus: extra PromQL label matchers, e.g. namespace="llm-d"')
    .option('--scenario <name|file>', 'scenario whose claims to judge (default: the run folder\'s scenario.json)')
    .addOption(new Option('--llmd-version <version>', 'llm-d generation whose log levels the Inconclusive reasons cite').choices([...LLMD_VERSIONS]))
    .option('--alias <address=pod>', 'map an endpoint address the logs name to a pod (beside the metrics targets\' addresses); repeatable', aliasArg, [])
    .action(async (dir: string, flags: JudgeFlags) => {
      process.exitCode = await judgeAction(dir, flags);
    });
}

export async function judgeAction(dir: string, flags: JudgeFlags): Promise<number> {
  if (!existsSync(join(dir, 'summary.json')) && !existsSync(join(dir, 'requests.jsonl'))) throw new UsageError(`${dir}: not a run folder (no summary.json or requests.jsonl)`, 'RUN');
  if ((flags.from !== undefined || flags.to !== undefined || flags.prometheusTokenFile || flags.podLabel || flags.selector) && !flags.prometheus) {
    throw new UsageError('--from/--to/--prometheus-token-file/--pod-label/--selector go with --prometheus URL', '--prometheus');
  }
  const scenario = judgedScenario(dir, flags.scenario);
  const result = await judgeRun({
    runDir: dir,
    claims: scenario.claims,
    feature: scenario.feature,
    mode: scenario.mode,
    eppLogs: flags.eppLog,
    ...(flags.podLogs && { podLogsDir: flags.podLogs }),
    metricsBefore: flags.metricsBefore,
    metricsAfter: flags.metricsAfter,
    ...(flags.prometheus && {
      prometheus: {
        url: flags.prometheus,
        ...(flags.from !== undefined && { fromMs: flags.from }),
        ...(flags.to !== undefined && { toMs: flags.to }),
        ...(flags.prometheusTokenFile && { bearerTokenFile: flags.prometheusTokenFile }),
        ...(flags.podLabel && { podLabel: flags.podLabel }),
        ...(flags.selector && { selector: flags.selector }),
      },
    }),
    aliases: Object.fromEntries(flags.alias),
    ...(flags.llmdVersion && { llmdVersion: flags.llmdVersion }),
  });
  const out = process.stdout;
  const a = result.attribution;
  if (result.verdicts.length > 0) out.write(`\n${renderVerdictTable(result.verdicts)}\n`);
  else out.write(`\n(no claims in scenario ${scenario.name}: nothing to judge)\n`);
  const placed = Object.entries(a.placedBy).map(([s, n]) => `${s} ${n}`).join(', ');
  out.write(`\nattribution: ${placed || 'none'}${a.unattributed ? `, unattributed ${a.unattributed}` : ''}`);
  if (a.unresolvedEndpoints > 0) out.write(`; ${a.unresolvedEndpoints} EPP endpoint(s) unresolved (e.g. ${a.unresolvedSamples[0]!.raw}: ${a.unresolvedSamples[0]!.how})`);
  out.write(`\nmetrics: ${String(result.inputs.metricsFrom)}\n`);
  for (const w of a.warnings ?? []) out.write(`warning: ${w}\n`);
  for (const m of result.missing) out.write(`missing: ${m}\n`);
  if (existsSync(join(dir, 'requests.jsonl'))) out.write(`\nresults: ${dir} (requests.jsonl, summary.json, verdicts.md rewritten; the earlier attribution is kept in each record's previousAttribution)\n`);
  else out.write(`\nresults: ${dir} (summary.json and verdicts.md rewritten; an aggregate-only run keeps its imported figures as they were)\n`);
  if (existsSync(join(dir, 'report.html'))) out.write(`report.html is the run's as it was: routebench report ${dir} rebuilds it from the judged files\n`);
  return verdictExit(result.verdicts);
}

/** --scenario, else the run folder's scenario.json (written by every scenario run). */
function judgedScenario(dir: string, ref: string | undefined): Scenario {
  if (ref) return resolveScenario(ref);
  const file = join(dir, 'scenario.json');
  if (!existsSync(file)) throw new UsageError(`${dir}: no scenario.json; name the scenario whose claims to judge with --scenario NAME|FILE`, '--scenario');
  try {
    return loadScenarioFile(file);
  } catch (e) {
    throw new UsageError(`${file}: ${(e as Error).message}`, '--scenario');
  }
}
