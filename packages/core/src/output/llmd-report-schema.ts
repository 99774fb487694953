// A zod mirror of llm-d-benchmark's Benchmark Report v0.2 (the pydantic models), used to validate what
// llmd-report.ts exports. Read from:
//   llm-d/llm-d-benchmark @ 32445ce29634beaedb7c487e10127526f766d128  llmdbenchmark/analysis/benchmark_report/schema_v0_2.py
//   llm-d/llm-d-benchmark @ 3b7decff5fe82e51778b8ba56d6dfb8b440c3109  llmdbenchmark/analysis/benchmark_report/base.py (Units)
//   llm-d/llm-d-benchmark @ 2c1e326e22c47c0e53028914d72ff360a8ce2e79  llmdbenchmark/analysis/benchmark_report/schema_v0_2_components.py
//     (as vendored, with that SHA in its header, by kubernetes-sigs/inference-perf inference_perf/reportgen/br/v0_2/)
//
// Deliberate differences, all STRICTER than upstream so our own mistakes show up:
// - Optional fields are `.optional()`, not nullable: upstream's dump() uses exclude_none, so a report never holds null.
// - Statistics and TimeSeriesLatency have no model_config upstream (pydantic ignores unknown keys there); here they
//   reject unknown keys, catching typos like `P25`.
// Everything upstream forbids (extra="forbid") is forbidden here too; Observability and the `generic` component
// allow extra keys, as upstream does. The unit checks of upstream's model validators are mirrored per field.
import { z } from 'zod';

export const LLMD_REPORT_VERSION = '0.2';

export const UNITS = [
  'count', 'pixels', 'percent', 'fraction', 'ratio', 'ms', 's',
  'bytes', 'MB', 'GB', 'TB', 'MiB', 'GiB', 'TiB',
  'Mbit/s', 'Gbit/s', 'Tbit/s', 'GiB/s', 'MB/s', 'GB/s', 'TB/s',
  'ms/token', 's/token', 'tokens/s', 'queries/s', 'images/s', 'videos/s', 'audios/s', 'Watts',
] as const;
const UNITS_QUANTITY = ['count', 'pixels'] as const;
const UNITS_PORTION = ['percent', 'fraction'] as const;
const UNITS_TIME = ['ms', 's'] as const;
const UNITS_MEMORY = ['bytes', 'MB', 'GB', 'TB', 'MiB', 'GiB', 'TiB'] as const;
const UNITS_GEN_LATENCY = ['ms/token', 's/token'] as const;
const UNITS_GEN_THROUGHPUT = ['tokens/s'] as const;
const UNITS_REQUEST_THROUGHPUT = ['queries/s'] as const;
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
    // Upstream: int >= 1, or float only if it is infinity (JSON has no infinity, so in practice an integer here).
    concurrency: int.min(1).optional(),
  }),
  native: NativeSchema,
});

// ---- results -----------------------------------------------------------------------------------------------

const AggregateRequestsSchema = z.strictObject({
  total: int.min(0),
  failures: int.min(0).optional(),
  incomplete: int.min(0).optional(),
  input_length: statistics(UNITS_QUANTITY).optional(),
  output_length: statistics(UNITS_QUANTITY).optional(),
});

const AggregateLatencySchema = z.strictObject({
  time_to_first_token: statistics(UNITS_TIME).optional(),
  normalized_time_per_output_token: statistics(UNITS_GEN_LATENCY).optional(),
  time_per_output_token: statistics(UNITS_GEN_LATENCY).optional(),
  inter_token_latency: statistics(UNITS_GEN_LATENCY).optional(),
  request_latency: statistics(UNITS_TIME).optional(),
});

const AggregateThroughputSchema = z.strictObject({
  input_token_rate: statistics(UNITS_GEN_THROUGHPUT).optional(),
  output_token_rate: statistics(UNITS_GEN_THROUGHPUT).optional(),
  total_token_rate: statistics(UNITS_GEN_THROUGHPUT).optional(),
  request_rate: statistics(UNITS_REQUEST_THROUGHPUT).optional(),
});

const TimeSeriesPointSchema = z.strictObject({
  ts: iso,
  value: z.union([z.string(), num, z.boolean()]).optional(),
  ...Object.fromEntries(Object.entries(statFields).map(([k, v]) => [k, k === 'mean' ? num.optional() : v])),
});

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

const resourceStats = {
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
};

const ComponentObservabilitySchema = z.strictObject({
  component_label: z.string(),
  replica_id: z.string().optional(),
  aggregate: z.strictObject(resourceStats).optional(),
  time_series: z
    .strictObject({
      kv_cache_usage: timeSeriesData(UNITS_PORTION).optional(),
      gpu_cache_usage: timeSeriesData(UNITS_PORTION).optional(),
      cpu_cache_usage: timeSeriesData(UNITS_PORTION).optional(),
      gpu_memory_usage: timeSeriesData(UNITS_MEMORY).optional(),
      cpu_memory_usage: timeSeriesData(UNITS_MEMORY).optional(),
      storage_usage: timeSeriesData(UNITS_MEMORY).optional(),
      gpu_utilization: timeSeriesData(UNITS_PORTION).optional(),
      cpu_utilization: timeSeriesData(UNITS_PORTION).optional(),
      power_consumption: timeSeriesData(UNITS_POWER).optional(),
    })
    .optional(),
  raw_data_path: z.string().optional(),
  graph_path: z.string().optional(),
});

const ResultsSchema = z.strictObject({
  request_performance: z
    .strictObject({
      aggregate: z
        .strictObject({
          requests: AggregateRequestsSchema.optional(),
          latency: AggregateLatencySchema.optional(),
          throughput: AggregateThroughputSchema.optional(),
        })
        .optional(),
      time_series: TimeSeriesRequestPerformanceSchema.optional(),
    })
    .optional(),
  // Upstream keeps Observability permissive (extra="allow") "until schema defined".
  observability: z
    .looseObject({
      components: z.array(ComponentObservabilitySchema).optional(),
      drop_rate: statistics(UNITS_PORTION).optional(),
    })
    .optional(),
  profiling: z.unknown().optional(),
  component_health: z
    .array(
      z.strictObject({
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
      }),
    )
    .optional(),
});

export const LlmdBenchmarkReportSchema = z.strictObject({
  version: z.literal(LLMD_REPORT_VERSION),
  run: z.strictObject({
    uid: z.string(),
    eid: z.string().optional(),
    cid: z.string().optional(),
    pid: z.string().optional(),
    time: z.strictObject({ start: iso.optional(), end: iso.optional(), duration: z.string().optional() }).optional(),
    user: z.string().optional(),
    description: z.string().optional(),
    keywords: z.array(z.string()).optional(),
  }),
  scenario: z.strictObject({ stack: z.array(ComponentSchema).optional(), load: LoadSchema.optional() }).optional(),
  results: ResultsSchema,
});
export type LlmdBenchmarkReport = z.infer<typeof LlmdBenchmarkReportSchema>;

/** Validate a report against the mirror; errors name the field path. */
export function validateLlmdReport(value: unknown): LlmdBenchmarkReport {
  const r = LlmdBenchmarkReportSchema.safeParse(value);
  if (!r.success) throw new Error(`not a valid llm-d Benchmark Report v0.2:\n${z.prettifyError(r.error)}`);
  return r.data;
}
