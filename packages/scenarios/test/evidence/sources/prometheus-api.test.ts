// The Prometheus-API metrics source (core/src/evidence/sources/prometheus.ts) against a real Prometheus
// (Debian's `prometheus`, see core/test/fixtures/prometheus.ts) scraping a simulator cluster: it must
// read the same evidence as scraping the pods and the EPP directly. Lives here, not in core, because
// core's tests do not import the simulator.
//
// Timing is made irrelevant rather than tolerated, so the deltas must agree exactly however busy the
// machine: Prometheus has scraped every target twice before the window opens (its baseline sample holds
// the idle values, as the direct before-scrape does), and the counters are read from Prometheus only
// once every series has a sample taken after the last request finished — in the first test because the
// test waits for two scrapes before closing the window, in the second because the source itself waits
// for the first scrape after the window end (settleTimeoutMs), which is what a real run relies on.
// Without that wait the second test reads 0 for every counter: its load is over within one scrape
// interval. The third runs a whole scenario with Prometheus as the only metrics source.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector } from '@routebench/core';
import type { MetricsEvidence, SourceEvidence } from '../../../../core/src/evidence/metrics-evidence.ts';
import { startCluster, presetSpec, type Cluster } from '@routebench/sim';
import { applyOverrides, getPreset } from '../../../src/index.ts';
import { runScenario } from '../../../src/runner/run-scenario.ts';
import { PROMETHEUS_INSTALL_TIMEOUT_MS, startPrometheus, type PrometheusServer } from '../../../../core/test/fixtures/prometheus.ts';

const MODEL = 'Qwen/Qwen2.5-7B-Instruct';
const COUNTERS = ['vllm:request_success', 'vllm:prompt_tokens', 'vllm:prefix_cache_queries', 'vllm:prefix_cache_hits'];
// Two shared prefixes, so prefix-aware scheduling has a reason to use both pods and the cache hits.
const SYSTEMS = ['You are a terse assistant for the routebench Prometheus test. ', 'Answer in French, briefly, about Kubernetes pods. '].map((p) => p.repeat(12));
// What a real EPP pod is called in Prometheus (a Deployment's pod name): the source must still know it is the EPP.
const EPP_POD = 'gaie-epp-6f9c8d7b5-x2k4q';

let cluster: Cluster;
let prom: PrometheusServer;

beforeAll(async () => {
  cluster = await startCluster(presetSpec('agg-2'));
  await cluster.waitReady();
  prom = await startPrometheus({
    targets: [
      ...Object.entries(cluster.podMetricsUrls()).map(([name, url]) => ({ name, url })),
      { name: EPP_POD, url: cluster.eppMetricsUrl, bearerTokenFile: cluster.eppTokenFile },
    ],
  });
}, PROMETHEUS_INSTALL_TIMEOUT_MS);

afterAll(async () => {
  await prom?.stop();
  await cluster?.stop();
});

async function chat(i: number): Promise<void> {
  const r = await fetch(`${cluster.gatewayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: MODEL,
      messages: [
        { role: 'system', content: SYSTEMS[i % 2]! },
        { role: 'user', content: `question ${i % 7}: how many pods?` },
      ],
      max_tokens: 6,
      stream: true,
      stream_options: { include_usage: true },
    }),
  });
  await r.text();
  if (r.status !== 200) throw new Error(`request ${i}: HTTP ${r.status}`);
}

/** target → canonical counter → summed delta over its series. */
function counterTotals(src: SourceEvidence): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const t of src.targets) {
    for (const c of t.counters) {
      if (!COUNTERS.includes(c.metric)) continue;
      (out[t.name] ??= {})[c.metric] = (out[t.name]?.[c.metric] ?? 0) + c.delta;
    }
  }
  return out;
}

function gaugePoints(src: SourceEvidence, target: string, metric: string): Array<[number, number | null]> {
  return src.targets.find((t) => t.name === target)?.gauges.filter((g) => g.metric === metric).flatMap((g) => g.points) ?? [];
}


function startBoth() {
  return startCollector({
    intervalMs: 500,
    gaugeMetrics: ['inference_pool_ready_pods'],
    sources: [
      {
        kind: 'static',
        name: 'direct',
        targets: [
          ...Object.entries(cluster.podMetricsUrls()).map(([name, url]) => ({ name, url })),
          { name: 'epp', url: cluster.eppMetricsUrl, role: 'epp', bearerTokenFile: cluster.eppTokenFile },
        ],
      },
      { kind: 'prometheus', name: 'via-prometheus', url: prom.url, counters: COUNTERS, gauges: ['inference_pool_ready_pods'] },
    ],
  });
}

async function sendLoad(n: number, seed: number): Promise<void> {
  for (let i = 0; i < n; i += 4) await Promise.all([0, 1, 2, 3].map((k) => chat(seed + i + k)));
}

function sources(ev: MetricsEvidence) {
  return { direct: ev.sources.find((s) => s.name === 'direct')!, viaProm: ev.sources.find((s) => s.name === 'via-prometheus')! };
}

describe('prometheus source on a real Prometheus', () => {
  it('reads the same per-pod counter deltas and EPP ready-pods gauge as direct scraping', async () => {
    await prom.waitForScrapes(Date.now(), 2);
    const collector = await startBoth();
    await sendLoad(24, 0);
    const lastDone = Date.now();
    await prom.waitForScrapes(lastDone, 2);
    const ev: MetricsEvidence = await collector.stop();

    const { direct, viaProm } = sources(ev);
    expect(direct.errors).toEqual([]);
    expect(viaProm.errors).toEqual([]);
    const d = counterTotals(direct);
    const p = counterTotals(viaProm);
    console.log('direct', JSON.stringify(d), '\nvia prometheus', JSON.stringify(p));
    // The load really happened, on both pods, with prefix-cache hits (the shared system prompt).
    const pods = Object.keys(cluster.podMetricsUrls());
    expect(pods.reduce((s, pod) => s + (d[pod]?.['vllm:request_success'] ?? 0), 0)).toBe(24);
    expect(pods.reduce((s, pod) => s + (d[pod]?.['vllm:prefix_cache_hits'] ?? 0), 0)).toBeGreaterThan(0);
    for (const pod of pods) expect(p[pod], pod).toEqual(d[pod]);

    // The EPP gauge: same value throughout from both, and Prometheus covers the window to within a scrape.
    const dg = gaugePoints(direct, 'epp', 'inference_pool_ready_pods');
    const pg = gaugePoints(viaProm, EPP_POD, 'inference_pool_ready_pods');
    expect(viaProm.targets.find((t) => t.name === EPP_POD)?.role).toBe('epp');
    expect(viaProm.targets.filter((t) => t.role !== 'epp').map((t) => t.name).sort()).toEqual(pods);
    console.log('ready pods direct', JSON.stringify(dg.map((x) => x[1])), 'via prometheus', JSON.stringify(pg.map((x) => x[1])));
    expect(dg.length).toBeGreaterThan(0);
    expect(pg.length).toBeGreaterThan(0);
    expect(new Set(dg.map((x) => x[1]))).toEqual(new Set([pods.length]));
    expect(new Set(pg.map((x) => x[1]))).toEqual(new Set([pods.length]));
    expect(pg[0]![0]).toBeLessThanOrEqual(ev.window.startMs + prom.scrapeIntervalMs);
    expect(pg[pg.length - 1]![0]).toBeGreaterThanOrEqual(ev.window.endMs - prom.scrapeIntervalMs);
  });

  it('agrees when the window closes right after the load (as measure.ts stops it): the source waits for the next scrape', async () => {
    // The previous test's load is more than two scrapes old, so the baseline holds its final values.
    await prom.waitForScrapes(Date.now(), 2);
    const collector = await startBoth();
    await sendLoad(16, 100);
    const { direct, viaProm } = sources(await collector.stop());
    expect(direct.errors).toEqual([]);
    expect(viaProm.errors).toEqual([]);
    const d = counterTotals(direct);
    const p = counterTotals(viaProm);
    console.log('closing at once: direct', JSON.stringify(d), '\nvia prometheus', JSON.stringify(p));
    const pods = Object.keys(cluster.podMetricsUrls());
    expect(pods.reduce((s, pod) => s + (d[pod]?.['vllm:request_success'] ?? 0), 0)).toBe(16);
    for (const pod of pods) expect(p[pod], pod).toEqual(d[pod]);
  });

  it('feeds the claims: a prefix-cache scenario against the gateway with only Prometheus as its metrics source passes its hit-rate claim', async () => {
    // As on a real cluster, Prometheus is already scraping the pods when the run starts.
    await prom.waitForScrapes(Date.now(), 2);
    const s = applyOverrides(getPreset('prefix-cache'), [
      `target={"url":"${cluster.gatewayUrl}"}`,
      `metrics={"sources":[{"kind":"prometheus","url":"${prom.url}"}]}`,
    ]);
    const r = await runScenario(s, { outDir: mkdtempSync(join(tmpdir(), 'rb-prom-run-')), quick: true, skipControls: true });
    const hit = r.mainVerdicts.find((v) => v.claim === 'prefix-cache-hit-rate')!;
    console.log('hit-rate via prometheus:', hit.status, hit.details, hit.sources);
    expect(r.main.evidence.metrics?.sources[0]?.errors).toEqual([]);
    expect(hit.status, hit.details).toBe('Pass');
    expect(hit.sources).toContain('metrics:vllm:prefix_cache_hits_total');
  });
});
