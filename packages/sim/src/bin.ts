// startFromCli: what `routebench sim --preset NAME | --config FILE` runs. Starts a cluster in the
// foreground, prints its URLs, and (unless told otherwise) stops it on SIGINT/SIGTERM.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { startCluster, type Cluster } from './cluster.ts';
import { PRESET_NAMES, presetSpec, type PresetName } from './presets.ts';

export const SIM_USAGE = `routebench sim (--preset ${PRESET_NAMES.join('|')} | --config cluster.yaml)
  [--kv-transfer ok|broken] [--kv-events ok|dropped] [--no-identity-headers]
  [--speed N] [--epp-log PATH] [--seed N]`;

export interface StartFromCliOptions {
  /** Where URLs go (default process.stdout). */
  out?: (line: string) => void;
  /** Install SIGINT/SIGTERM handlers that stop the cluster (default true). */
  handleSignals?: boolean;
}

export async function startFromCli(argv: string[], opts: StartFromCliOptions = {}): Promise<Cluster> {
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
    },
  });
  if (!values.preset === !values.config) throw new Error(`give exactly one of --preset or --config\n${SIM_USAGE}`);
  let spec;
  if (values.preset) {
    if (!(PRESET_NAMES as readonly string[]).includes(values.preset)) throw new Error(`unknown preset '${values.preset}' (known: ${PRESET_NAMES.join(', ')})`);
    spec = presetSpec(values.preset as PresetName, {
      ...(values['kv-transfer'] !== undefined && { kvTransfer: values['kv-transfer'] as 'ok' }),
      ...(values['kv-events'] !== undefined && { kvEvents: values['kv-events'] as 'ok' }),
      ...(values['no-identity-headers'] && { identityHeaders: false }),
      ...(values.speed !== undefined && { speed: Number(values.speed) }),
      ...(values['epp-log'] !== undefined && { eppLogPath: values['epp-log'] }),
      ...(values.seed !== undefined && { seed: Number(values.seed) }),
    });
  } else {
    spec = parseYaml(readFileSync(values.config!, 'utf8'));
    if (values['epp-log'] !== undefined) spec.eppLogPath = values['epp-log'];
  }
  const cluster = await startCluster(spec);
  await cluster.waitReady();
  out(`gateway      ${cluster.gatewayUrl}`);
  out(`epp metrics  ${cluster.eppMetricsUrl}`);
  if (cluster.eppLogPath) out(`epp log      ${cluster.eppLogPath}`);
  for (const p of cluster.pods) out(`pod ${p.name.padEnd(10)} ${p.role.padEnd(8)} ${p.models.join(',')}  ${p.url}  metrics ${p.metricsUrl}`);
  if (opts.handleSignals ?? true) {
    const stop = () => void cluster.stop().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
  return cluster;
}
