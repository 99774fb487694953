// `routebench snapshot -o FILE --pod-metrics NAME=URL… [--epp-metrics URL --epp-token-file F]`: save every
// target's /metrics into one Prometheus text exposition, each series labelled pod="NAME" and
// instance="host:port" as Prometheus labels what it scrapes — the before/after files `routebench judge
// --metrics-before/--metrics-after` reads (core evidence/saved/snapshot-delta.ts). Take one before a run and
// one after it; the simulator prints its pods' and EPP's metrics URLs (`routebench sim`).
import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { saveMetricsSnapshot } from '@routebench/core';
import { UsageError } from '../exit-codes.ts';
import { httpUrl } from '../options.ts';

function podMetricsArg(v: string, prev: Array<[string, string]> = []): Array<[string, string]> {
  const i = v.indexOf('=');
  if (i <= 0) throw new InvalidArgumentError(`--pod-metrics expects NAME=URL (the pod's name and its /metrics URL), got "${v}"`);
  return [...prev, [v.slice(0, i), httpUrl('--pod-metrics')(v.slice(i + 1))]];
}

export function snapshotCommand(): Command {
  return new Command('snapshot')
    .description('save the pods\' and the EPP\'s /metrics into one exposition file (pod and instance labels) for routebench judge --metrics-before/--metrics-after')
    .requiredOption('-o, --out <file>', 'file to write')
    .option('--pod-metrics <name=url>', 'a model-server pod\'s name and /metrics URL (repeatable)', podMetricsArg, [])
    .option('--epp-metrics <url>', 'the EPP\'s /metrics URL (saved as pod "epp")', httpUrl('--epp-metrics'))
    .option('--epp-token-file <file>', 'file holding the bearer token the EPP\'s /metrics wants')
    .action(async (flags: { out: string; podMetrics: Array<[string, string]>; eppMetrics?: string; eppTokenFile?: string }) => {
      if (flags.podMetrics.length === 0 && !flags.eppMetrics) throw new UsageError('snapshot needs --pod-metrics NAME=URL or --epp-metrics URL', '--pod-metrics');
      if (flags.eppTokenFile && !flags.eppMetrics) throw new UsageError('--epp-token-file goes with --epp-metrics', '--epp-token-file');
      const targets = [
        ...flags.podMetrics.map(([name, url]) => ({ name, url })),
        ...(flags.eppMetrics ? [{ name: 'epp', url: flags.eppMetrics, role: 'epp', ...(flags.eppTokenFile && { bearerTokenFile: flags.eppTokenFile }) }] : []),
      ];
      const text = await saveMetricsSnapshot({ kind: 'static', name: 'snapshot', targets });
      writeFileSync(flags.out, text);
      process.stdout.write(`${flags.out}: ${targets.length} target(s) at ${new Date().toISOString()}\n`);
    });
}
