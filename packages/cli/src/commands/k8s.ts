// `routebench k8s job`: a Kubernetes Indexed Job whose N pods each run shard $(index)/N of one scenario (so the N
// together send the single run's schedule; see core workers/shard.ts) and write their results to a volume, ready
// for `routebench merge`. The scenario is resolved here (preset or file, --set, --target), checked, and shipped in a
// ConfigMap as JSON data, so every pod runs exactly what was validated — with its claims and controls: each pod
// runs its shard of the main run and then of every control (controls/<name>/ in its shard folder), leaves the
// claims to `routebench merge`, which judges them on the merged shards (scenarios runner/merge-shards.ts). With
// --no-controls plus one `--control NAME` Job per control, applied after the main Job, the controls run as their own
// Jobs instead, so on a shared gateway no pod's control traffic overlaps another pod's main run.
// With --pvc the results stay on that claim (optionally rendered too, --pvc-size), and a small `<name>-results` pod
// mounts it so the shard folders can be merged in the cluster and copied out (`kubectl cp`; README "Scaling out"). The manifest is built as objects, never by
// string templating, emitted with the yaml package, and validated against the Kubernetes OpenAPI schemas
// (kubernetes-models' validate()) before it is printed. User text only ever lands in ConfigMap data or in fields
// that are checked against Kubernetes' own name rules first.
import { Command } from 'commander';
import { z } from 'zod';
import { stringify } from 'yaml';
import { readFileSync, writeFileSync } from 'node:fs';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { applyOverrides, applyQuick, controlScenario, withTarget, type Scenario } from '@routebench/scenarios';
import { UsageError } from '../exit-codes.ts';
import { collect, httpUrl, MAX_WORKERS, positiveInt } from '../options.ts';
import { resolveScenario } from './run.ts';

/** RFC 1123 label (namespaces, volume and claim names). */
const dnsLabel = (what: string, max = 63) =>
  z
    .string()
    .max(max, `${what} must be at most ${max} characters`)
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, `${what} must be lowercase letters, digits and '-', starting and ending with a letter or digit (RFC 1123 label)`);

/** The cli package's version (package.json is one level up from both src/commands/… and dist/commands/…'s parent). */
function cliVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/**
 * The image the repo's Dockerfile builds (README "Scaling out": `docker build -t <this> .` then push), and the Job's
 * default: the routebench release this CLI is, so the pods run the same code that rendered and checked the manifest.
 */
export const IMAGE_REPOSITORY = 'ghcr.io/routebench/routebench';
export const defaultImage = (): string => `${IMAGE_REPOSITORY}:${cliVersion()}`;
/** The group of the image's user (node:20 images' `node` user, uid/gid 1000; the Dockerfile's USER node). */
const IMAGE_GID = 1000;

/** Kubernetes resource quantity (e.g. 1Gi, 500Mi), as apimachinery's resource.Quantity accepts in its common forms. */
const QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;

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
  /** Also render the claim itself (ReadWriteMany, this size); without it the claim must exist. */
  pvcSize: z.string().regex(QUANTITY, 'pvc-size must be a Kubernetes quantity such as 1Gi or 500Mi').optional(),
  /** storageClassName of the rendered claim (one that offers ReadWriteMany). */
  storageClass: dnsLabel('storage-class', 253).optional(),
  /** Run the scenario's controls after the main run in every pod (false: `run --no-controls`). */
  controls: z.boolean().default(true),
  /**
   * Render the Job of this control alone (a separate Job, applied after the main one has completed, so that on a
   * shared gateway no pod's control traffic overlaps another pod's main run). It writes to
   * <results>/<name>/controls/<control>/shard-i, where `routebench merge` of the main shards finds it.
   */
  control: dnsLabel('control').optional(),
  /** Secret holding the API key (key `api-key`), passed to the pods as ROUTEBENCH_API_KEY. */
  apiKeySecret: dnsLabel('api-key-secret', 253).optional(),
  /** Common wall-clock start (ISO-8601, UTC) for every shard, so their slices of the schedule line up. */
  startAt: z.iso.datetime({ error: 'start-at must be an ISO-8601 UTC time such as 2026-11-25T18:00:00Z' }).optional(),
});
/** What buildJobManifest() takes (controls defaults to true). */
export type K8sJobOptions = z.input<typeof K8sJobOptionsSchema>;

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

/**
 * The scenario every shard runs, claims and controls included: each pod writes it to its shard folder
 * (scenario.json), where `routebench merge` reads the claims to judge and the controls to look for. A shard
 * itself judges nothing (it saw 1/N of the load; runScenario defers its claims).
 */
export function shardScenario(opts: Pick<K8sJobOptions, 'scenario' | 'set' | 'target' | 'quick'>): Scenario {
  let s = resolveScenario(opts.scenario);
  if (opts.set.length > 0) s = applyOverrides(s, opts.set);
  if (opts.target) s = withTarget(s, opts.target);
  if (s.compareTargets)
    throw new UsageError(
      `--scenario: ${s.name} compares targets (compareTargets); a Job shards one target's run: render one Job per target (--set to pick it) instead`,
      '--scenario',
    );
  return s;
}

export interface K8sManifest {
  configMap: ConfigMap;
  /** With --pvc-size: the results claim. */
  pvc?: PersistentVolumeClaim;
  job: Job;
  /** With --pvc: a pod that mounts the claim, to merge in the cluster and `kubectl cp` the results out. */
  resultsPod?: Pod;
}

/** How long the results pod waits for you (then it exits; the claim keeps the files). */
export const RESULTS_POD_SECONDS = 24 * 3600;

export function buildJobManifest(input: K8sJobOptions): K8sManifest {
  const parsed = K8sJobOptionsSchema.safeParse(input);
  if (!parsed.success) {
    throw new UsageError(`invalid k8s job options: ${parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const o = parsed.data;
  if ((o.pvcSize || o.storageClass) && !o.pvc) throw new UsageError(`--${o.pvcSize ? 'pvc-size' : 'storage-class'} renders the results claim: name it with --pvc CLAIM`, o.pvcSize ? '--pvc-size' : '--storage-class');
  let scenario: Scenario;
  try {
    scenario = shardScenario(o);
    // A control's Job runs the control's scenario as its own run. --quick is applied here, before the control's
    // patches, as `run --quick` does (quick first, then the control), so its shards' scenario.json is the very
    // scenario a whole run's control would have run (merge checks that).
    if (o.control) scenario = controlScenario(o.quick ? applyQuick(scenario) : scenario, o.control);
  } catch (e) {
    throw e instanceof UsageError ? e : new UsageError((e as Error).message, o.control ? '--control' : '--scenario');
  }
  const n = o.parallelism;
  // Pod names are <job>-<index>-<5 random>: at most 63 characters with up to 3 index digits.
  const jobName = o.control ? `${o.name}-${o.control}`.slice(0, 52).replace(/-+$/, '') : o.name;
  const labels = {
    'app.kubernetes.io/name': 'routebench',
    'app.kubernetes.io/instance': o.name,
    'app.kubernetes.io/component': o.control ? 'control-shard' : 'load-shard',
  };
  const meta = (name: string) => ({ name, ...(o.namespace ? { namespace: o.namespace } : {}), labels });
  const configMapName = `${jobName}-scenario`;
  const outDir = o.control ? `${RESULTS_DIR}/${o.name}/controls/${o.control}` : `${RESULTS_DIR}/${o.name}`;

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
    `${outDir}/shard-$(${INDEX_ENV})`,
    ...(o.controls || o.control ? [] : ['--no-controls']),
    ...(o.quick && !o.control ? ['--quick'] : []),
    ...(o.startAt ? ['--start-at', o.startAt] : []),
  ];
  const job = new Job({
    metadata: meta(jobName),
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
          // The Dockerfile's image runs as its `node` user (uid/gid 1000): the volumes are made group-writable for it.
          securityContext: { fsGroup: IMAGE_GID },
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
  // A control's Job writes to the claim the main manifest rendered; it adds no claim and no second results pod.
  const pvc =
    o.pvc && o.pvcSize && !o.control
      ? new PersistentVolumeClaim({
          metadata: meta(o.pvc),
          spec: {
            // Every pod of the Job writes its shard folder at once, from whichever node it landed on.
            accessModes: ['ReadWriteMany'],
            resources: { requests: { storage: o.pvcSize } },
            ...(o.storageClass ? { storageClassName: o.storageClass } : {}),
          },
        })
      : undefined;
  // A completed pod's container is gone, so `kubectl cp` (which execs tar in a running container) cannot read the
  // Job's pods: this one mounts the same claim and waits, with routebench in it to merge where the files are.
  const resultsPod =
    o.pvc && !o.control
    ? new Pod({
        metadata: { ...meta(`${o.name}-results`), labels: { ...labels, 'app.kubernetes.io/component': 'results' } },
        spec: {
          restartPolicy: 'Never',
          activeDeadlineSeconds: RESULTS_POD_SECONDS,
          securityContext: { fsGroup: IMAGE_GID },
          containers: [
            {
              name: 'results',
              image: o.image,
              command: ['sleep', String(RESULTS_POD_SECONDS)],
              resources: { requests: { cpu: '100m' } },
              volumeMounts: [{ name: 'results', mountPath: RESULTS_DIR }],
            },
          ],
          volumes: [{ name: 'results', persistentVolumeClaim: { claimName: o.pvc } }],
        },
      })
    : undefined;
  const manifest: K8sManifest = { configMap, ...(pvc && { pvc }), job, ...(resultsPod && { resultsPod }) };
  validateManifest(manifest);
  return manifest;
}

/** The objects in apply order: the claim before the pods that mount it. */
function objectsOf(m: K8sManifest): Array<[string, { validate(): void; toJSON(): unknown }]> {
  return [
    ['ConfigMap', m.configMap],
    ...(m.pvc ? [['PersistentVolumeClaim', m.pvc] as [string, PersistentVolumeClaim]] : []),
    ['Job', m.job],
    ...(m.resultsPod ? [['Pod', m.resultsPod] as [string, Pod]] : []),
  ];
}

/** Check both objects against the Kubernetes OpenAPI schemas (throws naming the failing field). */
export function validateManifest(m: K8sManifest): void {
  for (const [kind, obj] of objectsOf(m)) {
    try {
      obj.validate();
    } catch (e) {
      throw new Error(`rendered ${kind} is not a valid Kubernetes object: ${(e as Error).message}`);
    }
  }
}

/** Every object as one multi-document YAML stream (kubectl apply -f). */
export function manifestToYaml(m: K8sManifest): string {
  return objectsOf(m)
    .map(([, o]) => stringify(o.toJSON(), { lineWidth: 0 }))
    .join('---\n');
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
  pvcSize?: string;
  storageClass?: string;
  controls: boolean;
  control?: string;
  apiKeySecret?: string;
  startAt?: string;
  out?: string;
}

/** What to run once the Job is applied: wait, merge in the cluster (with --pvc), copy the folder out. */
export function afterApplyRecipe(m: K8sManifest, control?: string): string {
  const name = m.job.metadata!.labels!['app.kubernetes.io/instance']!;
  const nsFlag = m.job.metadata!.namespace ? ` -n ${m.job.metadata!.namespace}` : '';
  if (control)
    return (
      `control ${control}: apply this once job/${name} has completed (kubectl${nsFlag} wait --for=condition=complete job/${name}), so its traffic does not overlap the main run;\n` +
      `it writes ${RESULTS_DIR}/${name}/controls/${control}/shard-*, where routebench merge of the main shards finds it\n`
    );
  const dir = `${RESULTS_DIR}/${name}`;
  if (!m.resultsPod)
    return (
      `apply with kubectl apply -f; when the Job completes, merge: routebench merge <results>/${name}/shard-* --out <results>/${name}/merged\n` +
      `note: results go to an emptyDir and are lost with each pod; pass --pvc CLAIM (and --pvc-size SIZE to create it) to keep them\n`
    );
  const pod = m.resultsPod.metadata!.name!;
  return [
    `apply with kubectl${nsFlag} apply -f, then when the Job completes:`,
    `  kubectl${nsFlag} wait --for=condition=complete job/${name} --timeout=24h`,
    `  kubectl${nsFlag} exec ${pod} -- sh -c 'routebench merge ${dir}/shard-* --out ${dir}/merged'   # verdict table; exit code as routebench run`,
    `  kubectl${nsFlag} cp ${pod}:${dir} ./${name}   # shard folders and merged/ (or merge locally: routebench merge ./${name}/shard-* --out ./${name}/merged)`,
    `  kubectl${nsFlag} delete pod ${pod}   # the claim keeps the files`,
    '',
  ].join('\n');
}

export function k8sCommand(): Command {
  const k8s = new Command('k8s').description('Kubernetes manifests for running routebench in a cluster');
  k8s.addCommand(
    new Command('job')
      .description('render an Indexed Job whose N pods each run shard i/N of a scenario and its controls (`routebench merge` the shards to judge its claims)')
      .requiredOption('--parallelism <n>', 'pods = shards of the load (completions = parallelism)', positiveInt('--parallelism', 1000))
      .option('--image <image>', 'container image with the routebench command (build it from the repo\'s Dockerfile)', defaultImage())
      .option('--namespace <ns>', 'namespace of the Job and ConfigMap')
      .option('--name <name>', 'Job name (default routebench-<scenario>)')
      .option('--scenario <name|file>', 'preset name or scenario .yaml/.json file', 'smoke')
      .option('-t, --target <url>', 'gateway the pods send to (default: each pod runs the embedded simulator)', httpUrl('--target'))
      .option('--set <path=value>', 'override a scenario field (repeatable)', collect, [])
      .option('--quick', 'the reduced form of the scenario')
      .option('--workers <n>', 'worker threads per pod (and its CPU request)', positiveInt('--workers', MAX_WORKERS), 1)
      .option('--pvc <claim>', 'PersistentVolumeClaim (ReadWriteMany) for results, plus a <name>-results pod to merge and kubectl cp them; default an emptyDir that is lost with the pod')
      .option('--pvc-size <size>', 'also render the --pvc claim (ReadWriteMany) with this size, e.g. 1Gi')
      .option('--storage-class <name>', 'storageClassName of the rendered claim (one that offers ReadWriteMany)')
      .option('--no-controls', "skip the scenario's control runs in the pods (claims that need them become Inconclusive at merge, or run them with --control)")
      .option('--control <name>', "render the Job of this control alone, to apply after the main Job (with --no-controls) has completed: on a shared gateway no control traffic overlaps the main run")
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
          pvcSize: flags.pvcSize,
          storageClass: flags.storageClass,
          controls: flags.controls,
          control: flags.control,
          apiKeySecret: flags.apiKeySecret,
          startAt: flags.startAt,
        });
        const text = manifestToYaml(manifest);
        if (flags.out) {
          writeFileSync(flags.out, text);
          process.stderr.write(`wrote ${flags.out}\n`);
        } else process.stdout.write(text);
        process.stderr.write(afterApplyRecipe(manifest, flags.control));
        const rendered = JSON.parse(manifest.configMap.data!['scenario.json']!) as Scenario;
        if ('sim' in rendered.target && rendered.claims.length > 0)
          process.stderr.write(
            `note: no --target: each pod runs its own simulator, and merge judges the claims on the ${flags.parallelism} clusters taken as one (README "Sharded runs get verdicts"); give --target to shard one gateway\n`,
          );
      }),
  );
  return k8s;
}
