// A zod mirror of llm-d-benchmark's Benchmark Report v0.2.1 (and v0.2, which it extends), used to validate
// what llmd-report.ts exports and what an importer reads. All files read at one commit:
//   llm-d/llm-d-benchmark @ 8bc9f1ddd873a24f1657d6cca2e0d0fb6947dd36, llmdbenchmark/analysis/benchmark_report/
//     schema_v0_2_1.py            (last changed d61bdbc8: engine/router time series; 3b7decff: multi-modal)
//     schema_v0_2.py              (last changed 2a46f34c)
//     schema_v0_2_components.py   (last changed 022737aa)
//     base.py                     (last changed 764fa2e7: Units, UNITS_* families, UnitsValidatedModel)
//     br_v0_2_1_json_schema.json  (last changed d61bdbc8; copied to test/fixtures/llmd-report/, where a test
//                                  checks this mirror has the same objects, fields and required fields)
// v0.2.1 is "an additive minor revision of v0.2": every field it adds is optional, so a v0.2 report is valid
// content under v0.2.1 (upstream's own words, schema_v0_2_1.py docstring). Upstream still dispatches on the
// `version` string (core.py: "0.2" → BenchmarkReportV02, "0.2.1" → BenchmarkReportV021), and so does
// validateAnyLlmdReport here; v0.2 must not carry the v0.2.1 fields (its models forbid extra keys).
//
// Deliberate differences, all STRICTER than upstream so our own mistakes show up:
// - Optional fields are `.optional()`, not nullable: upstream's dump() uses exclude_none, so a report never holds null.
// - Statistics has no model_config upstream (pydantic ignores unknown keys there); here it rejects unknown keys,
//   catching typos like `P25`.
// - `version` is required (upstream defaults it to the model's version): it is what picks the schema.
// Everything upstream forbids (extra="forbid") is forbidden here too; Observability and the `generic` component
// allow extra keys, as upstream does. The unit checks of upstream's model validators (hand-written check_units in
// v0.2, UNIT_RULES in v0.2.1) are mirrored per field.
import { z } from 'zod';
import { RoutebenchError } from '../errors.ts';

/** The version routebench exports (the one llm-d-prism reads: it accepts "0.2" and "0.2.*"). */
export const LLMD_REPORT_VERSION = '0.2.1';
export const LLMD_REPORT_VERSIONS = ['0.2', '0.2.1'] as const;
export type LlmdReportVersion = (typeof LLMD_REPORT_VERSIONS)[number];

// base.py Units (one enum for every version).
export const UNITS = [
  'count', 'pixels', 'percent', 'fraction', 'ratio', 'ms', 's',
  'bytes', 'MB', 'GB', 'TB', 'MiB', 'GiB', 'TiB',
  'Mbit/s', 'Gbit/s', 'Tbit/s', 'GiB/s', 'MB/s', 'GB/s', 'TB/s',
  'ms/token', 's/token', 'tokens/s', 'queries/s', 'images/s', 'videos/s', 'audios/s', 'Watts',
] as const;
// base.py UNITS_* families.
const UNITS_QUANTITY = ['count', 'pixels'] as const;
const UNITS_PORTION = ['percent', 'fraction'] as const;
const UNITS_RATIO = ['ratio'] as const;
const UNITS_TIME = ['ms', 's'] as const;
const UNITS_MEMORY = ['bytes', 'MB', 'GB', 'TB', 'MiB', 'GiB', 'TiB'] as const;
const UNITS_GEN_LATENCY = ['ms/token', 's/token'] as const;
const UNITS_GEN_THROUGHPUT = ['tokens/s'] as const;
const UNITS_REQUEST_THROUGHPUT = ['queries/s'] as const;
const UNITS_MEDIA_THROUGHPUT = ['images/s', 'videos/s', 'audios/s'] as const;
const UNITS_POWER = ['Watts'] as const;

const num = z.number();
const int = z.number().int();
const iso = z.iso.datetime({ offset: true });

const statFields = {
  mean: num,
  mode: num.optional(),
  stddev: num.min(0).optional(),
  min: num.optional(),
  p0p1: num.optional(),
  p1: num.optional(),
  p5: num.optional(),
  p10: num.optional(),
  p25: num.optional(),
  p50: num.optional(),
  p75: num.optional(),
  p90: num.optional(),
  p95: num.optional(),
  p99: num.optional(),
  p99p9: num.optional(),
  max: num.optional(),
};

/** Statistics restricted to a unit family (upstream checks `units` in each parent's model validator). */
function statistics<const U extends readonly [string, ...string[]]>(units: U) {
  return z.strictObject({ units: z.enum(units), ...statFields });
}
export const StatisticsSchema = statistics(UNITS);
export type LlmdStatistics = z.infer<typeof StatisticsSchema>;

// ---- scenario.stack ----------------------------------------------------------------------------------------

const ComponentMetadataSchema = z.strictObject({
  schema_version: z.string().default('0.0.1'),
  label: z.string(),
  cfg_id: z.string(),
  description: z.string().optional(),
});

const NativeSchema = z.strictObject({
  args: z.record(z.string(), z.unknown()).optional(),
  envars: z.record(z.string(), z.unknown()).optional(),
  config: z.unknown().optional(),
});

const GenericComponentSchema = z.looseObject({
  kind: z.literal('generic'),
  tool: z.string(),
  tool_version: z.string(),
});

const InferenceEngineSchema = z.strictObject({
  kind: z.literal('inference_engine'),
  tool: z.string(),
  tool_version: z.string(),
  role: z.enum(['replica', 'prefill', 'decode']),
  replicas: int.min(1),
  model: z.strictObject({ name: z.string() }),
  accelerator: z.strictObject({
    model: z.string(),
    count: int.min(0),
    parallelism: z.strictObject({
      tp: int.min(0).default(1),
      dp: int.min(0).default(1),
      dp_local: int.min(0).default(1),
      workers: int.min(0).default(1),
      ep: int.min(1).default(1),
      pp: int.min(1).default(1),
    }),
  }),
});

export const ComponentSchema = z.strictObject({
  metadata: ComponentMetadataSchema,
  standardized: z.discriminatedUnion('kind', [GenericComponentSchema, InferenceEngineSchema]),
  native: NativeSchema,
});
export type LlmdComponent = z.input<typeof ComponentSchema>;

// ---- scenario.load -----------------------------------------------------------------------------------------

const SequenceLengthSchema = z.strictObject({
  distribution: z.enum(['fixed', 'gaussian', 'uniform', 'other']),
  value: num.min(0),
  std_dev: num.min(0).optional(),
  min: int.min(0).optional(),
  max: int.min(1).optional(),
});

const LoadSchema = z.strictObject({
  metadata: z.strictObject({
    schema_version: z.string().default('0.0.1'),
    cfg_id: z.string().optional(),
    description: z.string().optional(),
  }),
  standardized: z.strictObject({
    tool: z.string(),
    tool_version: z.string(),
    parallelism: int.min(1).default(1),
    source: z.enum(['random', 'sampled', 'unknown']),
    stage: int.min(0).default(0),
    input_seq_len: SequenceLengthSchema,
    output_seq_len: SequenceLengthSchema.optional(),
    prefix: z
      .strictObject({
        prefix_len: SequenceLengthSchema,
        num_groups: int.min(1),
        num_users_per_group: int.min(1),
        num_prefixes: int.min(1),
      })
      .optional(),
    multi_turn: z.strictObject({ enabled: z.boolean().default(true), max_turns: SequenceLengthSchema.optional() }).optional(),
    rate_qps: num.positive().optional(),
    // Upstream: int >= 1, or a float only if it is infinity. JSON has no infinity, but YAML does (`.inf`, as in
    // upstream's br_v0_2_1_example.yaml: an open loop with no concurrency cap).
    concurrency: z.union([int.min(1), z.literal(Number.POSITIVE_INFINITY)]).optional(),
  }),
  native: NativeSchema,
});

// ---- results.request_performance ---------------------------------------------------------------------------

const AggregateRequestsV02 = {
  total: int.min(0),
  failures: int.min(0).optional(),
  incomplete: int.min(0).optional(),
  input_length: statistics(UNITS_QUANTITY).optional(),
  output_length: statistics(UNITS_QUANTITY).optional(),
};

// schema_v0_2_1.py: per-modality payload statistics (MediaPayloadStats → Visual → Image/Video, → Audio).
const mediaPayload = { count: statistics(UNITS_QUANTITY).optional(), filesize: statistics(UNITS_MEMORY).optional() };
const visualPayload = { ...mediaPayload, pixels: statistics(UNITS_QUANTITY).optional(), aspect_ratio: statistics(UNITS_RATIO).optional() };
const MultiModalRequestsSchema = z.strictObject({
  image: z.strictObject(visualPayload).optional(),
  video: z.strictObject({ ...visualPayload, frames: statistics(UNITS_QUANTITY).optional() }).optional(),
  audio: z.strictObject({ ...mediaPayload, duration: statistics(UNITS_TIME).optional() }).optional(),
});

const AggregateRequestsV021 = {
  ...AggregateRequestsV02,
  request_size: statistics(UNITS_MEMORY).optional(),
  multimodal: MultiModalRequestsSchema.optional(),
};

const AggregateLatencySchema = z.strictObject({
  time_to_first_token: statistics(UNITS_TIME).optional(),
  normalized_time_per_output_token: statistics(UNITS_GEN_LATENCY).optional(),
  time_per_output_token: statistics(UNITS_GEN_LATENCY).optional(),
  inter_token_latency: statistics(UNITS_GEN_LATENCY).optional(),
  request_latency: statistics(UNITS_TIME).optional(),
});

const AggregateThroughputV02 = {
  input_token_rate: statistics(UNITS_GEN_THROUGHPUT).optional(),
  output_token_rate: statistics(UNITS_GEN_THROUGHPUT).optional(),
  total_token_rate: statistics(UNITS_GEN_THROUGHPUT).optional(),
  request_rate: statistics(UNITS_REQUEST_THROUGHPUT).optional(),
};
const AggregateThroughputV021 = {
  ...AggregateThroughputV02,
  image_rate: statistics(UNITS_MEDIA_THROUGHPUT).optional(),
  video_rate: statistics(UNITS_MEDIA_THROUGHPUT).optional(),
  audio_rate: statistics(UNITS_MEDIA_THROUGHPUT).optional(),
};

export const TimeSeriesPointSchema = z.strictObject({
  ts: iso,
  value: z.union([z.string(), num, z.boolean()]).optional(),
  ...Object.fromEntries(Object.entries(statFields).map(([k, v]) => [k, k === 'mean' ? num.optional() : v])),
});
export type LlmdTimeSeriesPoint = z.infer<typeof TimeSeriesPointSchema>;

function timeSeriesData<const U extends readonly [string, ...string[]]>(units: U) {
  return z.strictObject({ units: z.enum(units), series: z.array(TimeSeriesPointSchema) });
}

const TimeSeriesRequestPerformanceSchema = z.strictObject({
  latency: z
    .strictObject({
      time_to_first_token: timeSeriesData(UNITS_TIME).optional(),
      normalized_time_per_output_token: timeSeriesData(UNITS_GEN_LATENCY).optional(),
      time_per_output_token: timeSeriesData(UNITS_GEN_LATENCY).optional(),
      inter_token_latency: timeSeriesData(UNITS_GEN_LATENCY).optional(),
      request_latency: timeSeriesData(UNITS_TIME).optional(),
    })
    .optional(),
  throughput: z
    .strictObject({
      units: z.enum(UNITS).default('tokens/s'),
      input_token_rate: timeSeriesData(UNITS_GEN_THROUGHPUT).optional(),
      output_token_rate: timeSeriesData(UNITS_GEN_THROUGHPUT).optional(),
      total_token_rate: timeSeriesData(UNITS_GEN_THROUGHPUT).optional(),
      request_rate: timeSeriesData(UNITS_REQUEST_THROUGHPUT).optional(),
    })
    .optional(),
});

// ---- results.session_performance (schema_v0_2.py SessionRequests) -------------------------------------------

const SessionPerformanceSchema = z.strictObject({
  sessions: z
    .strictObject({
      total: int.min(0),
      succeeded: int.min(0).optional(),
      failed: int.min(0).optional(),
      total_events: int.min(0).optional(),
      total_events_completed: int.min(0).optional(),
      total_events_cancelled: int.min(0).optional(),
      session_rate: statistics(UNITS_REQUEST_THROUGHPUT).optional(),
      session_duration: statistics(UNITS_TIME).optional(),
      events_per_session: statistics(UNITS_QUANTITY).optional(),
      events_cancelled_per_session: statistics(UNITS_QUANTITY).optional(),
      input_tokens_per_session: statistics(UNITS_QUANTITY).optional(),
      output_tokens_per_session: statistics(UNITS_QUANTITY).optional(),
    })
    .optional(),
});

// ---- results.observability ---------------------------------------------------------------------------------

const ResourceMetricsSchema = z.strictObject({
  kv_cache_usage: statistics(UNITS_PORTION).optional(),
  cache_hit_rate: statistics(UNITS_PORTION).optional(),
  gpu_cache_usage: statistics(UNITS_PORTION).optional(),
  cpu_cache_usage: statistics(UNITS_PORTION).optional(),
  gpu_memory_usage: statistics(UNITS_MEMORY).optional(),
  cpu_memory_usage: statistics(UNITS_MEMORY).optional(),
  storage_usage: statistics(UNITS_MEMORY).optional(),
  gpu_utilization: statistics(UNITS_PORTION).optional(),
  cpu_utilization: statistics(UNITS_PORTION).optional(),
  power_consumption: statistics(UNITS_POWER).optional(),
  running_requests: statistics(UNITS_QUANTITY).optional(),
  waiting_requests: statistics(UNITS_QUANTITY).optional(),
  swapped_requests: statistics(UNITS_QUANTITY).optional(),
  preemptions: statistics(UNITS_QUANTITY).optional(),
});

/** schema_v0_2.py TimeSeriesResourceMetrics: hardware series only. */
const timeSeriesResourceV02 = {
  kv_cache_usage: timeSeriesData(UNITS_PORTION).optional(),
  gpu_cache_usage: timeSeriesData(UNITS_PORTION).optional(),
  cpu_cache_usage: timeSeriesData(UNITS_PORTION).optional(),
  gpu_memory_usage: timeSeriesData(UNITS_MEMORY).optional(),
  cpu_memory_usage: timeSeriesData(UNITS_MEMORY).optional(),
  storage_usage: timeSeriesData(UNITS_MEMORY).optional(),
  gpu_utilization: timeSeriesData(UNITS_PORTION).optional(),
  cpu_utilization: timeSeriesData(UNITS_PORTION).optional(),
  power_consumption: timeSeriesData(UNITS_POWER).optional(),
};
/** schema_v0_2_1.py TimeSeriesResourceMetrics: plus engine and router serving signals (UNIT_RULES). */
const timeSeriesResourceV021 = {
  ...timeSeriesResourceV02,
  num_requests_running: timeSeriesData(UNITS_QUANTITY).optional(),
  num_requests_waiting: timeSeriesData(UNITS_QUANTITY).optional(),
  num_preemptions: timeSeriesData(UNITS_QUANTITY).optional(),
  prefix_cache_queries: timeSeriesData(UNITS_QUANTITY).optional(),
  prefix_cache_hits: timeSeriesData(UNITS_QUANTITY).optional(),
  prefix_cache_hit_rate: timeSeriesData(UNITS_PORTION).optional(),
  external_prefix_cache_queries: timeSeriesData(UNITS_QUANTITY).optional(),
  external_prefix_cache_hits: timeSeriesData(UNITS_QUANTITY).optional(),
  external_prefix_cache_hit_rate: timeSeriesData(UNITS_PORTION).optional(),
  prompt_tokens: timeSeriesData(UNITS_QUANTITY).optional(),
  generation_tokens: timeSeriesData(UNITS_QUANTITY).optional(),
  pool_avg_kv_cache_utilization: timeSeriesData(UNITS_PORTION).optional(),
  pool_avg_queue_size: timeSeriesData(UNITS_QUANTITY).optional(),
  pool_avg_running_requests: timeSeriesData(UNITS_QUANTITY).optional(),
  pool_ready_pods: timeSeriesData(UNITS_QUANTITY).optional(),
};
/** The time-series fields v0.2.1 adds; a report carrying any of them must say version 0.2.1. */
export const V021_TIME_SERIES_FIELDS = Object.keys(timeSeriesResourceV021).filter((k) => !(k in timeSeriesResourceV02));
export const TimeSeriesResourceMetricsSchema = z.strictObject(timeSeriesResourceV021);
export type LlmdTimeSeriesResourceMetrics = z.infer<typeof TimeSeriesResourceMetricsSchema>;

function componentObservability<const S extends z.ZodRawShape>(timeSeries: S) {
  return z.strictObject({
    component_label: z.string(),
    replica_id: z.string().optional(),
    aggregate: ResourceMetricsSchema.optional(),
    time_series: z.strictObject(timeSeries).optional(),
    raw_data_path: z.string().optional(),
    graph_path: z.string().optional(),
  });
}

const ControllerReplicaStatusSchema = z.strictObject({
  kind: z.string(),
  name: z.string(),
  model: z.string().optional(),
  role: z.string().optional(),
  desired_replicas: int.min(0),
  available_replicas: int.min(0),
  ready_replicas: int.min(0),
  updated_replicas: int.min(0).optional(),
});

const observabilityFields = {
  drop_rate: statistics(UNITS_PORTION).optional(),
  // PodStartupTimes.aggregate and ReplicaStatus.aggregate_ready_replicas have no unit check upstream.
  pod_startup_times: z
    .strictObject({
      collected_at: iso.optional(),
      pods: z
        .array(
          z.strictObject({
            name: z.string(),
            model: z.string().optional(),
            role: z.string().optional(),
            node: z.string().optional(),
            creation_timestamp: iso.optional(),
            ready_timestamp: iso.optional(),
            startup_seconds: num.min(0).optional(),
          }),
        )
        .optional(),
      aggregate: StatisticsSchema.optional(),
      graph_path: z.string().optional(),
    })
    .optional(),
  replica_status: z
    .strictObject({
      namespace: z.string().optional(),
      timestamp: iso.optional(),
      controllers: z.array(ControllerReplicaStatusSchema).optional(),
      time_series: z
        .array(z.strictObject({ timestamp: iso.optional(), namespace: z.string().optional(), controllers: z.array(ControllerReplicaStatusSchema).optional() }))
        .optional(),
      aggregate_ready_replicas: StatisticsSchema.optional(),
      graph_path: z.string().optional(),
    })
    .optional(),
};

export const ComponentHealthSchema = z.strictObject({
  component_label: z.string(),
  total_restarts: int.min(0).optional(),
  failed_replicas: int.min(0).optional(),
  replica_health: z
    .array(
      z.strictObject({
        replica_id: z.string(),
        restarts: int.min(0).optional(),
        healthy: z.boolean().optional(),
        logs: z.string().optional(),
      }),
    )
    .optional(),
});

// ---- the report root ---------------------------------------------------------------------------------------

const RunSchema = z.strictObject({
  uid: z.string(),
  eid: z.string().optional(),
  cid: z.string().optional(),
  pid: z.string().optional(),
  time: z.strictObject({ start: iso.optional(), end: iso.optional(), duration: z.string().optional() }).optional(),
  user: z.string().optional(),
  description: z.string().optional(),
  keywords: z.array(z.string()).optional(),
});

function reportSchema<const V extends LlmdReportVersion, R extends z.ZodRawShape, T extends z.ZodRawShape, S extends z.ZodRawShape>(
  version: V,
  shapes: { requests: R; throughput: T; timeSeries: S },
) {
  return z.strictObject({
    version: z.literal(version),
    run: RunSchema,
    scenario: z.strictObject({ stack: z.array(ComponentSchema).optional(), load: LoadSchema.optional() }).optional(),
    results: z.strictObject({
      request_performance: z
        .strictObject({
          aggregate: z
            .strictObject({
              requests: z.strictObject(shapes.requests).optional(),
              latency: AggregateLatencySchema.optional(),
              throughput: z.strictObject(shapes.throughput).optional(),
            })
            .optional(),
          time_series: TimeSeriesRequestPerformanceSchema.optional(),
        })
        .optional(),
      session_performance: SessionPerformanceSchema.optional(),
      // Upstream keeps Observability permissive (extra="allow"): "real reports include ad-hoc metric keys (e.g.
      // vllm_kv_cache_usage_perc, epp_dispatch_latency) that are not yet formalized in the schema".
      observability: z
        .looseObject({
          components: z.array(componentObservability(shapes.timeSeries)).optional(),
          ...observabilityFields,
        })
        .optional(),
      profiling: z.unknown().optional(),
      component_health: z.array(ComponentHealthSchema).optional(),
    }),
  });
}

/** Benchmark Report v0.2.1 (BenchmarkReportV021), what routebench exports. */
export const LlmdBenchmarkReportSchema = reportSchema('0.2.1', { requests: AggregateRequestsV021, throughput: AggregateThroughputV021, timeSeries: timeSeriesResourceV021 });
export type LlmdBenchmarkReport = z.infer<typeof LlmdBenchmarkReportSchema>;
/** Benchmark Report v0.2 (BenchmarkReportV02) as of the commit above. */
export const LlmdBenchmarkReportV02Schema = reportSchema('0.2', { requests: AggregateRequestsV02, throughput: AggregateThroughputV02, timeSeries: timeSeriesResourceV02 });
export type LlmdBenchmarkReportV02 = z.infer<typeof LlmdBenchmarkReportV02Schema>;

const SCHEMAS = { '0.2': LlmdBenchmarkReportV02Schema, '0.2.1': LlmdBenchmarkReportSchema } as const;

function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const first = r.error.issues[0];
  throw new RoutebenchError('RB_INPUT_INVALID', `not a valid llm-d Benchmark Report ${what}:\n${z.prettifyError(r.error)}`, {
    field: first && first.path.length > 0 ? first.path.map(String).join('.') : undefined,
  });
}

/** Validate a report against the v0.2.1 mirror; errors (RB_INPUT_INVALID) name the field path. */
export function validateLlmdReport(value: unknown): LlmdBenchmarkReport {
  return parseWith(LlmdBenchmarkReportSchema, value, 'v0.2.1');
}

/**
 * Validate a v0.2 or v0.2.1 report against the mirror of the version it declares, as upstream's loader does
 * (core.py: dispatch on `version`, anything else is "Unsupported schema version").
 */
export function validateAnyLlmdReport(value: unknown): LlmdBenchmarkReport | LlmdBenchmarkReportV02 {
  const version = value !== null && typeof value === 'object' ? (value as { version?: unknown }).version : undefined;
  if (version !== '0.2' && version !== '0.2.1') {
    throw new RoutebenchError('RB_INPUT_INVALID', `not a llm-d Benchmark Report this mirror knows: version: expected "0.2" or "0.2.1", got ${JSON.stringify(version)}`, { field: 'version' });
  }
  return parseWith(SCHEMAS[version], value, `v${version}`);
}
