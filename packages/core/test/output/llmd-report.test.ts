import { parse as parseYaml } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeHistogram } from '../../src/record/histogram.ts';
import { formatLlmdReport, LlmdBenchmarkReportSchema, summaryToLlmdReport, validateLlmdReport } from '../../src/output/llmd-report.ts';
import { LoadSpecSchema } from '../../src/load/load-spec.ts';
import { type Summary } from '../../src/record/summary.ts';
import { summarizeRecords } from '../../src/record/summarize-records.ts';
import { AGG_SPEC, syntheticSummary } from './synthetic-runs.ts';

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
  it('produces a v0.2 report that validates against the schema mirror and carries the summary’s numbers', () => {
    const summary = withLoad(agg, { type: 'poisson', rate: 40, requests: 400 });
    const report = summaryToLlmdReport(summary, { eid: 'agg-vs-pd', source: 'random', keywords: ['aggregated'] });
    expect(LlmdBenchmarkReportSchema.safeParse(report).success).toBe(true);
    expect(report.version).toBe('0.2');
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
    const ttft = agg0.latency!.time_to_first_token!;
    expect(ttft.units).toBe('ms');
    expect(ttft.mean).toBeCloseTo(o.ttft.mean!, 9);
    expect(ttft.p50).toBeCloseTo(o.ttft.p50!, 9);
    expect(ttft.p90).toBeCloseTo(o.ttft.p90!, 9);
    expect(ttft.p99).toBeCloseTo(o.ttft.p99!, 9);
    expect(ttft.p99p9).toBeCloseTo(o.ttft.p999!, 9);
    expect(ttft.min).toBeCloseTo(o.ttft.min!, 9);
    expect(ttft.max).toBeCloseTo(o.ttft.max!, 9);
    // Percentiles the summary does not list are recomputed from the histogram.
    const h = decodeHistogram(o.ttft.hist, 'ms');
    expect(ttft.p25).toBeCloseTo(h.hdr.getValueAtPercentile(25) / 1000, 9);
    expect(ttft.p25!).toBeLessThan(ttft.p50!);
    expect(ttft.stddev!).toBeGreaterThan(0.1 * AGG_SPEC.ttftMeanMs * 0.5);
    expect(ttft.stddev!).toBeLessThan(0.15 * AGG_SPEC.ttftMeanMs * 2);
    expect(agg0.latency!.inter_token_latency).toMatchObject({ units: 'ms/token' });
    expect(agg0.latency!.inter_token_latency!.p50).toBeCloseTo(o.itl.p50!, 9);
    expect(agg0.latency!.time_per_output_token!.mean).toBeCloseTo(o.tpot.mean!, 9);
    expect(agg0.latency!.request_latency!.p99).toBeCloseTo(o.e2e.p99!, 9);

    expect(agg0.throughput!.output_token_rate).toEqual({ units: 'tokens/s', mean: summary.rates.outputTokensPerS });
    expect(agg0.throughput!.request_rate).toEqual({ units: 'queries/s', mean: summary.rates.requestsPerS });

    const ts = report.results.request_performance!.time_series!;
    const buckets = summary.timeseries.buckets;
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
    expect(json.version).toBe('0.2');
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
