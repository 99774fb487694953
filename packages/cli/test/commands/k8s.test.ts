import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Pod } from 'kubernetes-models/v1/Pod';
import { loadScenarioFile } from '@routebench/scenarios';
import { buildJobManifest, defaultImage, defaultJobName, manifestToYaml, type K8sJobOptions } from '../../src/commands/k8s.ts';
import { EXIT } from '../../src/exit-codes.ts';
import { runCliSplit as cli } from '../cli-harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'rb-k8s-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base: K8sJobOptions = {
  parallelism: 4,
  image: 'ghcr.io/example/routebench:0.1',
  namespace: 'bench',
  name: 'routebench-smoke',
  scenario: 'smoke',
  target: 'http://gateway.llm-d.svc:80',
  set: [],
  quick: false,
  workers: 2,
  pvc: 'bench-results',
  apiKeySecret: undefined,
};

/** Render, then read the YAML back the way kubectl would: every document, each validated against the Kubernetes schema. */
function renderAndParse(o: K8sJobOptions) {
  const text = manifestToYaml(buildJobManifest(o));
  const docs = parseAllDocuments(text);
  for (const d of docs) expect(d.errors).toEqual([]);
  const objs = docs.map((d) => d.toJS() as Record<string, unknown>);
  return { text, objs };
}

describe('routebench k8s job', () => {
  it('renders a ConfigMap and an Indexed Job that validate against the Kubernetes schema', () => {
    const { objs } = renderAndParse(base);
    // With --pvc: the results pod too (see the --pvc test below).
    expect(objs.map((x) => x.kind)).toEqual(['ConfigMap', 'Job', 'Pod']);
    const cm = new ConfigMap(objs[0] as never);
    const job = new Job(objs[1] as never);
    cm.validate();
    job.validate();

    const spec = job.spec!;
    expect(spec.completionMode).toBe('Indexed');
    expect(spec.completions).toBe(4);
    expect(spec.parallelism).toBe(4);
    const c = spec.template.spec!.containers[0]!;
    expect(c.image).toBe('ghcr.io/example/routebench:0.1');
    expect(c.args).toEqual([
      'run',
      '/etc/routebench/scenario.json',
      '--shard',
      '$(ROUTEBENCH_SHARD_INDEX)/4',
      '--workers',
      '2',
      '--out',
      '/results/routebench-smoke/shard-$(ROUTEBENCH_SHARD_INDEX)',
    ]);
    // The index the args use comes from the completion-index annotation, declared in the container's own env.
    expect(c.env![0]).toEqual({ name: 'ROUTEBENCH_SHARD_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } });
    expect(spec.template.spec!.volumes).toContainEqual({ name: 'results', persistentVolumeClaim: { claimName: 'bench-results' } });
    expect(spec.template.spec!.volumes).toContainEqual({ name: 'scenario', configMap: { name: 'routebench-smoke-scenario' } });

    // The pods run the scenario validated here: it loads back as a scenario file, with the target (smoke has no claims or controls).
    const file = join(dir, 'scenario.json');
    writeFileSync(file, (objs[0] as { data: Record<string, string> }).data['scenario.json']!);
    const s = loadScenarioFile(file);
    expect(s.name).toBe('smoke');
    expect(s.target).toEqual({ url: 'http://gateway.llm-d.svc:80' });
    expect(s.claims).toEqual([]);
    expect(s.controls).toEqual([]);
  });

  it('the schema check can fail: a broken Job is rejected, naming the field', () => {
    const { objs } = renderAndParse(base);
    const broken = structuredClone(objs[1]) as { spec: { completionMode: string; template: { spec: { containers: { args: unknown[] }[] } } } };
    broken.spec.completionMode = 'Sometimes';
    broken.spec.template.spec.containers[0]!.args.push(7);
    expect(() => new Job(broken as never).validate()).toThrow(/completionMode must be equal to one of the allowed values.*args\/8 must be string/s);
  });

  it('a hostile value in a free-text field stays quoted data: same two documents, value round-trips exactly, never in args', () => {
    const hostile = '$(rm -rf /)\n---\nkind: Secret\nmetadata: {name: x}\n"; echo pwned';
    const { text, objs } = renderAndParse({ ...base, pvc: undefined, set: [`description=${hostile}`, 'headers.x-note=$(JOB_COMPLETION_INDEX)'] });
    expect(objs.map((x) => x.kind)).toEqual(['ConfigMap', 'Job']);
    expect(text.match(/^---$/gm)).toHaveLength(1);
    const scenario = JSON.parse((objs[0] as { data: Record<string, string> }).data['scenario.json']!) as { description: string; headers: Record<string, string> };
    expect(scenario.description).toBe(hostile);
    // In ConfigMap data, Kubernetes expands no $(…) references: the header reaches the pods as written.
    expect(scenario.headers['x-note']).toBe('$(JOB_COMPLETION_INDEX)');
    const job = objs[1] as { spec: { template: { spec: { containers: { args: string[]; command: string[] }[] } } } };
    const argv = [...job.spec.template.spec.containers[0]!.command, ...job.spec.template.spec.containers[0]!.args].join(' ');
    expect(argv).not.toMatch(/rm -rf|pwned|JOB_COMPLETION_INDEX/);
  });

  it('rejects an unknown --set field, a namespace with a newline, and a bad name or image with the field named', async () => {
    expect(() => buildJobManifest({ ...base, set: ['x=$(rm -rf /)'] })).toThrow(/x/);
    expect(() => buildJobManifest({ ...base, namespace: 'bench\nkind: Secret' })).toThrow(/--namespace: namespace must be lowercase/);
    expect(() => buildJobManifest({ ...base, name: 'Bad_Name' })).toThrow(/--name: name must be lowercase/);
    expect(() => buildJobManifest({ ...base, image: 'img:1 --privileged' })).toThrow(/--image: image must be an image reference/);
    expect(() => buildJobManifest({ ...base, pvc: 'results\n' })).toThrow(/--pvc/);

    const r = await cli(['k8s', 'job', '--parallelism', '2', '--namespace', 'a\nb']);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toMatch(/--namespace: namespace must be lowercase/);
    expect(r.out).toBe('');
    const r2 = await cli(['k8s', 'job', '--parallelism', '2', '--set', 'x=$(rm -rf /)']);
    expect(r2.code).toBe(EXIT.usage);
    expect(r2.err).toMatch(/--set x=\$\(rm -rf \/\)/);
  });

  it('the command writes the manifest to --out, with an API-key Secret reference and an emptyDir by default', async () => {
    const out = join(dir, 'job.yaml');
    const r = await cli(['k8s', 'job', '--parallelism', '3', '--scenario', 'smoke', '--api-key-secret', 'gw-key', '--out', out]);
    expect(r.code).toBe(EXIT.ok);
    expect(r.err).toMatch(/routebench merge .*routebench-smoke\/shard-\*/);
    expect(r.err).toMatch(/emptyDir/);
    const objs = parseAllDocuments(readFileSync(out, 'utf8')).map((d) => d.toJS() as Record<string, unknown>);
    const job = new Job(objs[1] as never);
    job.validate();
    expect(job.spec!.completions).toBe(3);
    expect(job.spec!.template.spec!.containers[0]!.env).toContainEqual({ name: 'ROUTEBENCH_API_KEY', valueFrom: { secretKeyRef: { name: 'gw-key', key: 'api-key' } } });
    expect(job.spec!.template.spec!.volumes).toContainEqual({ name: 'results', emptyDir: {} });
  });

  it('passes a common --start-at to every shard, and rejects a time that is not ISO-8601 UTC', async () => {
    const { objs } = renderAndParse({ ...base, startAt: '2026-11-25T19:00:00Z' });
    const job = new Job(objs[1] as never);
    job.validate();
    const args = job.spec!.template.spec!.containers[0]!.args!;
    expect(args.slice(args.indexOf('--start-at'), args.indexOf('--start-at') + 2)).toEqual(['--start-at', '2026-11-25T19:00:00Z']);
    const r = await cli(['k8s', 'job', '--parallelism', '2', '--start-at', 'tomorrow']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/start-at must be an ISO-8601 UTC time/);
  });

  it('derives an RFC 1123 Job name from any scenario name', () => {
    expect(defaultJobName('Prefix_Cache')).toBe('routebench-prefix-cache');
    expect(defaultJobName('___')).toBe('routebench-run');
    expect(defaultJobName('a'.repeat(80))).toMatch(/^routebench-a{28}$/);
  });

  it("keeps the scenario's claims and controls for the merge; each pod runs its shard of every control unless --no-controls", async () => {
    const { objs } = renderAndParse({ ...base, target: undefined, scenario: 'prefix-cache', name: 'routebench-prefix-cache' });
    const file = join(dir, 'prefix-cache.json');
    writeFileSync(file, (objs[0] as { data: Record<string, string> }).data['scenario.json']!);
    const s = loadScenarioFile(file);
    expect(s.claims.map((c) => c.id)).toEqual(['prefix-affinity', 'prefix-cache-hit-rate']);
    expect(s.controls.map((c) => c.name)).toEqual(['random-picker', 'zero-reuse']);
    const args = new Job(objs[1] as never).spec!.template.spec!.containers[0]!.args!;
    expect(args).not.toContain('--no-controls');

    const off = renderAndParse({ ...base, scenario: 'prefix-cache', controls: false }).objs;
    expect(new Job(off[1] as never).spec!.template.spec!.containers[0]!.args).toContain('--no-controls');
    // The ConfigMap still names the controls, so merge can say which ones no shard ran.
    expect(JSON.parse((off[0] as { data: Record<string, string> }).data['scenario.json']!).controls.length).toBeGreaterThan(0);
    const r = await cli(['k8s', 'job', '--parallelism', '2', '--scenario', 'prefix-cache', '--no-controls']);
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toContain('--no-controls');
    expect(r.err).toMatch(/no --target: each pod runs its own simulator, and merge judges the claims on the 2 clusters taken as one/);
    const withTarget = await cli(['k8s', 'job', '--parallelism', '2', '--scenario', 'prefix-cache', '--target', 'http://gw:80']);
    expect(withTarget.err).not.toMatch(/no --target/);

    // A scenario that compares targets is not one run to shard: refused, naming --scenario.
    const cmp = await cli(['k8s', 'job', '--parallelism', '2', '--scenario', 'agg-vs-pd']);
    expect(cmp.code).toBe(EXIT.usage);
    expect(cmp.err).toMatch(/--scenario: agg-vs-pd compares targets/);
  });

  it('--control NAME renders that control as its own Job, writing beside the main shards; an unknown or unsafe name is refused', async () => {
    const { objs } = renderAndParse({ ...base, scenario: 'prefix-cache', target: undefined, name: 'routebench-prefix-cache', quick: true, control: 'random-picker' });
    // The claim and its results pod belong to the main manifest.
    expect(objs.map((x) => x.kind)).toEqual(['ConfigMap', 'Job']);
    const job = new Job(objs[1] as never);
    job.validate();
    expect(job.metadata!.name).toBe('routebench-prefix-cache-random-picker');
    expect(job.metadata!.labels!['app.kubernetes.io/instance']).toBe('routebench-prefix-cache');
    const args = job.spec!.template.spec!.containers[0]!.args!;
    expect(args).toContain('/results/routebench-prefix-cache/controls/random-picker/shard-$(ROUTEBENCH_SHARD_INDEX)');
    // --quick went into the rendered control scenario (quick first, then the control's patch, as run --quick does).
    expect(args).not.toContain('--quick');
    const file = join(dir, 'control.json');
    writeFileSync(file, (objs[0] as { data: Record<string, string> }).data['scenario.json']!);
    const s = loadScenarioFile(file);
    expect(s.name).toBe('prefix-cache--random-picker');
    expect(s.target).toEqual({ sim: { preset: 'random-picker' } });
    expect(s.controls).toEqual([]);
    expect(s.load.requests).toBe(96);

    const r = await cli(['k8s', 'job', '--parallelism', '2', '--scenario', 'prefix-cache', '--control', 'no-such']);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toMatch(/has no control "no-such"; controls: random-picker, zero-reuse/);
    expect(() => buildJobManifest({ ...base, scenario: 'prefix-cache', control: '$(rm -rf /)' })).toThrow(/--control: control must be lowercase/);
    const ok = await cli(['k8s', 'job', '--parallelism', '2', '--scenario', 'prefix-cache', '--control', 'zero-reuse']);
    expect(ok.code).toBe(EXIT.ok);
    expect(ok.err).toMatch(/apply this once job\/routebench-prefix-cache has completed/);
  });

  it("defaults --image to the Dockerfile's image at this CLI's version; --image overrides it", async () => {
    const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    expect(defaultImage()).toBe(`ghcr.io/routebench/routebench:${version}`);
    // The README's build command tags the same name.
    expect(readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8')).toContain(`docker build -t ghcr.io/routebench/routebench:${version} .`);
    const image = (out: string) => new Job(parseAllDocuments(out).map((d) => d.toJS())[1] as never).spec!.template.spec!.containers[0]!.image;
    const r = await cli(['k8s', 'job', '--parallelism', '2']);
    expect(r.code).toBe(EXIT.ok);
    expect(image(r.out)).toBe(defaultImage());
    const r2 = await cli(['k8s', 'job', '--parallelism', '2', '--image', 'registry.example/rb:dev']);
    expect(image(r2.out)).toBe('registry.example/rb:dev');
  });

  it('--pvc: a results pod mounts the claim to merge and kubectl cp from; --pvc-size renders the ReadWriteMany claim', async () => {
    const { objs } = renderAndParse({ ...base, pvcSize: '2Gi', storageClass: 'nfs-rwx' });
    expect(objs.map((x) => x.kind)).toEqual(['ConfigMap', 'PersistentVolumeClaim', 'Job', 'Pod']);
    const pvc = new PersistentVolumeClaim(objs[1] as never);
    pvc.validate();
    expect(pvc.metadata!.name).toBe('bench-results');
    expect(pvc.metadata!.namespace).toBe('bench');
    expect(pvc.spec!.accessModes).toEqual(['ReadWriteMany']);
    expect(pvc.spec!.resources!.requests).toEqual({ storage: '2Gi' });
    expect(pvc.spec!.storageClassName).toBe('nfs-rwx');
    const pod = new Pod(objs[3] as never);
    pod.validate();
    expect(pod.metadata!.name).toBe('routebench-smoke-results');
    expect(pod.spec!.containers[0]!.image).toBe(base.image);
    expect(pod.spec!.containers[0]!.volumeMounts).toEqual([{ name: 'results', mountPath: '/results' }]);
    expect(pod.spec!.volumes).toEqual([{ name: 'results', persistentVolumeClaim: { claimName: 'bench-results' } }]);

    const r = await cli(['k8s', 'job', '--parallelism', '2', '--namespace', 'bench', '--pvc', 'bench-results']);
    expect(r.code).toBe(EXIT.ok);
    expect(r.err).toContain("kubectl -n bench exec routebench-smoke-results -- sh -c 'routebench merge /results/routebench-smoke/shard-* --out /results/routebench-smoke/merged'");
    expect(r.err).toContain('kubectl -n bench cp routebench-smoke-results:/results/routebench-smoke ./routebench-smoke');

    expect(() => buildJobManifest({ ...base, pvc: undefined, pvcSize: '1Gi' })).toThrow(/--pvc-size renders the results claim: name it with --pvc/);
    expect(() => buildJobManifest({ ...base, pvcSize: 'lots' })).toThrow(/--pvcSize: pvc-size must be a Kubernetes quantity/);
    const bad = await cli(['k8s', 'job', '--parallelism', '2', '--pvc-size', '1Gi']);
    expect(bad.code).toBe(EXIT.usage);
  });
});
