// `routebench judge --prometheus`: a no-pod-header run judged afterwards from its saved EPP log and the
// counters a real Prometheus (Debian's package, core/test/fixtures/prometheus.ts) stored while it ran, read
// over the run's window at --to. Same verdict table (status per row) as the scenario run live with the pod
// header and direct scraping. The Prometheus series carry no address, so the EPP's ip:port picks resolve
// through the pairs its own picker lines make.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetSpec, startCluster, type Cluster } from '@routebench/sim';
import { applyQuick, getPreset, runScenario, withTarget } from '@routebench/scenarios';
import type { Verdict } from '@routebench/core';
import { PROMETHEUS_INSTALL_TIMEOUT_MS, startPrometheus, type PrometheusServer } from '../../../core/test/fixtures/prometheus.ts';
import { runCli } from '../cli-harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'rb-judge-prom-'));
const scenario = applyQuick(getPreset('prefix-cache'));
const rows = (vs: Verdict[]) => vs.map((v) => `${v.feature} | ${v.mode} | ${v.status}`);
let cluster: Cluster | null = null;
let prom: PrometheusServer | null = null;
let live: Verdict[];

beforeAll(async () => {
  live = (await runScenario(scenario, { outDir: join(dir, 'live'), skipControls: true })).mainVerdicts;
  cluster = await startCluster(presetSpec('agg-2', { identityHeaders: false, eppLogPath: join(dir, 'epp.log'), seed: scenario.seed }));
  await cluster.waitReady();
  prom = await startPrometheus({
    targets: [
      ...Object.entries(cluster.podMetricsUrls()).map(([name, url]) => ({ name, url })),
      { name: 'epp', url: cluster.eppMetricsUrl, ...(cluster.eppTokenFile && { bearerTokenFile: cluster.eppTokenFile }) },
    ],
    scrapeIntervalS: 1,
  });
}, PROMETHEUS_INSTALL_TIMEOUT_MS);

afterAll(async () => {
  await prom?.stop();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('routebench judge --prometheus', () => {
  it('judges a no-pod-header run from its EPP log and the Prometheus range into the live verdict table', async () => {
    // A stored sample before the run (the baseline), then the run, then a scrape after it (the final values).
    await prom!.waitForScrapes(Date.now(), 2);
    const run = join(dir, 'bare');
    await runScenario(withTarget(scenario, cluster!.gatewayUrl), { outDir: run, skipControls: true });
    await prom!.waitForScrapes(Date.now(), 2);
    const to = (Date.now() / 1000).toFixed(3);
    const r = await runCli(['judge', run, '--epp-log', join(dir, 'epp.log'), '--prometheus', prom!.url, '--to', to]);
    const judged = JSON.parse(readFileSync(join(run, 'verdicts.json'), 'utf8')) as Verdict[];
    expect(rows(judged), r.out).toEqual(rows(live));
    expect(r.out).toContain(`metrics: prometheus ${prom!.url}`);
    const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8'));
    expect(summary.counters.podSources).toEqual({ 'epp-log': summary.counts.sent + summary.counts.warmup.sent });
    // The hit rate's counters came from Prometheus: every served request is in the pods' request_success deltas.
    const targets = summary.extra.metrics.sources[0].targets as Array<{ name: string; counters: Array<{ metric: string; delta: number }> }>;
    const served = targets.filter((t) => t.name !== 'epp').flatMap((t) => t.counters.filter((c) => c.metric === 'vllm:request_success')).reduce((a, c) => a + c.delta, 0);
    expect(served).toBe(summary.counts.ok + summary.counts.warmup.finished);
  }, 120_000);
});
