import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { loadScenarioFile } from '@routebench/scenarios';
import { buildJobManifest, defaultJobName, manifestToYaml, type K8sJobOptions } from '../../src/commands/k8s.ts';
import { main } from '../../src/main.ts';
import { EXIT } from '../../src/exit-codes.ts';

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

async function cli(args: string[]): Promise<{ code: number; err: string; out: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((c: string | Uint8Array) => (out.push(String(c)), true)) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => (err.push(String(c)), true)) as typeof process.stderr.write;
  try {
    return { code: await main(args), out: out.join(''), err: err.join('') };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}

describe('routebench k8s job', () => {
  it('renders a ConfigMap and an Indexed Job that validate against the Kubernetes schema', () => {
    const { objs } = renderAndParse(base);
    expect(objs.map((x) => x.kind)).toEqual(['ConfigMap', 'Job']);
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
      '--no-controls',
    ]);
    // The index the args use comes from the completion-index annotation, declared in the container's own env.
    expect(c.env![0]).toEqual({ name: 'ROUTEBENCH_SHARD_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } });
    expect(spec.template.spec!.volumes).toContainEqual({ name: 'results', persistentVolumeClaim: { claimName: 'bench-results' } });
    expect(spec.template.spec!.volumes).toContainEqual({ name: 'scenario', configMap: { name: 'routebench-smoke-scenario' } });

    // The pods run the scenario validated here: it loads back as a scenario file, with the target, and no claims or controls.
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
    expect(() => new Job(broken as never).validate()).toThrow(/completionMode must be equal to one of the allowed values.*args\/9 must be string/s);
  });

  it('a hostile value in a free-text field stays quoted data: same two documents, value round-trips exactly, never in args', () => {
    const hostile = '$(rm -rf /)\n---\nkind: Secret\nmetadata: {name: x}\n"; echo pwned';
    const { text, objs } = renderAndParse({ ...base, set: [`description=${hostile}`, 'headers.x-note=$(JOB_COMPLETION_INDEX)'] });
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
});
