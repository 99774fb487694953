// The scenario runner end to end on the simulator: attribution without identity headers, every
// output written, comparisons across targets.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyOverrides, getPreset } from '../../src/index.ts';
import { runScenario } from '../../src/runner/run-scenario.ts';
import { startCluster } from '@routebench/sim';
import { presetSpec } from '@routebench/sim';
import { evaluateClaims } from '@routebench/core';

const tmp = () => mkdtempSync(join(tmpdir(), 'rb-runner-'));

describe('runScenario', () => {
  it('with identity headers off, attributes from the EPP log and still judges affinity and hit rate', async () => {
    const s = applyOverrides(getPreset('prefix-cache'), ['target.sim.options={"identityHeaders":false}']);
    const r = await runScenario(s, { outDir: tmp(), quick: true, skipControls: true });
    const summary = r.main.evidence.summary;
    // Every request is placed from a log, nearly all from the EPP log. The vLLM pod logs may place one first: live
    // attribution takes whichever log names the pod first, and on a busy machine the pod's log line can be read
    // before the EPP's (one of 96 did so once beside a CPU hog).
    const total = summary.counts.sent + summary.counts.warmup.sent;
    const sources = summary.counters.podSources;
    expect(Object.keys(sources).filter((k) => k !== 'epp-log' && k !== 'vllm-log')).toEqual([]);
    expect((sources['epp-log'] ?? 0) + (sources['vllm-log'] ?? 0)).toBe(total);
    expect(sources['epp-log'] ?? 0).toBeGreaterThanOrEqual(Math.ceil(0.9 * total));
    const affinity = r.mainVerdicts.find((v) => v.claim === 'prefix-affinity')!;
    expect(affinity.status, affinity.details).toBe('Pass');
    expect(affinity.sources).toContain('epp-log');
    const hit = r.mainVerdicts.find((v) => v.claim === 'prefix-cache-hit-rate')!;
    expect(hit.status, hit.details).toBe('Pass');
    expect(hit.sources.some((x) => x.startsWith('metrics:'))).toBe(true);
    // records were rewritten with the attributed pod
    const first = JSON.parse(readFileSync(join(r.main.dir, 'requests.jsonl'), 'utf8').split('\n')[0]!);
    expect(first.podSource).toBe('epp-log');
    expect(first.headers['x-inference-pod']).toBeUndefined();
  });

  it('agg-vs-pd runs the same workload on both targets and writes the comparison', async () => {
    const out = tmp();
    const r = await runScenario(getPreset('agg-vs-pd'), { outDir: out, quick: true });
    expect(r.compared.map((c) => c.label)).toHaveLength(2);
    const [a, b] = r.compared;
    expect(a!.evidence.summary.counts.sent).toBe(b!.evidence.summary.counts.sent);
    expect(Object.keys(b!.evidence.summary.dimensions).some((d) => d.startsWith('pod:decode'))).toBe(true);
    for (const f of ['verdicts.md', 'verdicts.json', 'scenario.json', 'compare.csv', 'report.html']) expect(existsSync(join(out, f)), f).toBe(true);
    expect(r.compareRows!.some((row) => row.metric === 'ttft' && row.dimension === 'overall')).toBe(true);
    // Each target's latency SLO is judged on its own run: the P/D row is the P/D run's TTFT p90 (or, when this
    // busy machine was the bottleneck, that run's own reason to be Inconclusive).
    const slo = r.mainVerdicts.filter((v) => v.claim === 'latency-slo');
    expect(slo.map((v) => [v.feature, v.mode])).toEqual([
      ['Aggregated vs P/D latency [target: aggregated]', 'Aggregated'],
      ['Aggregated vs P/D latency [target: pd-1p1d]', 'P/D'],
    ]);
    for (const [i, t] of [a!, b!].entries()) {
      const own = evaluateClaims(r.scenario.claims, { feature: r.scenario.feature, mode: r.scenario.mode, main: t.evidence, controls: {} })[0]!;
      expect([slo[i]!.status, slo[i]!.details, slo[i]!.evidence]).toEqual([own.status, own.details, own.evidence]);
      const observed = (slo[i]!.evidence.percentiles as Record<string, number> | undefined)?.['TTFT p90'];
      if (observed !== undefined) expect(observed).toBeCloseTo(t.evidence.summary.dimensions.overall!.ttft.p90!, 2);
      // …and written beside that target's run, where compare and report read it.
      expect(JSON.parse(readFileSync(join(t.dir, 'verdicts.json'), 'utf8'))).toEqual([JSON.parse(JSON.stringify(slo[i]))]);
    }
    expect(a!.evidence.summary.dimensions.overall!.ttft.p90).not.toBe(b!.evidence.summary.dimensions.overall!.ttft.p90);
    // The report overlays both targets, each with ITL over time from its own requests.jsonl.
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    const data = JSON.parse(/<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)![1]!);
    expect(data.timeseries.map((t: { run: string; itl: { t: number[] } | null }) => [t.run, (t.itl?.t.length ?? 0) > 0])).toEqual([
      ['aggregated', true],
      ['pd-1p1d', true],
    ]);
  });

  it('smoke writes every output and has no claims to judge', async () => {
    const out = tmp();
    const r = await runScenario(getPreset('smoke'), { outDir: out, quick: true });
    expect(r.verdicts).toEqual([]);
    for (const f of ['requests.jsonl', 'summary.json', 'requests.csv', 'pods.csv', 'timeseries.csv', 'verdicts.md', 'report.html']) expect(existsSync(join(out, f)), f).toBe(true);
  });

  it('against a gateway URL, scrapes the metrics sources the scenario names (core static source config)', async () => {
    const cluster = await startCluster(presetSpec('agg-2'));
    try {
      await cluster.waitReady();
      const targets = Object.entries(cluster.podMetricsUrls()).map(([name, url]) => ({ name, url }));
      const s = applyOverrides(getPreset('prefix-cache'), [
        `target={"url":"${cluster.gatewayUrl}"}`,
        `metrics={"sources":[{"kind":"static","targets":${JSON.stringify([...targets, { name: 'epp', url: cluster.eppMetricsUrl, role: 'epp', bearerTokenFile: cluster.eppTokenFile }])}}]}`,
      ]);
      const r = await runScenario(s, { outDir: tmp(), quick: true, skipControls: true });
      const hit = r.mainVerdicts.find((v) => v.claim === 'prefix-cache-hit-rate')!;
      expect(hit.status, hit.details).toBe('Pass');
      expect(hit.sources).toContain('metrics:vllm:prefix_cache_hits_total');
      expect(r.main.target).toBe(cluster.gatewayUrl);
    } finally {
      await cluster.stop();
    }
  });
});

