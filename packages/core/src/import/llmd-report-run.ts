// `routebench import llmd-report FILE`: an llm-d-benchmark Benchmark Report (v0.2 / v0.2.1, YAML or JSON) → a
// routebench run folder holding a summary of its aggregate figures (a report has no per-request data).
//
// Schema read at llm-d/llm-d-benchmark@8bc9f1ddd873a24f1657d6cca2e0d0fb6947dd36,
// llmdbenchmark/analysis/benchmark_report/schema_v0_2.py (v0.2) and schema_v0_2_1.py (v0.2.1: an additive superset
// of v0.2 — multimodal request statistics, image/video/audio rates, serving time series — none of which this
// import needs). Fields read:
//   version                                        "0.2" | "0.2.1"
//   run.uid, run.eid, run.time.{start,end,duration} duration is ISO 8601 (e.g. PT49.97S)
//   scenario.load.standardized.{tool,tool_version,rate_qps,stage}, scenario.stack[].standardized.model.name
//   results.request_performance.aggregate.requests.{total,failures,incomplete}
//   results.request_performance.aggregate.latency.{time_to_first_token,time_per_output_token,
//     inter_token_latency,request_latency}: Statistics {units, mean, min, p0p1…p50…p99, p99p9, max}
//     units ms | s | ms/token | s/token (base.py Units)
//   results.request_performance.aggregate.throughput.{request_rate,output_token_rate,input_token_rate}.mean
//   results.observability.epp_request_distribution (v0.2.1 example: requests per pod, kept in extra)
// The parse is lenient: unknown fields and versions' additions pass; a known field of the wrong type is an error
// naming it. The upstream models forbid extra fields (MODEL_CONFIG extra="forbid"); we do not, so a report from a
// newer minor revision still imports.
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { RoutebenchError } from '../errors.ts';
import { parseSource, readSourceData, writeAggregateRun, type AggregateLatency, type ImportResult, type ImportSource } from './imported-run.ts';

const loose = <T extends z.ZodRawShape>(shape: T) => z.looseObject(shape);
const opt = <T extends z.ZodType>(t: T) => t.nullable().optional();
const n = opt(z.number());

const StatisticsSchema = loose({
  units: z.string(),
  mean: z.number(),
  min: n,
  p50: n,
  p90: n,
  p95: n,
  p99: n,
  p99p9: n,
  max: n,
});
type Statistics = z.infer<typeof StatisticsSchema>;

// YAML dates (run.time.start) arrive as strings from the yaml package's core schema; JSON ones always do.
const DateLike = z.union([z.string(), z.date()]);

export const LlmdReportImportSchema = loose({
  version: z.union([z.string(), z.number()]).transform(String),
  run: loose({
    uid: opt(z.string()),
    eid: opt(z.string()),
    description: opt(z.string()),
    time: opt(loose({ start: opt(DateLike), end: opt(DateLike), duration: opt(z.string()) })),
  }),
  scenario: opt(
    loose({
      load: opt(
        loose({
          standardized: opt(loose({ tool: opt(z.string()), tool_version: opt(z.union([z.string(), z.number()]).transform(String)), rate_qps: n, stage: n })),
          native: opt(loose({ config: z.unknown().optional() })),
        }),
      ),
      stack: opt(z.array(loose({ standardized: opt(loose({ model: opt(loose({ name: opt(z.string()) })) })) }))),
    }),
  ),
  results: loose({
    request_performance: opt(
      loose({
        aggregate: opt(
          loose({
            requests: opt(loose({ total: z.number().int().nonnegative(), failures: n, incomplete: n, input_length: opt(StatisticsSchema), output_length: opt(StatisticsSchema) })),
            latency: opt(
              loose({
                time_to_first_token: opt(StatisticsSchema),
                normalized_time_per_output_token: opt(StatisticsSchema),
                time_per_output_token: opt(StatisticsSchema),
                inter_token_latency: opt(StatisticsSchema),
                request_latency: opt(StatisticsSchema),
              }),
            ),
            throughput: opt(
              loose({
                input_token_rate: opt(StatisticsSchema),
                output_token_rate: opt(StatisticsSchema),
                total_token_rate: opt(StatisticsSchema),
                request_rate: opt(StatisticsSchema),
              }),
            ),
          }),
        ),
      }),
    ),
    observability: opt(loose({ epp_request_distribution: z.unknown().optional() })),
  }),
});
export type LlmdReportImport = z.infer<typeof LlmdReportImportSchema>;

/** Units of a latency statistic → factor to ms; null for a unit that is not a time. */
function msFactor(units: string): number | null {
  switch (units) {
    case 'ms':
    case 'ms/token':
      return 1;
    case 's':
    case 's/token':
      return 1000;
    default:
      return null;
  }
}

function latency(s: Statistics | null | undefined, file: string, field: string): AggregateLatency | null {
  if (!s) return null;
  const f = msFactor(s.units);
  if (f === null) throw new RoutebenchError('RB_INPUT_INVALID', `${file}: ${field}.units is "${s.units}", not a time unit (ms, s, ms/token, s/token)`, { field: `${file}:${field}.units` });
  const g = (x: number | null | undefined) => (typeof x === 'number' ? x * f : null);
  return { p50: g(s.p50), p90: g(s.p90), p95: g(s.p95), p99: g(s.p99), p999: g(s.p99p9), mean: g(s.mean), min: g(s.min), max: g(s.max) };
}

/** ISO 8601 duration (PnDTnHnMnS, as pydantic/isodate write timedelta) → seconds; null when not of that form. */
export function isoDurationSeconds(d: string): number | null {
  const m = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(d.trim());
  if (!m || d.trim() === 'P' || d.trim() === 'PT') return null;
  const [, days, h, min, s] = m;
  return Number(days ?? 0) * 86400 + Number(h ?? 0) * 3600 + Number(min ?? 0) * 60 + Number(s ?? 0);
}

function iso(d: string | Date | null | undefined): string | null {
  if (d === null || d === undefined) return null;
  const t = d instanceof Date ? d.getTime() : Date.parse(d);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

export interface LlmdReportImportOptions {
  force?: boolean;
}

/** Import a Benchmark Report (v0.2 / v0.2.1) into a run folder with an aggregate-only summary. */
export async function importLlmdReport(file: string, outDir: string, opts: LlmdReportImportOptions = {}): Promise<ImportResult> {
  if (!existsSync(file)) throw new RoutebenchError('RB_INPUT_INVALID', `${file}: no such file`, { field: file });
  const report = parseSource(LlmdReportImportSchema, readSourceData(file, 'benchmark report', { yaml: true }), file, 'llm-d-benchmark Benchmark Report');
  if (!/^0\.2(\.\d+)?$/.test(report.version)) {
    throw new RoutebenchError('RB_INPUT_INVALID', `${file}: Benchmark Report version ${report.version} is not supported (0.2 and 0.2.x are)`, { field: `${file}:version` });
  }
  const agg = report.results.request_performance?.aggregate;
  if (!agg?.requests) {
    throw new RoutebenchError('RB_INPUT_INVALID', `${file}: results.request_performance.aggregate.requests is missing: the report has no request figures to import`, {
      field: `${file}:results.request_performance.aggregate.requests`,
    });
  }
  const at = (k: string) => `results.request_performance.aggregate.latency.${k}`;
  const total = agg.requests.total;
  const failures = Math.round(agg.requests.failures ?? 0);
  const lat = agg.latency;
  const start = iso(report.run.time?.start);
  const end = iso(report.run.time?.end);
  const durationFromIso = report.run.time?.duration ? isoDurationSeconds(report.run.time.duration) : null;
  const durationS = durationFromIso ?? (start && end ? Math.max(0, (Date.parse(end) - Date.parse(start)) / 1000) : null);
  const startedAt = start ?? new Date(0).toISOString();
  const endedAt = end ?? new Date(Date.parse(startedAt) + (durationS ?? 0) * 1000).toISOString();
  const load = report.scenario?.load?.standardized;
  const model = report.scenario?.stack?.map((c) => c.standardized?.model?.name).find((m): m is string => typeof m === 'string') ?? null;
  const tp = agg.throughput;
  const native = report.scenario?.load?.native?.config as { server?: { base_url?: unknown } } | undefined;
  const target = typeof native?.server?.base_url === 'string' ? native.server.base_url : 'unknown';

  const source: ImportSource = {
    tool: 'llm-d-benchmark',
    toolVersion: null,
    format: `benchmark report v${report.version}`,
    files: [file],
    perRequest: false,
    notes: [
      'a Benchmark Report holds aggregate statistics only: no requests.jsonl; histograms are empty, so percentiles cannot be recomputed or merged',
      'pods and per-pod figures are not in the report: `judge` cannot attribute requests of this run',
      'token totals are not in the report (only per-request length statistics): tokens read 0',
      ...(start === null ? ['the report has no run.time.start: startedAt is a placeholder (1970-01-01T00:00:00Z)'] : []),
      ...(durationFromIso === null && report.run.time?.duration ? [`run.time.duration "${report.run.time.duration}" is not an ISO 8601 duration: duration from start/end`] : []),
    ],
  };
  const extra = {
    llmdReport: {
      version: report.version,
      uid: report.run.uid ?? null,
      eid: report.run.eid ?? null,
      description: report.run.description ?? null,
      loadGenerator: load ? { tool: load.tool ?? null, toolVersion: load.tool_version ?? null, stage: load.stage ?? null, rateQps: load.rate_qps ?? null } : null,
      model,
      incomplete: agg.requests.incomplete ?? null,
      inputLength: agg.requests.input_length ?? null,
      outputLength: agg.requests.output_length ?? null,
      eppRequestDistribution: report.results.observability?.epp_request_distribution ?? null,
    },
  };
  return writeAggregateRun(
    outDir,
    {
      requests: total,
      ok: Math.max(0, total - failures),
      errors: failures,
      durationS,
      requestsPerS: tp?.request_rate?.mean ?? (durationS ? total / durationS : null),
      outputTokensPerS: tp?.output_token_rate?.mean ?? null,
      promptTokensPerS: tp?.input_token_rate?.mean ?? null,
      requestedRate: load?.rate_qps ?? null,
      ttft: latency(lat?.time_to_first_token, file, at('time_to_first_token')),
      itl: latency(lat?.inter_token_latency, file, at('inter_token_latency')),
      tpot: latency(lat?.time_per_output_token, file, at('time_per_output_token')),
      e2e: latency(lat?.request_latency, file, at('request_latency')),
    },
    { scenario: `llmd-report:${report.run.uid ?? 'run'}`, target, startedAt, endedAt, ...(model ? { tokenizer: model } : {}) },
    source,
    extra,
    { force: opts.force },
  );
}
