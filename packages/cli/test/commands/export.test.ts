// `routebench export --format llmd-report` on a real run: the smoke scenario on the embedded simulator (loopback),
// exported through the CLI, read back from disk and validated against the v0.2.1 schema mirror.
import { readFileSync, readdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { applyOverrides, getPreset, runScenario } from '@routebench/scenarios';
import { LlmdBenchmarkReportSchema, validateLlmdReport, type LlmdBenchmarkReport } from '../../../core/src/output/llmd-report-schema.ts';
import { LLMD_TS_MAX_POINTS } from '../../../core/src/output/llmd-report.ts';
import type { MetricsEvidence } from '../../../core/src/evidence/metrics-evidence.ts';
import { runCli } from '../cli-harness.ts';

describe('routebench export --format llmd-report', () => {
  it('writes a v0.2.1 report of a simulator run that validates, with per-pod series, health and run identity', async () => {
    const out = mkdtempSync(join(tmpdir(), 'rb-export-'));
    // Open loop for ~3 s with a 50 ms scrape interval (the collector's floor): many scrapes per pod inside the measured window.
    const scenario = applyOverrides(getPreset('smoke'), ['load={"type":"constant","rate":8,"durationS":3}']);
    const r = await runScenario(scenario, { outDir: out, metricsIntervalMs: 50 });
    const dir = r.main.dir;
    const summary = r.main.evidence.summary;
    expect(summary.counts.ok).toBeGreaterThan(0);

    const { code, out: printed } = await runCli(['export', dir, '--format', 'llmd-report']);
    expect(code, printed).toBe(0);
    const files = readdirSync(dir).filter((f) => f.startsWith('benchmark_report_')).sort();
    expect(files).toEqual(['benchmark_report_v0.2.1.json', 'benchmark_report_v0.2.1.yaml']);
    for (const f of files) expect(printed).toContain(join(dir, f));
    const json: unknown = JSON.parse(readFileSync(join(dir, files[0]!), 'utf8'));
    const yaml: unknown = parseYaml(readFileSync(join(dir, files[1]!), 'utf8'));
    expect(yaml).toEqual(json);
    expect(LlmdBenchmarkReportSchema.safeParse(json).success).toBe(true);
    const report: LlmdBenchmarkReport = validateLlmdReport(json);

    // Run identity: the scenario's description (llm-d-prism's run label) and a UUID5 eid, stable on re-export.
    expect(report.version).toBe('0.2.1');
    expect(report.run.description).toBe(scenario.description);
    expect(report.run.eid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    await runCli(['export', dir]);
    expect(JSON.parse(readFileSync(join(dir, files[0]!), 'utf8'))).toEqual(json);
    expect(report.results.request_performance!.aggregate!.requests!.total).toBe(summary.counts.sent);

    // One component per scraped target; every series inside the measured window, at most 256 points, and exactly
    // as many as the scrapes that fell in the window when that is fewer.
    const metrics = summary.extra.metrics as MetricsEvidence;
    const runStart = Date.parse(summary.meta.startedAt);
    const w = summary.window!;
    const epochOf = (t: number) => metrics.startedAtEpochMs + (t - metrics.window.startMs);
    const targets = metrics.sources.flatMap((s) => s.targets);
    const components = report.results.observability!.components!;
    const pods = targets.filter((t) => t.role !== 'epp').map((t) => t.name).sort();
    expect(pods.length).toBe(2);
    expect(components.filter((c) => c.component_label === 'inference-engine').map((c) => c.replica_id).sort()).toEqual(pods);
    for (const c of components) {
      const target = targets.find((t) => t.name === c.replica_id)!;
      for (const [field, data] of Object.entries(c.time_series!)) {
        const metric = { kv_cache_usage: 'vllm:kv_cache_usage_perc', num_requests_running: 'vllm:num_requests_running', num_requests_waiting: 'vllm:num_requests_waiting', pool_ready_pods: 'inference_pool_ready_pods', pool_avg_kv_cache_utilization: 'inference_pool_average_kv_cache_utilization', pool_avg_queue_size: 'inference_pool_average_queue_size' }[field];
        expect(metric, field).toBeDefined();
        const times = new Set(
          target.gauges.filter((g) => g.metric === metric).flatMap((g) => g.points.filter(([t, v]) => v !== null && epochOf(t) - runStart >= w.firstSentMs && epochOf(t) - runStart < w.lastEndMs).map(([t]) => t)),
        );
        expect(times.size).toBeGreaterThan(0);
        expect(data!.series.length).toBe(Math.min(LLMD_TS_MAX_POINTS, times.size));
        for (const p of data!.series) {
          const at = Date.parse(p.ts) - runStart;
          expect(at).toBeGreaterThanOrEqual(Math.floor(w.firstSentMs));
          expect(at).toBeLessThan(Math.ceil(w.lastEndMs));
        }
      }
    }
    const pod0 = components.find((c) => c.replica_id === pods[0])!;
    expect(pod0.time_series!.kv_cache_usage!.units).toBe('fraction');
    expect(pod0.time_series!.num_requests_running!.units).toBe('count');
    expect(pod0.aggregate!.kv_cache_usage!.units).toBe('fraction');
    // Upstream's per-metric entry, which llm-d-prism reads for its KV-cache figures.
    const kv = (report.results.observability as Record<string, any>).vllm_kv_cache_usage_perc;
    expect(kv.components.map((c: { pod: string }) => c.pod)).toEqual(pods);
    expect(kv.aggregated.units).toBe('fraction');

    // Health: every simulator pod answered its final scrape and did not restart.
    const health = report.results.component_health!;
    const engines = health.find((h) => h.component_label === 'inference-engine')!;
    expect(engines.replica_health!.map((h) => h.replica_id).sort()).toEqual(pods);
    expect(engines.replica_health!.every((h) => h.healthy === true && h.restarts === 0)).toBe(true);
    expect(engines.failed_replicas).toBe(0);
  }, 120_000);
});
