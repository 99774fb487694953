// A scaled-out run gets verdicts. The Job that `routebench k8s job` renders is run here the way its pods run it:
// the ConfigMap's scenario.json written to a file, each pod's container args with its completion index filled in,
// two `routebench` processes (one per pod) each starting its own embedded simulator, as pods without --target do.
// Then `routebench merge` of the two shard folders must print the verdict table of the scenario's claims judged on
// the merged evidence — the statuses are not written down here: they are what evaluateClaims() says on the shards'
// evidence merged through the library (core mergeRunEvidence), main run and each control — with the control rows,
// and exit as `routebench run` would on those verdicts.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateClaims, mergeRunEvidence, renderVerdictTable, runEvidenceFromFolder, startCollector, type MetricsEvidence, type RunEvidence, type Verdict } from '@routebench/core';
import { parseScenario, type Scenario } from '@routebench/scenarios';
import { presetSpec, startCluster, type Cluster } from '@routebench/sim';
import { buildJobManifest, type K8sManifest } from '../../src/commands/k8s.ts';
import { EXIT } from '../../src/exit-codes.ts';
import { verdictExit } from '../../src/outcome.ts';
import { spawnRoutebench as routebench, runCliSplit as cli } from '../cli-harness.ts';

/** What a live run judges (run-scenario.ts), written out here from the claim engine itself. */
function expectedVerdicts(s: Scenario, main: RunEvidence, controls: Record<string, RunEvidence>): { all: Verdict[]; main: Verdict[] } {
  const ctx = (run: RunEvidence, others: Record<string, RunEvidence>) => ({ feature: s.feature, mode: s.mode, main: run, controls: others });
  const mainV = evaluateClaims(s.claims, ctx(main, controls));
  const all = [...mainV];
  for (const [name, ev] of Object.entries(controls)) {
    const others = Object.fromEntries(Object.entries(controls).filter(([n]) => n !== name));
    for (const v of evaluateClaims(s.claims, ctx(ev, others))) all.push({ ...v, feature: `${v.feature} [control: ${name}]` });
  }
  return { all, main: mainV };
}

/** A rendered Job's pod i as a process: its container's args with the completion index and the volumes' paths filled in. */
function podRun(m: K8sManifest, i: number, dir: string): Promise<{ code: number | null; output: string }> {
  const scenarioFile = join(dir, `${m.configMap.metadata!.name}.json`);
  writeFileSync(scenarioFile, m.configMap.data!['scenario.json']!);
  const container = m.job.spec!.template.spec!.containers[0]!;
  expect(container.command).toEqual(['routebench']);
  return routebench(container.args!.map((a) => a.replaceAll('$(ROUTEBENCH_SHARD_INDEX)', String(i)).replace('/etc/routebench/scenario.json', scenarioFile).replace(/^\/results\//, `${dir}/`)));
}

const counterOf = (m: MetricsEvidence, pod: string, metric: string) =>
  m.sources.flatMap((s) => s.targets.filter((t) => t.name === pod)).flatMap((t) => t.counters.filter((c) => c.metric === metric)).reduce((a, c) => a + c.delta, 0);

describe('routebench merge of a k8s-sharded scenario run', () => {
  let dir: string;
  let shardDirs: string[];
  let scenario: Scenario;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rb-merge-shards-'));
    // The Job as rendered (2 pods, the quick prefix-cache scenario with its claims and controls, no --target).
    const m = buildJobManifest({ parallelism: 2, image: 'ghcr.io/routebench/routebench:test', name: 'rb-pc', scenario: 'prefix-cache', set: [], quick: true, workers: 1 });
    const scenarioFile = join(dir, 'scenario.json');
    writeFileSync(scenarioFile, m.configMap.data!['scenario.json']!);
    const container = m.job.spec!.template.spec!.containers[0]!;
    expect(container.command).toEqual(['routebench']);
    const podArgs = (i: number) =>
      container.args!.map((a) => a.replaceAll('$(ROUTEBENCH_SHARD_INDEX)', String(i)).replace('/etc/routebench/scenario.json', scenarioFile).replace(/^\/results\//, `${dir}/`));
    shardDirs = [0, 1].map((i) => join(dir, 'rb-pc', `shard-${i}`));
    mkdirSync(join(dir, 'rb-pc'));
    const runs = await Promise.all([0, 1].map((i) => routebench(podArgs(i))));
    for (const [i, r] of runs.entries()) {
      // A shard judges nothing and exits 0 (its pod succeeds) unless the run itself failed.
      expect(r.code, r.output).toBe(EXIT.ok);
      expect(r.output).toContain(`(shard ${i}/2: the 2 claim(s) are judged on all 2 shards`);
      expect(existsSync(join(shardDirs[i]!, 'verdicts.json'))).toBe(false);
    }
    scenario = parseScenario(JSON.parse(readFileSync(join(shardDirs[0]!, 'scenario.json'), 'utf8')));
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the verdict table of the claims judged on the merged shards, main run and control rows, and exits on them', async () => {
    // Each shard folder carries the claims, the controls and the evidence they read.
    expect(scenario.claims.map((c) => c.id)).toEqual(['prefix-affinity', 'prefix-cache-hit-rate']);
    for (const d of shardDirs) for (const c of scenario.controls) expect(existsSync(join(d, 'controls', c.name, 'summary.json'))).toBe(true);

    const out = join(dir, 'merged');
    const r = await cli(['merge', ...shardDirs, '--out', out]);

    const parts = shardDirs.map((d) => runEvidenceFromFolder(d));
    const mergedMain = mergeRunEvidence(parts, { sharedTarget: false });
    const controls = Object.fromEntries(scenario.controls.map((c) => [c.name, mergeRunEvidence(shardDirs.map((d) => runEvidenceFromFolder(join(d, 'controls', c.name))), { sharedTarget: false })]));
    const expected = expectedVerdicts(scenario, mergedMain, controls);
    const written = JSON.parse(readFileSync(join(out, 'verdicts.json'), 'utf8')) as Verdict[];
    console.log(`merged k8s-sharded run (exit ${r.code}):\n${renderVerdictTable(written)}`);

    expect(written.map((v) => [v.feature, v.status, v.details])).toEqual(expected.all.map((v) => [v.feature, v.status, v.details]));
    expect(r.out).toContain(renderVerdictTable(written));
    expect(readFileSync(join(out, 'verdicts.md'), 'utf8')).toBe(`${renderVerdictTable(written)}\n`);
    // Main rows, then one row per claim for each control.
    expect(written).toHaveLength(scenario.claims.length * (1 + scenario.controls.length));
    for (const c of scenario.controls) expect(r.out).toContain(`[control: ${c.name}]`);
    const merged = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { counts: { sent: number; ok: number } };
    const failed = merged.counts.sent > 0 && merged.counts.ok === 0;
    expect(r.code).toBe(failed ? EXIT.runError : verdictExit(expected.main));

    // The merge is of the shards' evidence: counts add, and (a simulator per shard) each pod's served-requests
    // counter is the sum of the shards' clusters' counters.
    expect(merged.counts.sent).toBe(parts.reduce((n, p) => n + p.summary.counts.sent, 0));
    const served = (ev: RunEvidence, pod: string) =>
      ev.metrics!.sources.flatMap((s) => s.targets.filter((t) => t.name === pod)).flatMap((t) => t.counters.filter((c) => c.metric === 'vllm:request_success')).reduce((a, c) => a + c.delta, 0);
    for (const pod of Object.keys(mergedMain.podRoles ?? {})) expect(served(mergedMain, pod)).toBe(parts.reduce((n, p) => n + served(p, pod), 0));
  }, 120_000);

  it('refuses a shard given twice, a folder that is not a shard, and a control only some shards ran, naming the folder (exit 2); failed shards exit 3', async () => {
    const twice = await cli(['merge', shardDirs[0]!, shardDirs[0]!, '--out', join(dir, 'twice')]);
    expect(twice.code).toBe(EXIT.usage);
    expect(twice.err).toMatch(/both shard 0\/2/);

    // A scenario run that is not a shard of it, among shards: refused rather than merged without its claims.
    const whole = join(dir, 'not-a-shard');
    cpSync(shardDirs[1]!, whole, { recursive: true });
    const s = JSON.parse(readFileSync(join(whole, 'summary.json'), 'utf8')) as { extra: Record<string, unknown> };
    delete s.extra.shard;
    writeFileSync(join(whole, 'summary.json'), JSON.stringify(s));
    const mixed = await cli(['merge', shardDirs[0]!, whole, '--out', join(dir, 'mixed')]);
    expect(mixed.code).toBe(EXIT.usage);
    expect(mixed.err).toContain(`${whole}: not a shard`);

    // Shards whose requests all failed (the gateway was down): a failed run, exit 3 as `run` gives, not a verdict.
    const down = join(dir, 'down.json');
    writeFileSync(
      down,
      JSON.stringify({ name: 'down', feature: 'x', mode: 'Aggregated', target: { url: 'http://127.0.0.1:9' }, workload: { type: 'random', input_len: 8, output_len: 4 }, load: { type: 'concurrency', concurrency: 2, requests: 4 } }),
    );
    const downDirs = [0, 1].map((i) => join(dir, `down-${i}`));
    for (const [i, d] of downDirs.entries()) expect((await cli(['run', down, '--shard', `${i}/2`, '--workers', '1', '--out', d])).code).toBe(EXIT.runError);
    const failed = await cli(['merge', ...downDirs, '--out', join(dir, 'down-merged')]);
    expect(failed.code).toBe(EXIT.runError);
    expect(failed.err).toMatch(/run failed: none of 4 measured requests succeeded in the merged shards/);

    const partial = join(dir, 'partial-shard-1');
    cpSync(shardDirs[1]!, partial, { recursive: true });
    rmSync(join(partial, 'controls', 'zero-reuse'), { recursive: true });
    const r = await cli(['merge', shardDirs[0]!, partial, '--out', join(dir, 'partial-merged')]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain(`control zero-reuse was run by some shards only: ${join(partial, 'controls', 'zero-reuse')} missing`);
  });
});

// The production shape: every pod sends to one gateway (--target) and scrapes the same pods. The main Job runs
// with --no-controls and the control runs as its own Job afterwards (k8s job --control), so no pod's control
// traffic lands in another pod's main window. A collector in this process spans the whole main Job: the merged
// counters must be its deltas (the union window), not the sum of the shards' overlapping views.
describe('routebench merge of k8s shards that shared one gateway, with the control as its own Job', () => {
  let dir: string;
  let cluster: Cluster;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rb-merge-gw-'));
    cluster = await startCluster(presetSpec('agg-2', { seed: 1 }));
    await cluster.waitReady(15_000);
  });
  afterAll(async () => {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('judges the claims on the union-window evidence, with the separately run control, and prints the table', async () => {
    const pods = cluster.podMetricsUrls();
    const sources = Object.entries(pods).map(([name, url]) => ({ kind: 'pod', name, url }));
    const opts = { parallelism: 2, image: 'ghcr.io/routebench/routebench:test', name: 'rb-gw', scenario: 'prefix-cache', target: cluster.gatewayUrl, set: [`metrics.sources=${JSON.stringify(sources)}`], quick: true, workers: 1 };
    // As the README recommends for a Job: a common start, so every shard's prefix-cache reset (before its start)
    // comes before any shard sends, and their slices of the schedule line up. 20 s covers two processes' startup here.
    const mainJob = buildJobManifest({ ...opts, controls: false, startAt: new Date(Date.now() + 20_000).toISOString().replace(/\.\d+Z$/, 'Z') });
    // --target keeps only the controls that do not swap the simulator preset: zero-reuse here.
    const scenario = parseScenario(JSON.parse(mainJob.configMap.data!['scenario.json']!));
    expect(scenario.controls.map((c) => c.name)).toEqual(['zero-reuse']);
    expect(() => buildJobManifest({ ...opts, control: 'random-picker' })).toThrow(/has no control "random-picker"/);
    const controlJob = buildJobManifest({ ...opts, control: 'zero-reuse' });
    expect(controlJob.job.metadata!.name).toBe('rb-gw-zero-reuse');

    const whole = await startCollector({ sources: [{ kind: 'static', name: 'whole', targets: Object.entries(pods).map(([name, url]) => ({ name, url })) }], intervalMs: 250 });
    const main = await Promise.all([0, 1].map((i) => podRun(mainJob, i, dir)));
    const wholeEvidence = await whole.stop();
    for (const r of main) expect(r.code, r.output).toBe(EXIT.ok);
    const control = await Promise.all([0, 1].map((i) => podRun(controlJob, i, dir)));
    for (const r of control) expect(r.code, r.output).toBe(EXIT.ok);

    const shardDirs = [0, 1].map((i) => join(dir, 'rb-gw', `shard-${i}`));
    const controlDirs = [0, 1].map((i) => join(dir, 'rb-gw', 'controls', 'zero-reuse', `shard-${i}`));
    const out = join(dir, 'rb-gw', 'merged');
    const r = await cli(['merge', ...shardDirs, '--out', out]);

    const mergedMain = mergeRunEvidence(shardDirs.map((d) => runEvidenceFromFolder(d)), { sharedTarget: true });
    const mergedControl = mergeRunEvidence(controlDirs.map((d) => runEvidenceFromFolder(d)), { sharedTarget: true });
    for (const pod of Object.keys(pods))
      for (const metric of ['vllm:request_success', 'vllm:prefix_cache_queries', 'vllm:prefix_cache_hits'])
        expect(counterOf(mergedMain.metrics!, pod, metric), `${pod} ${metric}`).toBe(counterOf(wholeEvidence, pod, metric));
    expect(Object.keys(pods).reduce((n, pod) => n + counterOf(mergedMain.metrics!, pod, 'vllm:request_success'), 0)).toBe(mergedMain.summary.counts.ok);

    const expected = expectedVerdicts(scenario, mergedMain, { 'zero-reuse': mergedControl });
    const written = JSON.parse(readFileSync(join(out, 'verdicts.json'), 'utf8')) as Verdict[];
    console.log(`merged shards on one gateway (exit ${r.code}):\n${renderVerdictTable(written)}`);
    expect(written.map((v) => [v.feature, v.status, v.details])).toEqual(expected.all.map((v) => [v.feature, v.status, v.details]));
    expect(r.out).toContain(renderVerdictTable(written));
    expect(r.out).toContain('[control: zero-reuse]');
    expect(r.code).toBe(verdictExit(expected.main));
  }, 300_000);
});
