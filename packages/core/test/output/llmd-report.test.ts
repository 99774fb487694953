import { parse as parseYaml } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeHistogram } from '../../src/record/histogram.ts';
import {
  downsample,
  formatLlmdReport,
  LLMD_TS_MAX_POINTS,
  LlmdBenchmarkReportSchema,
  summaryToLlmdReport,
  summaryToLlmdReports,
  uuid5,
  UUID_NAMESPACE_URL,
  validateLlmdReport,
} from '../../src/output/llmd-report.ts';
import type { MetricsEvidence } from '../../src/evidence/metrics-evidence.ts';
import { isRoutebenchError } from '../../src/errors.ts';
import { LoadSpecSchema } from '../../src/load/load-spec.ts';
import { type Summary } from '../../src/record/summary.ts';
import { summarizeRecords } from '../../src/record/summarize-records.ts';
import { AGG_SPEC, syntheticRecords, syntheticSummary } from './synthetic-runs.ts';

let agg: Summary;

beforeAll(async () => {
  agg = await syntheticSummary(AGG_SPEC, 'agg');
});

function withLoad(s: Summary, load: unknown): Summary {
  const copy = structuredClone(s);
  copy.meta.load = LoadSpecSchema.parse(load);
  return copy;
}

describe('summaryToLlmdReport', () => {
  it('produces a v0.2.1 report that validates against the schema mirror and carries the summary’s numbers', () => {
    const summary = withLoad(agg, { type: 'poisson', rate: 40, requests: 400 });
    const report = summaryToLlmdReport(summary, { eid: 'agg-vs-pd', source: 'random', keywords: ['aggregated'] });
    expect(LlmdBenchmarkReportSchema.safeParse(report).success).toBe(true);
    expect(report.version).toBe('0.2.1');
    expect(report.run.uid).toMatch(/^[0-9a-f]{32}$/);
    expect(report.run.eid).toBe('agg-vs-pd');
    expect(report.run.time).toEqual({ start: summary.meta.startedAt, end: summary.meta.endedAt, duration: `PT${Math.round(summary.meta.durationS * 1000) / 1000}S` });

    const load = report.scenario!.load!;
    expect(load.standardized.tool).toBe('routebench');
    expect(load.standardized.rate_qps).toBe(40);
    expect(load.standardized.source).toBe('random');
    expect(load.metadata.cfg_id).toMatch(/^[0-9a-f]{64}$/);
    expect(load.standardized.input_seq_len.value).toBeCloseTo(summary.counters.tokens.prompt / summary.counts.finished, 9);

    const agg0 = report.results.request_performance!.aggregate!;
    expect(agg0.requests).toMatchObject({ total: summary.counts.sent, failures: summary.counts.error, incomplete: 0 });
    expect(summary.counts.error).toBeGreaterThan(0);

    const o = summary.dimensions.overall;
    // Seconds, as llm-d-prism reads them (the summary is in ms).
    const ttft = agg0.latency!.time_to_first_token!;
    expect(ttft.units).toBe('s');
    expect(ttft.mean).toBeCloseTo(o.ttft.mean! / 1000, 12);
    expect(ttft.p50).toBeCloseTo(o.ttft.p50! / 1000, 12);
    expect(ttft.p90).toBeCloseTo(o.ttft.p90! / 1000, 12);
    expect(ttft.p99).toBeCloseTo(o.ttft.p99! / 1000, 12);
    expect(ttft.p99p9).toBeCloseTo(o.ttft.p999! / 1000, 12);
    expect(ttft.min).toBeCloseTo(o.ttft.min! / 1000, 12);
    expect(ttft.max).toBeCloseTo(o.ttft.max! / 1000, 12);
    // Percentiles the summary does not list are recomputed from the histogram.
    const h = decodeHistogram(o.ttft.hist, 'ms');
    expect(ttft.p25).toBeCloseTo(h.hdr.getValueAtPercentile(25) / 1e6, 12);
    expect(ttft.p25!).toBeLessThan(ttft.p50!);
    expect(ttft.stddev!).toBeGreaterThan((0.1 * AGG_SPEC.ttftMeanMs * 0.5) / 1000);
    expect(ttft.stddev!).toBeLessThan((0.15 * AGG_SPEC.ttftMeanMs * 2) / 1000);
    expect(agg0.latency!.inter_token_latency).toMatchObject({ units: 's/token' });
    expect(agg0.latency!.inter_token_latency!.p50).toBeCloseTo(o.itl.p50! / 1000, 12);
    expect(agg0.latency!.time_per_output_token!.mean).toBeCloseTo(o.tpot.mean! / 1000, 12);
    expect(agg0.latency!.request_latency!.p99).toBeCloseTo(o.e2e.p99! / 1000, 12);

    expect(agg0.throughput!.output_token_rate).toEqual({ units: 'tokens/s', mean: summary.rates.outputTokensPerS });
    expect(agg0.throughput!.request_rate).toEqual({ units: 'queries/s', mean: summary.rates.requestsPerS });

    const ts = report.results.request_performance!.time_series!;
    // The seconds that overlap the measured window [first send, last end) (here: all of them, no warm-up).
    const w = summary.window!;
    const buckets = summary.timeseries.buckets.filter((b) => b.t * 1000 < w.lastEndMs && (b.t + 1) * 1000 > w.firstSentMs);
    expect(buckets.length).toBeGreaterThan(5);
    expect(ts.throughput!.request_rate!.series).toHaveLength(buckets.length);
    expect(ts.throughput!.request_rate!.series[0].ts).toBe(summary.meta.startedAt);
    expect(ts.throughput!.output_token_rate!.series.map((p) => p.value)).toEqual(buckets.map((b) => b.outputTokens));
    const completed = ts.throughput!.request_rate!.series.reduce((n, p) => n + (p.value as number), 0);
    expect(completed).toBe(summary.counts.finished);
  });

  it('writes JSON and YAML that hold the same report', () => {
    const json = JSON.parse(formatLlmdReport(agg, 'json'));
    const yaml = parseYaml(formatLlmdReport(agg, 'yaml'));
    expect(yaml).toEqual(json);
    expect(validateLlmdReport(yaml)).toEqual(json);
    expect(json.version).toBe('0.2.1');
  });

  it('records closed-loop concurrency and a caller-supplied stack', () => {
    const summary = withLoad(agg, { type: 'concurrency', concurrency: 16, requests: 400 });
    const report = summaryToLlmdReport(summary, {
      uid: 'run-1',
      stack: [
        {
          metadata: { label: 'vllm-decode', cfg_id: 'abc' },
          standardized: {
            kind: 'inference_engine', tool: 'vllm', tool_version: 'v0.11.0', role: 'decode', replicas: 3,
            model: { name: AGG_SPEC.model },
            accelerator: { model: 'NVIDIA-GH200', count: 3, parallelism: { tp: 1 } },
          },
          native: { args: { 'max-model-len': 8192 } },
        },
        { metadata: { label: 'EPP', cfg_id: 'def' }, standardized: { kind: 'generic', tool: 'request_router', tool_version: '', anything: 1 }, native: {} },
      ],
    });
    expect(report.run.uid).toBe('run-1');
    expect(report.scenario!.load!.standardized.concurrency).toBe(16);
    expect(report.scenario!.load!.standardized.rate_qps).toBeUndefined();
    // Upstream defaults are filled in, as pydantic would.
    expect(report.scenario!.stack![0].metadata.schema_version).toBe('0.0.1');
    const std = report.scenario!.stack![0].standardized;
    expect(std.kind === 'inference_engine' && std.accelerator.parallelism).toEqual({ tp: 1, dp: 1, dp_local: 1, workers: 1, ep: 1, pp: 1 });
  });

  it('exports a run with no finished request (latencies left out, still valid)', async () => {
    const empty = await summarizeRecords([], {
      scenario: 'empty',
      target: 'http://127.0.0.1:1',
      startedAt: '2026-01-15T10:00:00.000Z',
      endedAt: '2026-01-15T10:00:01.000Z',
    });
    const report = summaryToLlmdReport(empty);
    expect(report.results.request_performance!.aggregate!.latency).toEqual({});
    expect(report.results.request_performance!.aggregate!.requests!.total).toBe(0);
  });

  it('rejects bad options with the field named', () => {
    expect(() => summaryToLlmdReport(agg, { source: 'dataset' as never })).toThrow(/source/);
    expect(() =>
      summaryToLlmdReport(agg, {
        stack: [{ metadata: { label: 'x', cfg_id: 'y' }, standardized: { kind: 'inference_engine', tool: 'vllm', tool_version: '1', role: 'router', replicas: 1, model: { name: 'm' }, accelerator: { model: 'a', count: 1, parallelism: {} } }, native: {} }] as never,
      }),
    ).toThrow(/stack\[0\]\.standardized\.role/);
  });
});

describe('the schema mirror can fail', () => {
  const good = () => JSON.parse(formatLlmdReport(agg, 'json'));

  it('rejects a latency in the wrong unit family', () => {
    const r = good();
    r.results.request_performance.aggregate.latency.inter_token_latency.units = 'ms';
    expect(() => validateLlmdReport(r)).toThrow(/inter_token_latency\.units/);
  });

  it('rejects unknown keys where upstream forbids extras, and missing required fields', () => {
    const extra = good();
    extra.results.verdicts = [];
    expect(() => validateLlmdReport(extra)).toThrow(/verdicts/);
    const typo = good();
    typo.results.request_performance.aggregate.latency.time_to_first_token.P25 = 1;
    expect(() => validateLlmdReport(typo)).toThrow(/P25/);
    const noUid = good();
    delete noUid.run.uid;
    expect(() => validateLlmdReport(noUid)).toThrow(/run\.uid/);
    const noMean = good();
    delete noMean.results.request_performance.aggregate.throughput.request_rate.mean;
    expect(() => validateLlmdReport(noMean)).toThrow(/request_rate\.mean/);
    const badTs = good();
    badTs.results.request_performance.time_series.throughput.request_rate.series[0].ts = 'yesterday';
    expect(() => validateLlmdReport(badTs)).toThrow(/ts/);
  });

  it('allows extras where upstream does (observability, generic components)', () => {
    const r = good();
    r.results.observability = { epp: { anything: true } };
    expect(() => validateLlmdReport(r)).not.toThrow();
  });
});

describe('run identity', () => {
  it('derives eid as a UUID5 of the run (stable across exports, different for another run) and a description', async () => {
    const a = summaryToLlmdReport(agg);
    const again = summaryToLlmdReport(structuredClone(agg));
    expect(a.run.eid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(again.run.eid).toBe(a.run.eid);
    expect(again.run.uid).toBe(a.run.uid);
    const other = structuredClone(agg);
    other.meta.startedAt = new Date(Date.parse(agg.meta.startedAt) + 1).toISOString();
    expect(summaryToLlmdReport(other).run.eid).not.toBe(a.run.eid);
    // Upstream's default label is `<model> [<experiment id>]`; ours names the scenario and start.
    expect(a.run.description).toBe(`${AGG_SPEC.model} [${agg.meta.scenario} ${agg.meta.startedAt}]`);
    expect(summaryToLlmdReport(agg, { description: 'prefix routing, 3 pods' }).run.description).toBe('prefix routing, 3 pods');
  });

  it('computes UUID5 as Python does (RFC 4122 appendix-style vector: uuid5(NAMESPACE_DNS, "python.org"))', () => {
    // The value Python's documentation prints for uuid.uuid5(uuid.NAMESPACE_DNS, 'python.org').
    expect(uuid5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'python.org')).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
    expect(UUID_NAMESPACE_URL).toBe('6ba7b811-9dad-11d1-80b4-00c04fd430c8');
  });
});

describe('downsample (port of upstream timeseries.py)', () => {
  it('keeps short series whole and decimates long ones to at most maxPoints, first and last kept, in order', () => {
    const short = Array.from({ length: 200 }, (_, i) => i);
    expect(downsample(short, 256)).toEqual(short);
    for (const n of [257, 300, 1000, 12_345]) {
      const pts = Array.from({ length: n }, (_, i) => i);
      const d = downsample(pts, 256);
      expect(d.length).toBeLessThanOrEqual(256);
      expect(d.length).toBeGreaterThan(250);
      expect(d[0]).toBe(0);
      expect(d[d.length - 1]).toBe(n - 1);
      for (let i = 1; i < d.length; i++) expect(d[i]!).toBeGreaterThan(d[i - 1]!);
      // Uniform stride: no gap is more than one index wider than the stride.
      const stride = (n - 1) / 255;
      for (let i = 1; i < d.length; i++) expect(d[i]! - d[i - 1]!).toBeLessThanOrEqual(Math.ceil(stride) + 1);
    }
  });
});

/**
 * Metrics evidence as the collector writes it, for a summary: two pods and an EPP scraped every `everyMs` on the
 * collector clock (origin 5000 ms, its epoch 40 ms before the run's), from before the run to after it.
 */
function withMetrics(s: Summary, opts: { everyMs: number; resets?: number; failAfter?: string }): Summary {
  const copy = structuredClone(s);
  const runStart = Date.parse(copy.meta.startedAt);
  const origin = 5000;
  const epoch0 = runStart - 40;
  const endRun = copy.window!.lastEndMs + 3000;
  const times: number[] = [];
  for (let t = origin; t - origin + epoch0 - runStart <= endRun; t += opts.everyMs) times.push(t);
  const gauge = (metric: string, f: (i: number) => number | null, labels: Record<string, string> = {}) => ({
    metric, exposedAs: metric, labels, points: times.map((t, i) => [t, f(i)] as [number, number | null]),
  });
  const pod = (name: string, role: string) => ({
    name, role, address: null, url: `http://127.0.0.1/${name}`, scrapesOk: times.length, scrapesFailed: 0, complete: true,
    counters: [{ metric: 'vllm:prompt_tokens', exposedAs: 'vllm:prompt_tokens_total', labels: {}, before: 0, after: 10, delta: 10, resets: name === 'decode-0' ? (opts.resets ?? 0) : 0 }],
    histograms: [],
    gauges: [
      gauge('vllm:kv_cache_usage_perc', (i) => (i % 100) / 100),
      gauge('vllm:num_requests_running', (i) => i % 7),
      gauge('vllm:num_requests_waiting', (i) => (i % 11 === 0 ? null : i % 3)),
    ],
  });
  const metrics: MetricsEvidence = {
    schemaVersion: 1,
    startedAtEpochMs: epoch0,
    window: { startMs: origin, endMs: times[times.length - 1]! },
    intervalMs: opts.everyMs,
    sources: [
      {
        name: 'sim', kind: 'static',
        targets: [
          pod('decode-0', 'decode'),
          pod('decode-1', 'decode'),
          {
            name: 'epp', role: 'epp', address: null, url: 'http://127.0.0.1/epp', scrapesOk: times.length, scrapesFailed: 0, complete: true,
            counters: [], histograms: [],
            // Two pools on one EPP: ready pods add up, averages average.
            gauges: [gauge('inference_pool_ready_pods', () => 2, { name: 'a' }), gauge('inference_pool_ready_pods', () => 1, { name: 'b' }),
              gauge('inference_pool_average_queue_size', () => 4, { name: 'a' }), gauge('inference_pool_average_queue_size', () => 2, { name: 'b' })],
          },
        ],
        errors: opts.failAfter ? [{ target: opts.failAfter, phase: 'after', atMs: times[times.length - 1]!, message: 'connect ECONNREFUSED' }] : [],
      },
    ],
  };
  copy.extra = { ...copy.extra, metrics };
  return copy;
}

describe('observability.components[].time_series', () => {
  it('puts one component per scraped target, clipped to the measured window and at most 256 points per series', () => {
    const s = withMetrics(agg, { everyMs: 20, resets: 2, failAfter: 'decode-1' });
    const report = summaryToLlmdReport(s);
    const runStart = Date.parse(s.meta.startedAt);
    const w = s.window!;
    const m = s.extra.metrics as MetricsEvidence;
    const epochOf = (t: number) => m.startedAtEpochMs + (t - m.window.startMs);
    const inWindow = (t: number) => epochOf(t) - runStart >= w.firstSentMs && epochOf(t) - runStart < w.lastEndMs;

    const obs = report.results.observability!;
    const comps = obs.components!;
    expect(comps.map((c) => [c.component_label, c.replica_id])).toEqual([['decode-engine', 'decode-0'], ['decode-engine', 'decode-1'], ['epp', 'epp']]);
    const kvSource = m.sources[0]!.targets[0]!.gauges[0]!.points.filter(([t]) => inWindow(t));
    expect(kvSource.length).toBeGreaterThan(LLMD_TS_MAX_POINTS);
    const kv = comps[0]!.time_series!.kv_cache_usage!;
    expect(kv.units).toBe('fraction');
    expect(kv.series.length).toBeLessThanOrEqual(LLMD_TS_MAX_POINTS);
    expect(kv.series[0]).toEqual({ ts: new Date(epochOf(kvSource[0]![0])).toISOString(), value: kvSource[0]![1] });
    expect(kv.series.at(-1)).toEqual({ ts: new Date(epochOf(kvSource.at(-1)![0])).toISOString(), value: kvSource.at(-1)![1] });
    for (const c of comps) {
      for (const data of Object.values(c.time_series!)) {
        expect(data!.series.length).toBeLessThanOrEqual(LLMD_TS_MAX_POINTS);
        for (const p of data!.series) {
          const at = Date.parse(p.ts) - runStart;
          expect(at).toBeGreaterThanOrEqual(Math.floor(w.firstSentMs));
          expect(at).toBeLessThan(Math.ceil(w.lastEndMs));
        }
      }
    }
    // NaN gauge values (null) are dropped, not sent as values.
    expect(comps[0]!.time_series!.num_requests_waiting!.series.every((p) => typeof p.value === 'number')).toBe(true);
    const epp = comps[2]!.time_series!;
    expect(new Set(epp.pool_ready_pods!.series.map((p) => p.value))).toEqual(new Set([3]));
    expect(new Set(epp.pool_avg_queue_size!.series.map((p) => p.value))).toEqual(new Set([3]));
    // The clip is recorded beside the series, as upstream does.
    const gaugesInWindow = m.sources[0]!.targets.flatMap((t) => {
      const byMetric = new Map<string, Set<number>>();
      for (const g of t.gauges) for (const [time, v] of g.points) if (v !== null && inWindow(time)) (byMetric.get(g.metric) ?? byMetric.set(g.metric, new Set()).get(g.metric)!).add(time);
      return [...byMetric.values()].map((x) => x.size);
    });
    expect(obs.time_series_interval).toMatchObject({
      scope: 'run',
      start: new Date(runStart + w.firstSentMs).toISOString(),
      end: new Date(runStart + w.lastEndMs).toISOString(),
      datapoints: gaugesInWindow.reduce((a, b) => a + b, 0),
    });

    // Statistics of the in-window samples (before downsampling): the component's aggregate and upstream's
    // per-metric entry that llm-d-prism reads (observability.vllm_kv_cache_usage_perc.aggregated).
    const kvValues = kvSource.map(([, v]) => v as number);
    const mean = kvValues.reduce((a, b) => a + b, 0) / kvValues.length;
    const sorted = [...kvValues].sort((a, b) => a - b);
    const agg0 = comps[0]!.aggregate!.kv_cache_usage!;
    expect(agg0).toMatchObject({ units: 'fraction', min: sorted[0], max: sorted.at(-1) });
    expect(agg0.mean).toBeCloseTo(mean, 12);
    expect(agg0.p50).toBeGreaterThanOrEqual(sorted[Math.floor((sorted.length - 1) / 2)]!);
    expect(agg0.p50).toBeLessThanOrEqual(sorted[Math.ceil((sorted.length - 1) / 2)]!);
    expect(comps[0]!.aggregate!.running_requests!.units).toBe('count');
    expect(comps[2]!.aggregate).toBeUndefined();
    const perMetric = (obs as Record<string, any>).vllm_kv_cache_usage_perc;
    expect(perMetric.components.map((c: { pod: string; role: string; component_id: string }) => [c.pod, c.role, c.component_id])).toEqual([['decode-0', 'decode', 'decode-engine'], ['decode-1', 'decode', 'decode-engine']]);
    expect(perMetric.components[0].statistics.mean).toBeCloseTo(mean, 12);
    // Both pods scrape the same values here, so the pooled mean is the same.
    expect(perMetric.aggregated.mean).toBeCloseTo(mean, 12);
    expect((obs as Record<string, any>).epp_pool_ready_pods.aggregated.mean).toBe(3);

    // Health: restarts from counter resets; decode-1 missed the final scrape.
    expect(report.results.component_health).toEqual([
      {
        component_label: 'decode-engine', total_restarts: 2, failed_replicas: 2,
        replica_health: [{ replica_id: 'decode-0', restarts: 2, healthy: true }, { replica_id: 'decode-1', restarts: 0, healthy: false }],
      },
      { component_label: 'epp', total_restarts: 0, failed_replicas: 0, replica_health: [{ replica_id: 'epp', restarts: 0, healthy: true }] },
    ]);
    expect(LlmdBenchmarkReportSchema.safeParse(report).success).toBe(true);
  });

  it('says when the run scraped nothing, and leaves components and health out', () => {
    const report = summaryToLlmdReport(agg);
    expect(report.results.observability).toEqual({ time_series_interval: { scope: 'unavailable' } });
    expect(report.results.component_health).toBeUndefined();
  });

  it('rejects metrics evidence it cannot read, naming the field', () => {
    const bad = structuredClone(agg);
    bad.extra = { metrics: { schemaVersion: 1, sources: 'x' } };
    try {
      summaryToLlmdReport(bad);
      expect.unreachable();
    } catch (e) {
      expect(isRoutebenchError(e, 'RB_INPUT_INVALID') && e.field).toBe('extra.metrics');
    }
  });
});

describe('a stages load: one report per stage', () => {
  it('clips each stage report to its stage and takes its requests from the stage dimension', async () => {
    const spec = { ...AGG_SPEC, seed: 'stages', requests: 300, rate: 30 };
    const splitMs = 5000;
    const records = syntheticRecords(spec).map((r) => ({ ...r, stage: r.times.intended < splitMs ? 0 : 1 }));
    const last = Math.max(...records.map((r) => r.times.end));
    const s0 = await summarizeRecords(records, {
      scenario: 'staged', target: 'http://127.0.0.1:8080', startedAt: '2026-01-15T10:00:00.000Z',
      endedAt: new Date(Date.parse('2026-01-15T10:00:00.000Z') + last).toISOString(), seed: spec.seed,
      load: LoadSpecSchema.parse({ type: 'stages', stages: [{ type: 'poisson', rate: 30, durationS: splitMs / 1000 }, { type: 'concurrency', concurrency: 8, durationS: 3 }] }),
    });
    const s = withMetrics(s0, { everyMs: 50 });
    const reports = summaryToLlmdReports(s);
    expect(reports.map((r) => r.scenario!.load!.standardized.stage)).toEqual([0, 1]);
    expect(new Set(reports.map((r) => r.run.eid)).size).toBe(1);
    expect(new Set(reports.map((r) => r.run.uid)).size).toBe(2);
    const runStart = Date.parse(s.meta.startedAt);
    const w = s.window!;
    // The last stage's schedule ends at 8 s, before its last request does: its report runs to the last end.
    expect(w.lastEndMs).toBeGreaterThan(splitMs + 3000 + 500);
    const bounds = [[w.firstSentMs, splitMs], [splitMs, w.lastEndMs]] as const;
    reports.forEach((r, i) => {
      const dim = s.dimensions[`stage:${i}`]!;
      expect(r.results.request_performance!.aggregate!.requests!.total).toBe(dim.count);
      expect(r.results.request_performance!.aggregate!.latency!.time_to_first_token!.mean).toBeCloseTo(dim.ttft.mean! / 1000, 12);
      const [a, b] = bounds[i]!;
      expect(r.run.time!.start).toBe(new Date(runStart + a).toISOString());
      expect(r.run.time!.end).toBe(new Date(runStart + b).toISOString());
      for (const c of r.results.observability!.components!) {
        for (const data of Object.values(c.time_series!)) {
          for (const p of data!.series) {
            const at = Date.parse(p.ts) - runStart;
            expect(at).toBeGreaterThanOrEqual(Math.floor(a));
            expect(at).toBeLessThan(Math.ceil(b));
          }
        }
      }
      expect((r.results.observability as { time_series_interval: { scope: string } }).time_series_interval.scope).toBe('stage');
    });
    expect(reports[0]!.scenario!.load!.standardized.rate_qps).toBe(30);
    expect(reports[1]!.scenario!.load!.standardized.concurrency).toBe(8);
    expect(reports[0]!.results.request_performance!.aggregate!.requests!.total + reports[1]!.results.request_performance!.aggregate!.requests!.total).toBe(s.counts.finished);
    expect(() => summaryToLlmdReport(s, { stage: 2 })).toThrow(/stage 2/);
  });
});
