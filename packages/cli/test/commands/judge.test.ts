// `routebench judge` end to end (issue #18): a run made against a gateway that returns no pod header and
// scrapes nothing is judged again from its saved EPP log and two /metrics snapshots, and must give the same
// verdict table (status per row) as the same scenario run live with the pod header and scraped metrics.
// Also: a gzipped EPP log wrapped by `kubectl logs --prefix --timestamps` reads the same, the pods' vLLM
// request logs give the same table, the counters a real Prometheus stored (Debian's package,
// core/test/fixtures/prometheus.ts) read over the run's window give it too, and an EPP log without the V(3)
// pick lines leaves affinity Inconclusive, naming the file and the level. One file, so its simulator runs
// never overlap each other.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetSpec, startCluster, type Cluster } from '@routebench/sim';
import { applyQuick, getPreset, runScenario, withTarget } from '@routebench/scenarios';
import type { Verdict } from '@routebench/core';
import { PROMETHEUS_INSTALL_TIMEOUT_MS, startPrometheus } from '../../../core/test/fixtures/prometheus.ts';
import { runCli } from '../cli-harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'rb-judge-cli-'));
const scenario = applyQuick(getPreset('prefix-cache'));
const rows = (vs: Verdict[]) => vs.map((v) => `${v.feature} | ${v.mode} | ${v.status}`);
const verdictsOf = (d: string) => JSON.parse(readFileSync(join(d, 'verdicts.json'), 'utf8')) as Verdict[];
const recordsOf = (d: string) =>
  readFileSync(join(d, 'requests.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { requestId: string; pod: string | null; podSource: string | null; previousAttribution?: unknown; phase: string });

let live: Verdict[];
let bare: string;
let eppLog: string;
let podLogs: string;
let before: string;
let after: string;
let bareVerdicts: Verdict[];
let cluster: Cluster | null = null;
let eppToken = '';

beforeAll(async () => {
  // The live run: pod header on every response, every pod and the EPP scraped.
  const liveRun = await runScenario(scenario, { outDir: join(dir, 'live'), skipControls: true });
  live = liveRun.mainVerdicts;

  // The same scenario against a gateway that names no pod, with nothing scraped: only the saved evidence.
  eppLog = join(dir, 'saved-epp.log');
  // Its pods log their requests as vLLM does with --enable-log-requests, one file per pod (<pod>.log).
  const spec = presetSpec('agg-2', { identityHeaders: false, eppLogPath: eppLog, seed: scenario.seed });
  podLogs = join(dir, 'pod-logs');
  mkdirSync(podLogs);
  cluster = await startCluster({ ...spec, pods: spec.pods!.map((p) => ({ ...p, enableLogRequests: true, requestLogPath: join(podLogs, `${p.name}.log`) })) });
  await cluster.waitReady();
  if (cluster.eppTokenFile) eppToken = readFileSync(cluster.eppTokenFile, 'utf8').trim();
  // Saved as a user would: `routebench snapshot` before and after the run.
  const snapshot = async (file: string) => {
    const r = await runCli([
      'snapshot',
      '-o',
      file,
      ...Object.entries(cluster!.podMetricsUrls()).flatMap(([name, url]) => ['--pod-metrics', `${name}=${url}`]),
      '--epp-metrics',
      cluster!.eppMetricsUrl,
      ...(cluster!.eppTokenFile ? ['--epp-token-file', cluster!.eppTokenFile] : []),
    ]);
    expect(r.code, r.out).toBe(0);
  };
  before = join(dir, 'before.prom');
  await snapshot(before);
  bare = join(dir, 'bare');
  const bareRun = await runScenario(withTarget(scenario, cluster.gatewayUrl), { outDir: bare, skipControls: true });
  bareVerdicts = bareRun.mainVerdicts;
  after = join(dir, 'after.prom');
  await snapshot(after);
  await cluster.stop();
  cluster = null;
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('routebench judge', () => {
  it('re-judges a no-pod-header run from a saved EPP log and two metric snapshots into the live verdict table', async () => {
    const folder = join(dir, 'judged');
    cpSync(bare, folder, { recursive: true });
    // Before judging, the run had no per-request attribution: affinity could not be decided.
    expect(bareVerdicts.find((v) => v.claim === 'prefix-affinity')!.status).toBe('Inconclusive');
    expect(recordsOf(folder).every((r) => r.pod === null)).toBe(true);

    const r = await runCli(['judge', folder, '--epp-log', eppLog, '--metrics-before', before, '--metrics-after', after]);
    const judged = verdictsOf(folder);
    expect(rows(judged), `judged:${r.out}\nlive: ${live.map((v) => `${v.status}: ${v.details}`).join('\n')}`).toEqual(rows(live));
    expect(live.every((v) => v.status === 'Pass'), JSON.stringify(live.map((v) => v.details))).toBe(true);
    expect(r.code, r.out).toBe(0);
    // verdicts.md is the same table the live run wrote, up to the details column.
    const table = (md: string) => md.split('\n').filter((l) => l.startsWith('|')).map((l) => l.split(' | ').slice(0, 3).join(' | '));
    expect(table(readFileSync(join(folder, 'verdicts.md'), 'utf8'))).toEqual(table(readFileSync(join(dir, 'live', 'verdicts.md'), 'utf8')));

    // The live run knew its pods from the header, the judged one from the EPP log; the hit rate from scraped vs saved counters.
    expect(live.find((v) => v.claim === 'prefix-affinity')!.sources.some((s) => s.startsWith('header:'))).toBe(true);
    expect(judged.find((v) => v.claim === 'prefix-affinity')!.sources).toContain('epp-log');
    expect(judged.find((v) => v.claim === 'prefix-cache-hit-rate')!.sources.some((s) => s.startsWith('metrics:'))).toBe(true);

    // requests.jsonl: every record placed from the EPP log (ip:port resolved through the snapshots' instance
    // labels), the earlier (empty) attribution kept beside it; the summary's per-pod split follows.
    const recs = recordsOf(folder);
    expect(recs.every((x) => x.podSource === 'epp-log' && /^agg-[01]$/.test(x.pod!))).toBe(true);
    expect(recs.every((x) => JSON.stringify(x.previousAttribution) === '{"pod":null,"podSource":null}')).toBe(true);
    const summary = JSON.parse(readFileSync(join(folder, 'summary.json'), 'utf8'));
    expect(summary.counters.podSources).toEqual({ 'epp-log': recs.length });
    expect(Object.keys(summary.dimensions).filter((d) => d.startsWith('pod:')).sort()).toEqual(['pod:agg-0', 'pod:agg-1']);
    expect(summary.extra.judged.eppLogs.picksForThisRun).toBe(recs.length);
    expect(summary.extra.judged.previous.verdicts.map((v: Verdict) => v.status)).toEqual(bareVerdicts.map((v) => v.status));
    expect(summary.extra.attribution.endpointShapes).toEqual({ address: recs.length });
  }, 60_000);

  it('reads the EPP log gzipped and wrapped by kubectl logs --prefix --timestamps, with plain-text lines mixed in', async () => {
    const folder = join(dir, 'judged-gz');
    cpSync(bare, folder, { recursive: true });
    const lines = readFileSync(eppLog, 'utf8').split('\n').filter(Boolean);
    const wrapped = [
      'I1206 01:00:00.000000       1 main.go:42] starting EPP (klog-style plain text)',
      ...lines.map((l, i) => `[pod/gaie-epp-7d9c/epp] 2026-12-06T01:00:${String(i % 60).padStart(2, '0')}.123456789Z ${l}`),
      'not a log line at all',
    ].join('\n');
    const gz = join(dir, 'epp-dump.txt'); // gzip told by its bytes, not its name
    writeFileSync(gz, gzipSync(wrapped));
    const r = await runCli(['judge', folder, '--epp-log', gz, '--metrics-before', before, '--metrics-after', after]);
    expect(rows(verdictsOf(folder)), `judged:${r.out}\nlive: ${live.map((v) => `${v.status}: ${v.details}`).join('\n')}`).toEqual(rows(live));
    const summary = JSON.parse(readFileSync(join(folder, 'summary.json'), 'utf8'));
    expect(summary.extra.judged.eppLogs.otherLines).toBe(2);
    expect(summary.extra.judged.eppLogs.picksForThisRun).toBe(recordsOf(folder).length);
  }, 60_000);

  it('with the pods\' vLLM request logs instead of the EPP log: the same verdict table, every record placed by vllm-log', async () => {
    const folder = join(dir, 'judged-vllm');
    cpSync(bare, folder, { recursive: true });
    const r = await runCli(['judge', folder, '--pod-logs', podLogs, '--metrics-before', before, '--metrics-after', after]);
    expect(rows(verdictsOf(folder)), `judged:${r.out}\nlive: ${live.map((v) => `${v.status}: ${v.details}`).join('\n')}`).toEqual(rows(live));
    const recs = recordsOf(folder);
    expect(recs.every((x) => x.podSource === 'vllm-log' && /^agg-[01]$/.test(x.pod!))).toBe(true);
    // The vLLM logs and the EPP log agree on every request's pod.
    const viaEpp = new Map(recordsOf(join(dir, 'judged')).map((x) => [x.requestId, x.pod]));
    expect(recs.filter((x) => viaEpp.get(x.requestId) !== x.pod)).toEqual([]);
  }, 60_000);

  it('an EPP log without the V(3) pick lines leaves affinity Inconclusive, naming the file and the level', async () => {
    const folder = join(dir, 'judged-v2');
    cpSync(bare, folder, { recursive: true });
    // What an EPP at --v=2 would have written for this run: none of its per-request lines (all V(3)+).
    const low = join(dir, 'epp-v2.log');
    writeFileSync(low, `${JSON.stringify({ level: 'info', ts: 1, caller: 'runner/runner.go:200', msg: 'Starting EPP' })}\n`);
    const r = await runCli(['judge', folder, '--epp-log', low, '--metrics-before', before, '--metrics-after', after]);
    const affinity = verdictsOf(folder).find((v) => v.claim === 'prefix-affinity')!;
    expect(affinity.status).toBe('Inconclusive');
    expect(affinity.details).toContain(`${low} has no "Request handled" lines`);
    expect(affinity.details).toContain('V(3)');
    expect(affinity.details).toContain("this log's highest level is V(0); run the EPP with --v=3 or more");
    expect(r.code).toBe(4);
    // The hit rate is judged against random routing over the pods the records name: without them, it says so too.
    const hit = verdictsOf(folder).find((v) => v.claim === 'prefix-cache-hit-rate')!;
    const n = recordsOf(folder).length;
    expect(hit.status).toBe('Inconclusive');
    expect(hit.details).toContain(`saved evidence: ${n} of ${n} requests unattributed: ${low} has no "Request handled" lines`);
  }, 60_000);

  it('the snapshot file names every pod and the EPP, with the address the EPP log uses', () => {
    const text = readFileSync(after, 'utf8');
    for (const pod of ['agg-0', 'agg-1', 'epp']) expect(text).toContain(`pod="${pod}"`);
    expect(text).toMatch(/instance="127\.0\.0\.1:\d+"/);
    // The EPP's token never reaches the file.
    expect(eppToken.length).toBeGreaterThan(0);
    expect(text).not.toContain(eppToken);
  });

  it('an imported inference-perf run: attributed from its saved EPP log, the addresses paired with pods by the EPP\'s own picker lines', async () => {
    // fixtures/import: a real inference-perf run against the simulator and that run's EPP log (see its README).
    const fixtures = join(import.meta.dirname, '..', '..', '..', 'core', 'test', 'fixtures', 'import');
    const log = join(fixtures, 'inference-perf-sim-run.epp.log');
    const imported = join(dir, 'imported');
    expect((await runCli(['import', 'inference-perf', join(fixtures, 'inference-perf-sim-run'), '--out', imported])).code).toBe(0);
    const r = await runCli(['judge', imported, '--epp-log', log, '--scenario', 'queue-balance']);
    expect(r.out).toContain('attribution: epp-log');
    // Each record on the pod the picker line of its own request id names.
    const pickerPod = new Map<string, string>();
    for (const line of readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('Completed running picker'))) {
      const o = JSON.parse(line);
      pickerPod.set(o['x-request-id'], o.result.TargetEndpoints[0].PodName);
    }
    const recs = recordsOf(imported);
    expect(recs.length).toBeGreaterThan(0);
    for (const x of recs) expect([x.requestId, x.pod, x.podSource]).toEqual([x.requestId, pickerPod.get(x.requestId), 'epp-log']);

    // The same log without its picker lines names only ip:port: nothing maps it, so nothing is placed and it says why.
    const bareLog = join(dir, 'handled-only.log');
    writeFileSync(bareLog, readFileSync(log, 'utf8').split('\n').filter((l) => !l.includes('Completed running picker')).join('\n'));
    const again = join(dir, 'imported-2');
    cpSync(imported, again, { recursive: true });
    const r2 = await runCli(['judge', again, '--epp-log', bareLog, '--scenario', 'queue-balance']);
    expect(recordsOf(again).every((x) => x.pod === null && x.podSource === null)).toBe(true);
    expect(r2.out).toContain(`${recs.length} EPP endpoint(s) unresolved (e.g. 127.0.0.1:`);
    expect(r2.out).toContain('no metrics target addresses to map it to');
    // The first judging's attribution is what was there before: kept.
    expect(recordsOf(again).every((x) => JSON.stringify(x.previousAttribution) === '{"pod":null,"podSource":null}')).toBe(true);
    const previous = JSON.parse(readFileSync(join(again, 'summary.json'), 'utf8')).extra.judged.previous;
    expect(previous.attribution.placedBy).toEqual({ 'epp-log': recs.length });
  }, 60_000);

  it('refuses half a snapshot pair and a missing file, naming the flag (exit 2)', async () => {
    const a = await runCli(['judge', bare, '--metrics-before', before]);
    expect(a.code).toBe(2);
    expect(a.out).toContain('--metrics-before needs its pair');
    const b = await runCli(['judge', bare, '--epp-log', join(dir, 'nope.log')]);
    expect(b.code).toBe(2);
    expect(b.out).toContain('--epp-log');
  });
});

describe('routebench judge --prometheus', () => {
  it('judges a no-pod-header run from its EPP log and the Prometheus range into the live verdict table', async () => {
    // The Prometheus series carry no address: the EPP's ip:port picks resolve through its own picker lines.
    const log = join(dir, 'prom-epp.log');
    const c = await startCluster(presetSpec('agg-2', { identityHeaders: false, eppLogPath: log, seed: scenario.seed }));
    const prom = await startPrometheus({
      targets: [
        ...Object.entries(c.podMetricsUrls()).map(([name, url]) => ({ name, url })),
        { name: 'epp', url: c.eppMetricsUrl, ...(c.eppTokenFile && { bearerTokenFile: c.eppTokenFile }) },
      ],
      scrapeIntervalS: 1,
    }).catch(async (e: unknown) => {
      await c.stop();
      throw e;
    });
    try {
      await c.waitReady();
      // A stored sample before the run (the baseline), then the run, then a scrape after it (the final values).
      await prom.waitForScrapes(Date.now(), 2);
      const run = join(dir, 'prom-run');
      await runScenario(withTarget(scenario, c.gatewayUrl), { outDir: run, skipControls: true });
      await prom.waitForScrapes(Date.now(), 2);
      const to = (Date.now() / 1000).toFixed(3);
      const r = await runCli(['judge', run, '--epp-log', log, '--prometheus', prom.url, '--to', to]);
      const judged = verdictsOf(run);
      expect(rows(judged), `judged:${r.out}\nlive: ${live.map((v) => `${v.status}: ${v.details}`).join('\n')}`).toEqual(rows(live));
      expect(r.out).toContain(`metrics: prometheus ${prom.url}`);
      const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8'));
      expect(summary.counters.podSources).toEqual({ 'epp-log': summary.counts.sent + summary.counts.warmup.sent });
      // The counters came from Prometheus: every served request is in the pods' request_success deltas.
      const targets = summary.extra.metrics.sources[0].targets as Array<{ name: string; counters: Array<{ metric: string; delta: number }> }>;
      const served = targets.filter((t) => t.name !== 'epp').flatMap((t) => t.counters.filter((m) => m.metric === 'vllm:request_success')).reduce((a, m) => a + m.delta, 0);
      expect(served).toBe(summary.counts.ok + summary.counts.warmup.finished);
    } finally {
      await prom.stop();
      await c.stop();
    }
  }, PROMETHEUS_INSTALL_TIMEOUT_MS);
});
