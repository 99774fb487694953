// `routebench sim`: run a simulator cluster in the foreground (for pointing other tools, or
// `routebench run --target`, at it). Binds to 127.0.0.1 only.
import { readFileSync, existsSync } from 'node:fs';
import { Command, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import { startCluster, type ClusterSpecInput } from '@routebench/sim';
import { eppConfigClusterSpec, isMultiPoolPreset, multiPoolPresetSpec, presetSpec, PRESET_NAMES, startMultiPool, type PresetName } from '@routebench/sim';
import { LLMD_VERSIONS, RoutebenchError } from '@routebench/core';
import { UsageError } from '../exit-codes.ts';
import { nonNegativeInt } from '../options.ts';

/** Each pod's base URL (its own OpenAI API, bypassing the EPP) and /metrics. */
function writePods(pods: readonly { name: string; url: string; metricsUrl: string }[]): void {
  for (const p of pods) process.stdout.write(`pod ${p.name.padEnd(12)} ${p.url}  metrics ${p.metricsUrl}\n`);
}

/** A start failure as the user's to fix (exit 2); a taken --port is named as such. */
function portError(e: unknown, port: number | undefined): Error {
  if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') return new UsageError(`--port ${port}: 127.0.0.1:${port} is already in use; choose another port, or 0 for any`, '--port');
  if (e instanceof RoutebenchError) return e;
  return new UsageError((e as Error).message);
}

export function simCommand(): Command {
  return new Command('sim')
    .description('start an embedded llm-d simulator cluster on loopback and print its URLs (Ctrl-C stops it)')
    .addOption(new Option('-p, --preset <name>', 'cluster preset').choices([...PRESET_NAMES]))
    .option('-c, --config <file>', 'cluster spec file (YAML or JSON; see packages/sim/src/cluster.ts ClusterSpecSchema)')
    .option('--kv-transfer <mode>', 'P/D presets: ok | broken (prefill→decode KV transfer fails, decode recomputes)')
    .option('--kv-events <mode>', 'ok | dropped (the EPP never receives KV events)')
    .option('--no-identity-headers', 'pods send no x-inference-pod headers (test header-less attribution)')
    .option('--epp-config <file>', 'upstream EndpointPickerConfig (YAML): start a cluster it fits (P/D configs get prefill + decode pods)')
    .option('--llmd-version <version>', `with --epp-config: the llm-d generation whose plugins and semantics apply (${LLMD_VERSIONS.join(' | ')}; default router)`)
    .option('--epp-verbosity <n>', 'with --epp-config: EPP log verbosity --v (default 1, as the Helm chart)')
    .option('--epp-log <file>', 'append one EPP log line per request here')
    .option('--port <n>', "the gateway's port on 127.0.0.1 (0 = any free port, the default)", nonNegativeInt('--port', 65_535))
    .action(async (flags: { preset?: string; config?: string; eppConfig?: string; llmdVersion?: string; eppVerbosity?: string; kvTransfer?: string; kvEvents?: string; identityHeaders: boolean; eppLog?: string; port?: number }) => {
      const sources = [flags.preset, flags.config, flags.eppConfig].filter((v) => v !== undefined).length;
      if (sources === 0) throw new UsageError(`sim needs --preset (${PRESET_NAMES.join(', ')}), --config FILE or --epp-config FILE`);
      if (sources > 1) throw new UsageError('sim takes one of --preset, --config or --epp-config');
      if ((flags.llmdVersion !== undefined || flags.eppVerbosity !== undefined) && !flags.eppConfig) throw new UsageError('--llmd-version and --epp-verbosity go with --epp-config');
      for (const [flag, v] of [['--kv-transfer', flags.kvTransfer], ['--kv-events', flags.kvEvents]] as const) {
        const ok = flag === '--kv-transfer' ? ['ok', 'broken'] : ['ok', 'dropped'];
        if (v !== undefined && !ok.includes(v)) throw new UsageError(`${flag} accepts ${ok.join(' | ')}, got "${v}"`);
      }
      let spec: ClusterSpecInput;
      if (flags.eppConfig) {
        if (!existsSync(flags.eppConfig)) throw new UsageError(`--epp-config: ${flags.eppConfig} does not exist`);
        // Throws RoutebenchError RB_CONFIG_INVALID (exit 2) naming a refused plugin type and the version.
        spec = eppConfigClusterSpec(flags.eppConfig, { version: flags.llmdVersion, eppVerbosity: flags.eppVerbosity, eppLogPath: flags.eppLog });
      } else if (flags.config) {
        if (!existsSync(flags.config)) throw new UsageError(`--config: ${flags.config} does not exist`);
        spec = parseYaml(readFileSync(flags.config, 'utf8')) as ClusterSpecInput;
      } else {
        const options: Record<string, unknown> = { identityHeaders: flags.identityHeaders };
        if (flags.kvTransfer) options.kvTransfer = flags.kvTransfer;
        if (flags.kvEvents) options.kvEvents = flags.kvEvents;
        if (flags.eppLog) options.eppLogPath = flags.eppLog;
        if (isMultiPoolPreset(flags.preset!)) return runMultiPool(flags.preset as PresetName, options, flags.port);
        spec = presetSpec(flags.preset as PresetName, options);
      }
      if (flags.port !== undefined) spec = { ...spec, gatewayPort: flags.port };
      let cluster;
      try {
        cluster = await startCluster(spec);
      } catch (e) {
        throw portError(e, flags.port);
      }
      await cluster.waitReady(15_000);
      const out = process.stdout;
      out.write(`gateway      ${cluster.gatewayUrl}  (OpenAI API: ${cluster.gatewayUrl}/v1/chat/completions, ${cluster.gatewayUrl}/v1/models)\nepp metrics  ${cluster.eppMetricsUrl}\n`);
      // The token itself is a secret: print where it is, for --epp-token-file / curl -H @file.
      if (cluster.eppTokenFile) out.write(`epp token    ${cluster.eppTokenFile}  (bearer token for epp metrics)\n`);
      out.write(`epp log      ${cluster.eppLogPath ?? '(none: --epp-log FILE writes one)'}\n`);
      writePods(cluster.pods);
      out.write(`\nrun against it: routebench run smoke --target ${cluster.gatewayUrl}\nCtrl-C to stop\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await cluster.stop();
    });
}

/** multi-model: one InferencePool (EPP + pods) per model behind a body-based router, as upstream deploys it. */
async function runMultiPool(preset: PresetName, options: Record<string, unknown>, port: number | undefined): Promise<void> {
  let mp;
  try {
    mp = await startMultiPool({ ...multiPoolPresetSpec(preset, options), port });
  } catch (e) {
    throw portError(e, port);
  }
  await mp.waitReady(15_000);
  const out = process.stdout;
  out.write(`gateway      ${mp.gatewayUrl}  (body-based router: X-Gateway-Base-Model-Name → one pool per model)\n`);
  for (const [pool, url] of Object.entries(mp.eppMetricsUrls)) {
    out.write(`epp metrics  ${url}  (pool ${pool})\n`);
    if (mp.eppTokenFiles[pool]) out.write(`epp token    ${mp.eppTokenFiles[pool]}  (bearer token for pool ${pool}'s epp metrics)\n`);
  }
  writePods(mp.pods);
  out.write(`\nrun against it: routebench run multi-model --target ${mp.gatewayUrl}\nCtrl-C to stop\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await mp.stop();
}
