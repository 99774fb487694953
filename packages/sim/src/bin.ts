// startFromCli: what `routebench sim --preset NAME | --config FILE | --epp-config FILE` runs. Starts a cluster in the
// foreground, prints its URLs, and (unless told otherwise) stops it on SIGINT/SIGTERM.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_LLMD_VERSION, LLMD_VERSIONS, RoutebenchError, type LlmdVersion } from '@routebench/core';
import { parse as parseYaml } from 'yaml';
import { startCluster, type Cluster } from './cluster.ts';
import { EppConfigError } from './epp/config.ts';
import { clusterSpecFromEppConfig } from './epp-config-cluster.ts';
import { isMultiPoolPreset, multiPoolPresetSpec, PRESET_NAMES, presetSpec, type PresetName } from './presets.ts';
import { startMultiPool, type MultiPool } from './multi-pool.ts';

export const SIM_USAGE = `routebench sim (--preset ${PRESET_NAMES.join('|')} | --config cluster.yaml | --epp-config EndpointPickerConfig.yaml)
  [--llmd-version ${LLMD_VERSIONS.join('|')}] [--epp-verbosity N]
  [--kv-transfer ok|broken] [--kv-events ok|dropped|pod-id-mismatch] [--no-identity-headers]
  [--speed N] [--epp-log PATH] [--seed N]`;

/**
 * The cluster spec for `--epp-config FILE`: an upstream EndpointPickerConfig loaded under `version`
 * (default DEFAULT_LLMD_VERSION). A config the version refuses, or that names a plugin the simulator does
 * not simulate, is a RoutebenchError RB_CONFIG_INVALID (exit 2) naming the plugin type and version.
 */
export function eppConfigClusterSpec(file: string, o: { version?: string; eppVerbosity?: string; seed?: string; eppLogPath?: string } = {}) {
  const version = (o.version ?? DEFAULT_LLMD_VERSION) as LlmdVersion;
  if (!(LLMD_VERSIONS as readonly string[]).includes(version))
    throw new RoutebenchError('RB_CONFIG_INVALID', `--llmd-version: unknown version '${version}' (known: ${LLMD_VERSIONS.join(', ')})`, { field: '--llmd-version' });
  let verbosity: number | undefined;
  if (o.eppVerbosity !== undefined) {
    verbosity = Number(o.eppVerbosity);
    if (!Number.isInteger(verbosity) || verbosity < 0 || verbosity > 10)
      throw new RoutebenchError('RB_CONFIG_INVALID', `--epp-verbosity: expected an integer 0-10, got '${o.eppVerbosity}'`, { field: '--epp-verbosity' });
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new RoutebenchError('RB_INPUT_INVALID', `--epp-config: cannot read ${file}: ${(e as Error).message}`, { field: '--epp-config' });
  }
  try {
    return clusterSpecFromEppConfig(text, {
      version,
      ...(verbosity !== undefined && { eppVerbosity: verbosity }),
      ...(o.seed !== undefined && { seed: Number(o.seed) }),
      ...(o.eppLogPath !== undefined && { eppLogPath: o.eppLogPath }),
    });
  } catch (e) {
    if (e instanceof EppConfigError) throw new RoutebenchError('RB_CONFIG_INVALID', `--epp-config ${file} (llmdVersion ${version}): ${e.message}`, { field: '--epp-config' });
    throw e;
  }
}

export interface StartFromCliOptions {
  /** Where URLs go (default process.stdout). */
  out?: (line: string) => void;
  /** Install SIGINT/SIGTERM handlers that stop the cluster (default true). */
  handleSignals?: boolean;
}

export async function startFromCli(argv: string[], opts: StartFromCliOptions = {}): Promise<Cluster | MultiPool> {
  const out = opts.out ?? ((l: string) => process.stdout.write(l + '\n'));
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      preset: { type: 'string' },
      config: { type: 'string' },
      'kv-transfer': { type: 'string' },
      'kv-events': { type: 'string' },
      'no-identity-headers': { type: 'boolean' },
      speed: { type: 'string' },
      'epp-log': { type: 'string' },
      seed: { type: 'string' },
      'epp-config': { type: 'string' },
      'llmd-version': { type: 'string' },
      'epp-verbosity': { type: 'string' },
    },
  });
  if ([values.preset, values.config, values['epp-config']].filter((v) => v !== undefined).length !== 1)
    throw new Error(`give exactly one of --preset, --config or --epp-config\n${SIM_USAGE}`);
  let spec;
  if (values['epp-config'] !== undefined) {
    spec = eppConfigClusterSpec(values['epp-config'], { version: values['llmd-version'], eppVerbosity: values['epp-verbosity'], seed: values.seed, eppLogPath: values['epp-log'] });
  } else if (values.preset) {
    if (!(PRESET_NAMES as readonly string[]).includes(values.preset)) throw new Error(`unknown preset '${values.preset}' (known: ${PRESET_NAMES.join(', ')})`);
    const presetOptions = {
      ...(values['kv-transfer'] !== undefined && { kvTransfer: values['kv-transfer'] as 'ok' }),
      ...(values['kv-events'] !== undefined && { kvEvents: values['kv-events'] as 'ok' }),
      ...(values['no-identity-headers'] && { identityHeaders: false }),
      ...(values.speed !== undefined && { speed: Number(values.speed) }),
      ...(values['epp-log'] !== undefined && { eppLogPath: values['epp-log'] }),
      ...(values.seed !== undefined && { seed: Number(values.seed) }),
    };
    if (isMultiPoolPreset(values.preset)) {
      // One InferencePool per model behind body-based routing (upstream's multi-model layout).
      const mp = await startMultiPool(multiPoolPresetSpec(values.preset as PresetName, presetOptions));
      await mp.waitReady();
      out(`gateway      ${mp.gatewayUrl}  (body-based router)`);
      for (const [pool, url] of Object.entries(mp.eppMetricsUrls)) out(`epp metrics  ${url}  (pool ${pool}${mp.eppTokenFiles[pool] ? `, token ${mp.eppTokenFiles[pool]}` : ''})`);
      for (const p of mp.pods) out(`pod ${p.name.padEnd(10)} ${p.role.padEnd(8)} ${p.models.join(',')}  ${p.url}  metrics ${p.metricsUrl}`);
      if (opts.handleSignals ?? true) {
        const stop = () => void mp.stop().then(() => process.exit(0));
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      }
      return mp;
    }
    spec = presetSpec(values.preset as PresetName, presetOptions);
  } else {
    spec = parseYaml(readFileSync(values.config!, 'utf8'));
    if (values['epp-log'] !== undefined) spec.eppLogPath = values['epp-log'];
  }
  const cluster = await startCluster(spec);
  await cluster.waitReady();
  out(`gateway      ${cluster.gatewayUrl}`);
  out(`epp metrics  ${cluster.eppMetricsUrl}`);
  if (cluster.eppTokenFile) out(`epp token    ${cluster.eppTokenFile}  (bearer token for epp metrics)`);
  if (cluster.eppLogPath) out(`epp log      ${cluster.eppLogPath}`);
  for (const p of cluster.pods) out(`pod ${p.name.padEnd(10)} ${p.role.padEnd(8)} ${p.models.join(',')}  ${p.url}  metrics ${p.metricsUrl}`);
  if (opts.handleSignals ?? true) {
    const stop = () => void cluster.stop().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
  return cluster;
}
