// `routebench sim`: run a simulator cluster in the foreground (for pointing other tools, or
// `routebench run --target`, at it). Binds to 127.0.0.1 only.
import { readFileSync, existsSync } from 'node:fs';
import { Command, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import { startCluster, type ClusterSpecInput } from '@routebench/sim';
import { presetSpec, PRESET_NAMES, type PresetName } from '@routebench/sim';
import { UsageError } from '../exit-codes.ts';

export function simCommand(): Command {
  return new Command('sim')
    .description('start an embedded llm-d simulator cluster on loopback and print its URLs (Ctrl-C stops it)')
    .addOption(new Option('-p, --preset <name>', 'cluster preset').choices([...PRESET_NAMES]))
    .option('-c, --config <file>', 'cluster spec file (YAML or JSON; see packages/sim/src/cluster.ts ClusterSpecSchema)')
    .option('--kv-transfer <mode>', 'P/D presets: ok | broken (prefill→decode KV transfer fails, decode recomputes)')
    .option('--kv-events <mode>', 'ok | dropped (the EPP never receives KV events)')
    .option('--no-identity-headers', 'pods send no x-inference-pod headers (test header-less attribution)')
    .option('--epp-log <file>', 'append one EPP log line per request here')
    .action(async (flags: { preset?: string; config?: string; kvTransfer?: string; kvEvents?: string; identityHeaders: boolean; eppLog?: string }) => {
      if (!flags.preset && !flags.config) throw new UsageError(`sim needs --preset (${PRESET_NAMES.join(', ')}) or --config FILE`);
      if (flags.preset && flags.config) throw new UsageError('sim takes --preset or --config, not both');
      for (const [flag, v] of [['--kv-transfer', flags.kvTransfer], ['--kv-events', flags.kvEvents]] as const) {
        const ok = flag === '--kv-transfer' ? ['ok', 'broken'] : ['ok', 'dropped'];
        if (v !== undefined && !ok.includes(v)) throw new UsageError(`${flag} accepts ${ok.join(' | ')}, got "${v}"`);
      }
      let spec: ClusterSpecInput;
      if (flags.config) {
        if (!existsSync(flags.config)) throw new UsageError(`--config: ${flags.config} does not exist`);
        spec = parseYaml(readFileSync(flags.config, 'utf8')) as ClusterSpecInput;
      } else {
        const options: Record<string, unknown> = { identityHeaders: flags.identityHeaders };
        if (flags.kvTransfer) options.kvTransfer = flags.kvTransfer;
        if (flags.kvEvents) options.kvEvents = flags.kvEvents;
        if (flags.eppLog) options.eppLogPath = flags.eppLog;
        spec = presetSpec(flags.preset as PresetName, options);
      }
      let cluster;
      try {
        cluster = await startCluster(spec);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      await cluster.waitReady(15_000);
      const out = process.stdout;
      out.write(`gateway      ${cluster.gatewayUrl}\nepp metrics  ${cluster.eppMetricsUrl}\n`);
      if (cluster.eppLogPath) out.write(`epp log      ${cluster.eppLogPath}\n`);
      for (const [name, url] of Object.entries(cluster.podMetricsUrls())) out.write(`pod ${name.padEnd(12)} ${url}\n`);
      out.write('Ctrl-C to stop\n');
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await cluster.stop();
    });
}
