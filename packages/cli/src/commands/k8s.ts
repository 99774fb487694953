// `routebench k8s job`: a Kubernetes Indexed Job whose N pods each run shard $(index)/N of one scenario (so the N
// together send the single run's schedule; see core workers/shard.ts) and write their results to a volume, ready
// for `routebench merge`. The scenario is resolved here (preset or file, --set, --target), checked, and shipped in a
// ConfigMap as JSON data, so every pod runs exactly what was validated. The manifest is built as objects, never by
// string templating, emitted with the yaml package, and validated against the Kubernetes OpenAPI schemas
// (kubernetes-models' validate()) before it is printed. User text only ever lands in ConfigMap data or in fields
// that are checked against Kubernetes' own name rules first.
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { z } from 'zod';
import { stringify } from 'yaml';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { applyOverrides, withTarget, type Scenario } from '@routebench/scenarios';
import { UsageError } from '../exit-codes.ts';
import { collect, httpUrl, MAX_WORKERS, positiveInt } from '../options.ts';
import { resolveScenario } from './run.ts';

/** RFC 1123 label (namespaces, volume and claim names). */
const dnsLabel = (what: string, max = 63) =>
  z
    .string()
    .max(max, `${what} must be at most ${max} characters`)
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, `${what} must be lowercase letters, digits and '-', starting and ending with a letter or digit (RFC 1123 label)`);

export const K8sJobOptionsSchema = z.strictObject({
  /** Pods, and shards of the load: completions = parallelism = N. */
  parallelism: z.number().int().min(1).max(1000),
  image: z
    .string()
    .min(1)
    .max(512)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/, 'image must be an image reference such as ghcr.io/org/routebench:1.0 (no spaces or control characters)'),
  namespace: dnsLabel('namespace').optional(),
  // Pod names are <job>-<index>-<random>; keep room for them within 63 characters.
  name: dnsLabel('name', 40),
  scenario: z.string().min(1),
  target: z.string().optional(),
  set: z.array(z.string()),
  quick: z.boolean(),
  /** Worker threads per pod (also its CPU request). */
  workers: z.number().int().min(1).max(64),
  /** PersistentVolumeClaim for the results (ReadWriteMany, so every pod can write); emptyDir when absent. */
  pvc: dnsLabel('pvc', 253).optional(),
  /** Secret holding the API key (key `api-key`), passed to the pods as ROUTEBENCH_API_KEY. */
  apiKeySecret: dnsLabel('api-key-secret', 253).optional(),
  /** Common wall-clock start (ISO-8601, UTC) for every shard, so their slices of the schedule line up. */
  startAt: z.iso.datetime({ error: 'start-at must be an ISO-8601 UTC time such as 2026-11-25T18:00:00Z' }).optional(),
});
export type K8sJobOptions = z.infer<typeof K8sJobOptionsSchema>;

const SCENARIO_DIR = '/etc/routebench';
const RESULTS_DIR = '/results';
const INDEX_ENV = 'ROUTEBENCH_SHARD_INDEX';

/** A Job name from the scenario name: RFC 1123, at most 40 characters. */
export function defaultJobName(scenarioName: string): string {
  const slug = scenarioName
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 28)
    .replace(/-+$/, '');
  return `routebench-${slug || 'run'}`;
}

/** The scenario each shard runs: controls and claims are left to the merged result (a shard sees 1/N of the traffic). */
export function shardScenario(opts: Pick<K8sJobOptions, 'scenario' | 'set' | 'target' | 'quick'>): Scenario {
  let s = resolveScenario(opts.scenario);
  if (opts.set.length > 0) s = applyOverrides(s, opts.set);
  if (opts.target) s = withTarget(s, opts.target);
  return { ...s, controls: [], claims: [] };
}

export interface K8sManifest {
  configMap: ConfigMap;
  job: Job;
}

export function buildJobManifest(input: K8sJobOptions): K8sManifest {
  const parsed = K8sJobOptionsSchema.safeParse(input);
  if (!parsed.success) {
    throw new UsageError(`invalid k8s job options: ${parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const o = parsed.data;
  let scenario: Scenario;
  try {
    scenario = shardScenario(o);
  } catch (e) {
    throw e instanceof UsageError ? e : new UsageError((e as Error).message);
  }
  const n = o.parallelism;
  const labels = { 'app.kubernetes.io/name': 'routebench', 'app.kubernetes.io/instance': o.name, 'app.kubernetes.io/component': 'load-shard' };
  const meta = (name: string) => ({ name, ...(o.namespace ? { namespace: o.namespace } : {}), labels });
  const configMapName = `${o.name}-scenario`;

  const configMap = new ConfigMap({
    metadata: meta(configMapName),
    data: { 'scenario.json': `${JSON.stringify(scenario, null, 2)}\n` },
  });

  const args = [
    'run',
    `${SCENARIO_DIR}/scenario.json`,
    '--shard',
    `$(${INDEX_ENV})/${n}`,
    '--workers',
    String(o.workers),
    '--out',
    `${RESULTS_DIR}/${o.name}/shard-$(${INDEX_ENV})`,
    '--no-controls',
    ...(o.quick ? ['--quick'] : []),
    ...(o.startAt ? ['--start-at', o.startAt] : []),
  ];
  const job = new Job({
    metadata: meta(o.name),
    spec: {
      completionMode: 'Indexed',
      completions: n,
      parallelism: n,
      // A retried shard would start late and skew the union's arrival process: fail instead.
      backoffLimit: 0,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'routebench',
              image: o.image,
              command: ['routebench'],
              args,
              env: [
                // Declared here (not only injected by the Job controller) so that $(…) in args always expands.
                { name: INDEX_ENV, valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
                ...(o.apiKeySecret ? [{ name: 'ROUTEBENCH_API_KEY', valueFrom: { secretKeyRef: { name: o.apiKeySecret, key: 'api-key' } } }] : []),
              ],
              resources: { requests: { cpu: String(o.workers) } },
              volumeMounts: [
                { name: 'scenario', mountPath: SCENARIO_DIR, readOnly: true },
                { name: 'results', mountPath: RESULTS_DIR },
              ],
            },
          ],
          volumes: [
            { name: 'scenario', configMap: { name: configMapName } },
            o.pvc ? { name: 'results', persistentVolumeClaim: { claimName: o.pvc } } : { name: 'results', emptyDir: {} },
          ],
        },
      },
    },
  });
  validateManifest({ configMap, job });
  return { configMap, job };
}

/** Check both objects against the Kubernetes OpenAPI schemas (throws naming the failing field). */
export function validateManifest(m: K8sManifest): void {
  for (const [kind, obj] of [
    ['ConfigMap', m.configMap],
    ['Job', m.job],
  ] as const) {
    try {
      obj.validate();
    } catch (e) {
      throw new Error(`rendered ${kind} is not a valid Kubernetes object: ${(e as Error).message}`);
    }
  }
}

/** Both objects as one multi-document YAML stream (kubectl apply -f). */
export function manifestToYaml(m: K8sManifest): string {
  return [m.configMap, m.job].map((o) => stringify(o.toJSON(), { lineWidth: 0 })).join('---\n');
}

interface JobFlags {
  parallelism: number;
  image: string;
  namespace?: string;
  name?: string;
  scenario: string;
  target?: string;
  set: string[];
  quick?: boolean;
  workers: number;
  pvc?: string;
  apiKeySecret?: string;
  startAt?: string;
  out?: string;
}

export function k8sCommand(): Command {
  const k8s = new Command('k8s').description('Kubernetes manifests for running routebench in a cluster');
  k8s.addCommand(
    new Command('job')
      .description('render an Indexed Job whose N pods each run shard i/N of a scenario (merge their summaries afterwards)')
      .requiredOption('--parallelism <n>', 'pods = shards of the load (completions = parallelism)', positiveInt('--parallelism', 1000))
      .option('--image <image>', 'container image with the routebench command', 'routebench:latest')
      .option('--namespace <ns>', 'namespace of the Job and ConfigMap')
      .option('--name <name>', 'Job name (default routebench-<scenario>)')
      .option('--scenario <name|file>', 'preset name or scenario .yaml/.json file', 'smoke')
      .option('-t, --target <url>', 'gateway the pods send to (default: each pod runs the embedded simulator)', httpUrl('--target'))
      .option('--set <path=value>', 'override a scenario field (repeatable)', collect, [])
      .option('--quick', 'the reduced form of the scenario')
      .option('--workers <n>', 'worker threads per pod (and its CPU request)', positiveInt('--workers', MAX_WORKERS), 1)
      .option('--pvc <claim>', 'PersistentVolumeClaim (ReadWriteMany) for results; default an emptyDir that is lost with the pod')
      .option('--api-key-secret <name>', 'Secret whose key "api-key" the pods send as a bearer token')
      .option('--start-at <time>', 'common ISO-8601 UTC start for every shard (e.g. a minute after you apply the Job), so the shards stay aligned')
      .option('-o, --out <file>', 'write the manifest here instead of stdout')
      .action((flags: JobFlags) => {
        const scenarioName = (() => {
          try {
            return resolveScenario(flags.scenario).name;
          } catch (e) {
            throw new UsageError((e as Error).message);
          }
        })();
        const manifest = buildJobManifest({
          parallelism: flags.parallelism,
          image: flags.image,
          namespace: flags.namespace,
          name: flags.name ?? defaultJobName(scenarioName),
          scenario: flags.scenario,
          target: flags.target,
          set: flags.set,
          quick: flags.quick ?? false,
          workers: flags.workers,
          pvc: flags.pvc,
          apiKeySecret: flags.apiKeySecret,
          startAt: flags.startAt,
        });
        const text = manifestToYaml(manifest);
        if (flags.out) {
          writeFileSync(flags.out, text);
          process.stderr.write(`wrote ${flags.out}\n`);
        } else process.stdout.write(text);
        const name = manifest.job.metadata!.name!;
        process.stderr.write(
          `apply with kubectl apply -f; when the Job completes, merge: routebench merge <results>/${name}/shard-* --out <results>/${name}/merged` +
            (flags.pvc ? '\n' : `\nnote: results go to an emptyDir and are lost with each pod; pass --pvc CLAIM to keep them\n`),
        );
      }),
  );
  return k8s;
}
