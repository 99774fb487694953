// Import an inference-perf config (kubernetes-sigs/inference-perf, as used by llm-d-benchmark's workload
// profiles) as a Scenario, so existing profiles run unchanged. Converted: `data` (shared_prefix, random /
// synthetic, shareGPT), `load` (constant | poisson | concurrent with `stages`), `api`, `server.model_name`,
// `server.base_url`, `metrics.prometheus.url`. Everything dropped or approximated is reported in `notes`.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseScenario, type Scenario, type ScenarioInput, type Target } from '../scenario.ts';
import { parseOrThrow } from '../schema-parts.ts';
import { RoutebenchError } from '@routebench/core';

export interface InferencePerfImportOptions {
  /** Scenario name; default derived from the file name. */
  name?: string;
  feature?: string;
  mode?: 'Aggregated' | 'P/D';
  /** Where to send traffic; default server.base_url, or the agg-2 simulator when that is a template placeholder. */
  target?: Target;
  /** Model name; default server.model_name unless it is a template placeholder. */
  model?: string;
  /** For data.type shareGPT: a local ShareGPT JSON file (inference-perf downloads one; we never do). */
  sharegptPath?: string;
}

export interface InferencePerfImport {
  scenario: Scenario;
  /** What was dropped, approximated or defaulted, one sentence each. */
  notes: string[];
}

const num = z.number({ error: 'expected a number' });

const DistributionSchema = z.union(
  [
    num,
    z.looseObject({
      distribution: z.string().optional(),
      type: z.string().optional(),
      mean: num.optional(),
      std_dev: num.optional(),
      std: num.optional(),
      min: num.optional(),
      max: num.optional(),
    }),
  ],
  { error: 'expected a number or a distribution {mean, std_dev, min, max}' },
);
type IpDistribution = z.infer<typeof DistributionSchema>;

const StageSchema = z.looseObject({
  rate: num.nullish(),
  duration: num.nullish(),
  num_requests: num.nullish(),
  concurrency_level: num.nullish(),
});

const IpConfigSchema = z.looseObject({
  load: z.looseObject({
    type: z.string({ error: 'expected a load type (constant, poisson or concurrent)' }).default('constant'),
    stages: z.array(StageSchema, { error: 'expected a list of {rate, duration}' }).min(1, { error: 'expected at least one stage' }),
    interval: num.optional(),
    request_timeout: num.optional(),
    base_seed: num.optional(),
    num_workers: num.optional(),
    worker_max_concurrency: num.optional(),
  }),
  api: z.union([z.string(), z.looseObject({ type: z.string().optional(), streaming: z.boolean().optional() })]).optional(),
  server: z.looseObject({ model_name: z.string().optional(), base_url: z.string().optional(), ignore_eos: z.boolean().optional() }).optional(),
  data: z.looseObject({
    type: z.string({ error: 'expected a data type (shared_prefix, random, synthetic or shareGPT)' }),
    shared_prefix: z.record(z.string(), z.unknown()).optional(),
    input_distribution: DistributionSchema.optional(),
    output_distribution: DistributionSchema.optional(),
    path: z.string().optional(),
  }),
  metrics: z.looseObject({ prometheus: z.looseObject({ url: z.string().optional() }).optional() }).nullish(),
});
type IpConfig = z.infer<typeof IpConfigSchema>;

const SharedPrefixSchema = z.looseObject({
  num_groups: num.optional(),
  num_unique_system_prompts: num.optional(),
  num_prompts_per_group: num.optional(),
  num_users_per_system_prompt: num.optional(),
  system_prompt_len: num,
  question_len: DistributionSchema,
  output_len: DistributionSchema,
  seed: num.optional(),
  enable_multi_turn_chat: z.boolean().optional(),
});
const SHARED_PREFIX_KNOWN = new Set(Object.keys(SharedPrefixSchema.shape));

const PLACEHOLDER = /REPLACE_ENV_|\$\{|\{\{/;

function convertLength(d: IpDistribution, where: string, notes: string[]): unknown {
  if (typeof d === 'number') return d;
  const kind = (d.distribution ?? d.type ?? 'normal').toLowerCase();
  const std = d.std_dev ?? d.std ?? 0;
  const bounds = { ...(d.min !== undefined ? { min: d.min } : {}), ...(d.max !== undefined ? { max: d.max } : {}) };
  if ((d.min !== undefined && d.min === d.max) || (kind !== 'uniform' && std === 0 && d.mean !== undefined)) {
    return d.min !== undefined && d.min === d.max ? d.min : d.mean;
  }
  if (kind === 'uniform') return { distribution: 'uniform', ...bounds };
  if (kind === 'fixed') return { distribution: 'fixed', mean: d.mean };
  if (kind !== 'normal')
    notes.push(`${where}: ${kind} distribution approximated by a normal one with the same mean, std_dev, min and max.`);
  if (d.max === undefined) notes.push(`${where}: no max given; lengths are not clipped (inference-perf applies its own default max).`);
  return { distribution: 'normal', mean: d.mean, std_dev: std, ...bounds };
}

function convertLoad(load: IpConfig['load'], notes: string[]): ScenarioInput['load'] {
  const extra = {
    ...(load.request_timeout !== undefined ? { timeoutMs: load.request_timeout * 1000 } : {}),
    ...(load.num_workers !== undefined && load.worker_max_concurrency !== undefined
      ? { maxInFlight: load.num_workers * load.worker_max_concurrency }
      : {}),
  };
  if (load.num_workers !== undefined)
    notes.push(
      `load.num_workers (${load.num_workers}) ignored: one process drives the load` +
        (load.worker_max_concurrency !== undefined ? `; in-flight cap kept as num_workers × worker_max_concurrency = ${extra.maxInFlight}.` : '.'),
    );
  if (load.interval !== undefined) notes.push(`load.interval (${load.interval}s between stages) ignored: stages run back to back.`);
  const type = load.type;
  if (type === 'concurrent') {
    if (load.stages.length !== 1)
      throw new RoutebenchError('RB_CONFIG_INVALID', 'inference-perf import: load.stages: a concurrent load with several stages is not supported (use one stage)');
    const st = load.stages[0]!;
    if (!st.concurrency_level || !st.num_requests)
      throw new RoutebenchError('RB_CONFIG_INVALID', 'inference-perf import: load.stages.0: a concurrent stage needs concurrency_level and num_requests');
    return { type: 'concurrency', concurrency: st.concurrency_level, requests: st.num_requests, ...extra };
  }
  if (type !== 'constant' && type !== 'poisson')
    throw new RoutebenchError('RB_CONFIG_INVALID', `inference-perf import: load.type: "${type}" is not supported (expected constant, poisson or concurrent)`);
  const openType: 'constant' | 'poisson' = type;
  const stages = load.stages.map((st, i) => {
    if (!st.rate || !st.duration) throw new RoutebenchError('RB_CONFIG_INVALID', `inference-perf import: load.stages.${i}: expected {rate, duration} with both > 0`);
    return { type: openType, rate: st.rate, durationS: st.duration };
  });
  if (type === 'constant')
    notes.push('load.type constant: sent at fixed 1/rate spacing (inference-perf rescales exponential gaps to the stage duration).');
  if (stages.length === 1) return { type, rate: stages[0]!.rate, durationS: stages[0]!.durationS, ...extra };
  return { type: 'stages', stages, ...extra };
}

function totalRequests(load: IpConfig['load']): number {
  return load.stages.reduce((a, s) => a + (s.num_requests ?? (s.rate ?? 0) * (s.duration ?? 0)), 0);
}

function convertData(cfg: IpConfig, api: 'chat' | 'completions', opts: InferencePerfImportOptions, notes: string[]): ScenarioInput['workload'] {
  const data = cfg.data;
  const type = data.type.toLowerCase();
  if (type === 'shared_prefix') {
    const sp = parseOrThrow(SharedPrefixSchema, data.shared_prefix ?? {}, 'inference-perf data.shared_prefix', ['data', 'shared_prefix']);
    const groups = sp.num_groups ?? sp.num_unique_system_prompts;
    const perGroup = sp.num_prompts_per_group ?? sp.num_users_per_system_prompt;
    if (groups === undefined) throw new RoutebenchError('RB_CONFIG_INVALID', 'inference-perf import: data.shared_prefix.num_groups (or num_unique_system_prompts) is required');
    if (perGroup === undefined)
      throw new RoutebenchError('RB_CONFIG_INVALID', 'inference-perf import: data.shared_prefix.num_prompts_per_group (or num_users_per_system_prompt) is required');
    for (const key of Object.keys(sp)) if (!SHARED_PREFIX_KNOWN.has(key)) notes.push(`data.shared_prefix.${key} ignored (not supported).`);
    const question_len = convertLength(sp.question_len, 'data.shared_prefix.question_len', notes);
    const output_len = convertLength(sp.output_len, 'data.shared_prefix.output_len', notes);
    if (sp.enable_multi_turn_chat) {
      const sessions = groups * perGroup;
      const turns = Math.max(1, Math.ceil(totalRequests(cfg.load) / sessions));
      notes.push(
        `data.shared_prefix.enable_multi_turn_chat: converted to ${sessions} multi-turn sessions of ${turns} turns ` +
          '(enough for the load); each session has its own system prompt (inference-perf shares one per group).',
      );
      return { type: 'multi-turn', num_sessions: sessions, turns_per_session: turns, system_prompt_len: sp.system_prompt_len, user_len: question_len, output_len, api } as ScenarioInput['workload'];
    }
    return {
      type: 'shared-prefix',
      num_groups: groups,
      num_prompts_per_group: perGroup,
      system_prompt_len: sp.system_prompt_len,
      question_len,
      output_len,
      api,
    } as ScenarioInput['workload'];
  }
  if (type === 'random' || type === 'synthetic') {
    if (!data.input_distribution || !data.output_distribution)
      throw new RoutebenchError('RB_CONFIG_INVALID', `inference-perf import: data.${data.input_distribution ? 'output' : 'input'}_distribution is required for data.type ${data.type}`);
    return {
      type: 'random',
      input_len: convertLength(data.input_distribution, 'data.input_distribution', notes),
      output_len: convertLength(data.output_distribution, 'data.output_distribution', notes),
      api,
    } as ScenarioInput['workload'];
  }
  if (type === 'sharegpt') {
    const path = opts.sharegptPath ?? data.path;
    if (!path) notes.push('data.type shareGPT: no local file given (sharegptPath); using the shipped generated sample, not the real ShareGPT dataset.');
    return { type: 'sharegpt', ...(path ? { path } : {}), api } as ScenarioInput['workload'];
  }
  throw new RoutebenchError('RB_CONFIG_INVALID', `inference-perf import: data.type: "${data.type}" is not supported (expected shared_prefix, random, synthetic or shareGPT)`);
}

/** Convert a parsed inference-perf config object. */
export function convertInferencePerfConfig(raw: unknown, source: string, opts: InferencePerfImportOptions = {}): InferencePerfImport {
  const cfg = parseOrThrow(IpConfigSchema, raw, `inference-perf config ${source}`);
  const notes: string[] = [];

  const apiType = typeof cfg.api === 'string' ? cfg.api : (cfg.api?.type ?? 'completion');
  const api = apiType === 'chat' ? 'chat' : 'completions';
  if (apiType !== 'chat' && apiType !== 'completion') throw new RoutebenchError('RB_CONFIG_INVALID', `inference-perf import: api.type: "${apiType}" is not supported (expected completion or chat)`);
  if (typeof cfg.api === 'object' && cfg.api.streaming === false) notes.push('api.streaming false ignored: requests are always streamed (TTFT/ITL need it).');

  const server = cfg.server ?? {};
  if (server.ignore_eos === false) notes.push('server.ignore_eos false ignored: requests ask for exactly max_tokens (ignore_eos).');
  let model = opts.model;
  if (!model && server.model_name && !PLACEHOLDER.test(server.model_name)) model = server.model_name;
  if (!model && server.model_name) notes.push(`server.model_name "${server.model_name}" is a template placeholder; using the default model.`);

  let target: Target | undefined = opts.target;
  if (!target && server.base_url && !PLACEHOLDER.test(server.base_url)) target = { url: server.base_url };
  if (!target) {
    target = { sim: { preset: 'agg-2' } };
    notes.push('server.base_url missing or a template placeholder; target set to the agg-2 simulator (use --target URL).');
  }

  const seed = (cfg.data.shared_prefix?.seed as number | undefined) ?? cfg.load.base_seed;
  const workload = convertData(cfg, api, opts, notes);
  const load = convertLoad(cfg.load, notes);
  const promUrl = cfg.metrics?.prometheus?.url;

  const base = basename(source).replace(/\.ya?ml(\.in)?$/i, '').replace(/\.json$/i, '');
  const name = opts.name ?? (base.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^[-_]+/, '') || 'inference-perf');
  const scenario = parseScenario(
    {
      name,
      description: `Imported from inference-perf config ${basename(source)}.`,
      feature: opts.feature ?? `inference-perf: ${base}`,
      mode: opts.mode ?? 'Aggregated',
      workload,
      load,
      target,
      ...(seed !== undefined ? { seed } : {}),
      ...(model ? { model } : {}),
      ...(promUrl ? { metrics: { sources: [{ kind: 'prometheus', url: promUrl }] } } : {}),
    },
    `scenario imported from ${source}`,
  );
  return { scenario, notes };
}

/** Read an inference-perf YAML config file (.yaml, .yml, or llm-d-benchmark's .yaml.in templates). */
export function importInferencePerfFile(path: string, opts: InferencePerfImportOptions = {}): InferencePerfImport {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new RoutebenchError('RB_INPUT_INVALID', `cannot read inference-perf config ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new RoutebenchError('RB_INPUT_INVALID', `${path}: not valid YAML: ${(e as Error).message}`);
  }
  return convertInferencePerfConfig(raw, path, opts);
}
