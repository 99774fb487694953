// The scenario format: one validated description of a test — what to send (workload), how fast (load),
// where (target), what it should show (claims), and the control runs that make a verdict meaningful.
// Written in TypeScript with defineScenario() or in YAML/JSON loaded with loadScenarioFile().
import { readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { CLAIM_IDS, LoadSpecSchema, MAX_TIMER_MS, MetricsSourceSchema as CoreMetricsSourceSchema } from '@routebench/core';
import { WorkloadSchema } from './workloads/index.ts';
import { formatIssues, nonEmptyString, parseOrThrow, posInt } from './schema-parts.ts';
import { mergePatch } from './merge-patch.ts';
import { SweepSchema } from './sweep/ladder.ts';
import { RoutebenchError } from '@routebench/core';

/** Claim ids: the engine's own list (core), so a scenario accepts exactly what the engine can judge. */
export { CLAIM_IDS };

export const SimTargetSchema = z.strictObject({
  sim: z.strictObject({
    /** Simulator preset (agg-2, multi-model, autoscale, pd-1p1d, pd-2p2d, pd-precise, random-picker). */
    preset: nonEmptyString(),
    /** Simulator options, e.g. {kvTransfer: 'broken', kvEvents: 'dropped', identityHeaders: false}. */
    options: z.record(z.string(), z.unknown()).optional(),
  }),
});

/** An http(s) URL without userinfo: credentials in a URL would be recorded with it (use --api-key-env / bearerTokenEnv). */
const HttpUrlNoCredentials = z
  .url({ protocol: /^https?$/, error: 'expected an http(s) URL' })
  .refine((u) => !hasCredentials(u), {
    error: 'credentials in the URL are not allowed; expected an http(s) URL without user:password@ (use --api-key-env or --api-key-file)',
  });

/** Refinements run even after the URL check failed: an unparsable URL holds no credentials we can see. */
function hasCredentials(u: string): boolean {
  try {
    const url = new URL(u);
    return url.username !== '' || url.password !== '';
  } catch {
    return false;
  }
}

export const UrlTargetSchema = z.strictObject({
  url: HttpUrlNoCredentials,
});

export const TargetSchema = z.union([SimTargetSchema, UrlTargetSchema], {
  error: 'expected {sim: {preset, options?}} or {url: "http://…"}',
});
export type Target = z.infer<typeof TargetSchema>;

/** A claim to check. Thresholds are open for now: the claims engine defines each claim's fields. */
export const ClaimSchema = z
  .object({ id: z.enum(CLAIM_IDS, { error: `expected one of ${CLAIM_IDS.join(', ')}` }) })
  .catchall(z.union([z.number(), z.string()], { error: 'claim fields are numbers or strings' }));
export type Claim = z.infer<typeof ClaimSchema>;

const PatchSchema = z.record(z.string(), z.unknown());

/** A control run: the same scenario with another target (e.g. a random picker) and/or a workload/load patch. */
export const ControlSchema = z.strictObject({
  name: nonEmptyString(),
  description: z.string().optional(),
  target: TargetSchema.optional(),
  /** Merge patch onto the scenario's workload (null deletes a field), e.g. {zero_reuse: true}. */
  workload: PatchSchema.optional(),
  /** Merge patch onto the scenario's load. */
  load: PatchSchema.optional(),
});
export type Control = z.infer<typeof ControlSchema>;

export const CompareTargetSchema = z.strictObject({ name: nonEmptyString(), target: TargetSchema });

/** Shorthand: one /metrics URL of a model-server pod or of the EPP. */
const EndpointSourceSchema = (kind: 'pod' | 'epp') =>
  z.strictObject({
    kind: z.literal(kind),
    url: HttpUrlNoCredentials,
    name: z.string().optional(),
  });

/**
 * Where to scrape evidence when the target is a real gateway: shorthand pod/epp URLs, or core's full
 * source configs — `static` (URLs with bearer tokens from env/file), `kubernetes` (pods by label
 * selector through the API server's pod proxy, EPP logs through the API) and `prometheus` (a server's
 * HTTP API).
 */
export const MetricsSourceSchema = z.discriminatedUnion(
  'kind',
  [EndpointSourceSchema('pod'), EndpointSourceSchema('epp'), ...CoreMetricsSourceSchema.options],
  { error: 'expected kind: pod | epp | static | kubernetes | prometheus' },
);

export const MetricsSchema = z.strictObject({
  /** Scrape interval, ms (a timer: at most 2^31−1). */
  intervalMs: posInt().max(MAX_TIMER_MS, { error: `must be at most ${MAX_TIMER_MS} ms (the longest timer Node can hold)` }).optional(),
  sources: z.array(MetricsSourceSchema).default([]),
});

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

const ScenarioObjectSchema = z.strictObject({
  name: z.string({ error: 'expected a name (letters, digits, - and _)' }).regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, { error: 'expected a name (letters, digits, - and _)' }),
  description: z.string().default(''),
  /** The verdict table's Feature text, e.g. "Prefix-cache-aware routing". */
  feature: nonEmptyString(),
  mode: z.enum(['Aggregated', 'P/D'], { error: 'expected "Aggregated" or "P/D"' }),
  workload: WorkloadSchema,
  load: LoadSpecSchema,
  // The workload's random generator takes 32 bits (rng.ts: seed >>> 0): a larger or negative seed would
  // silently be another seed's stream.
  seed: z
    .number({ error: 'expected an integer' })
    .int({ error: 'expected an integer' })
    .min(0, { error: 'must be at least 0' })
    .max(2 ** 32 - 1, { error: `must be at most ${2 ** 32 - 1} (the generator takes 32 bits)` })
    .default(1),
  target: TargetSchema,
  /** Default model name, used by workloads that do not name one. */
  model: nonEmptyString().default('Qwen/Qwen2.5-7B-Instruct'),
  claims: z.array(ClaimSchema).default([]),
  controls: z.array(ControlSchema).default([]),
  /** Same workload against several targets (agg vs P/D). */
  compareTargets: z.array(CompareTargetSchema).min(2, { error: 'expected at least two targets to compare' }).optional(),
  /** Merge patch applied by --quick: fewer requests, shorter stages. */
  quick: PatchSchema.optional(),
  /**
   * `routebench sweep`: a ladder of load levels (rates or concurrencies), run one level per folder against each
   * target, and the SLOs whose highest passing level is searched for (sweep/ladder.ts). `run` ignores it. It sits
   * beside `load`, not in it: `load` is core's run spec (recorded in every summary); each level is `load` with its
   * rate or concurrency replaced.
   */
  sweep: SweepSchema.optional(),
  metrics: MetricsSchema.optional(),
  /** Extra request headers; values may contain ${ENV_NAME}, resolved at run time only. */
  headers: z
    .record(z.string(), z.string({ error: 'expected a string' }))
    // Checked per key (not as the record's key schema) so the message says what a header name may hold.
    .superRefine((h, ctx) => {
      for (const k of Object.keys(h))
        if (!HEADER_NAME.test(k)) ctx.addIssue({ code: 'custom', path: [k], message: "expected an HTTP header name (letters, digits and !#$%&'*+.^_`|~-)" });
    })
    .default({}),
});

/** Patched parts must still be valid: checked here so a bad control fails when the file is loaded. */
export const ScenarioSchema = ScenarioObjectSchema.superRefine((s, ctx) => {
  s.controls.forEach((c, i) => {
    for (const part of ['workload', 'load'] as const) {
      const patch = c[part];
      if (!patch) continue;
      const schema = part === 'workload' ? WorkloadSchema : LoadSpecSchema;
      const r = schema.safeParse(mergePatch(s[part], patch), { reportInput: true });
      if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ ...issue, path: ['controls', i, part, ...issue.path] } as never);
    }
  });
  if (s.quick) {
    const { quick, ...rest } = s;
    const r = ScenarioObjectSchema.safeParse(mergePatch(rest, quick), { reportInput: true });
    if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ ...issue, path: ['quick', ...issue.path] } as never);
  }
  const names = s.controls.map((c) => c.name);
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i) ctx.addIssue({ code: 'custom', path: ['controls', i, 'name'], message: `control "${n}" is listed twice` });
  });
});

export type Scenario = z.infer<typeof ScenarioSchema>;
export type ScenarioInput = z.input<typeof ScenarioSchema>;

/** Validate a scenario; throws an Error listing each bad field as `path: problem, got value`. */
export function parseScenario(data: unknown, source = 'scenario'): Scenario {
  return parseOrThrow(ScenarioSchema, data, source);
}

/** Typed identity for TypeScript scenario files: checks the input and returns it with defaults filled. */
export function defineScenario(s: ScenarioInput): Scenario {
  return parseScenario(s, `scenario ${JSON.stringify(s.name)}`);
}

/** Load a .yaml/.yml/.json scenario file. */
export function loadScenarioFile(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new RoutebenchError('RB_INPUT_INVALID', `cannot read scenario file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return resolveDatasetPaths(parseScenarioText(text, path), dirname(resolve(path)));
}

/** A dataset path written in a scenario file means "relative to that file", not to the current directory. */
function resolveDatasetPaths(s: Scenario, baseDir: string): Scenario {
  const fix = (w: Record<string, unknown> | undefined) =>
    w && typeof w.path === 'string' && !isAbsolute(w.path) ? { ...w, path: resolve(baseDir, w.path) } : w;
  return {
    ...s,
    workload: fix(s.workload as Record<string, unknown>) as Scenario['workload'],
    controls: s.controls.map((c) => (c.workload ? { ...c, workload: fix(c.workload) } : c)),
  };
}

export function parseScenarioText(text: string, source: string): Scenario {
  let data: unknown;
  try {
    data = extname(source).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new RoutebenchError('RB_INPUT_INVALID', `${source}: not valid ${extname(source).toLowerCase() === '.json' ? 'JSON' : 'YAML'}: ${(e as Error).message}`);
  }
  return parseScenario(data, source);
}

/** The scenario as `--quick` runs it. */
export function applyQuick(s: Scenario): Scenario {
  if (!s.quick) return s;
  const { quick, ...rest } = s;
  return parseScenario(mergePatch(rest, quick), `${s.name} (quick)`);
}

/** The scenario a control runs: target replaced and/or workload/load patched. */
export function controlScenario(s: Scenario, controlName: string): Scenario {
  const c = s.controls.find((x) => x.name === controlName);
  if (!c) throw new RoutebenchError('RB_CONFIG_INVALID', `scenario ${s.name} has no control "${controlName}"; controls: ${s.controls.map((x) => x.name).join(', ') || '(none)'}`);
  return parseScenario(
    {
      ...s,
      name: `${s.name}--${c.name}`,
      target: c.target ?? s.target,
      workload: c.workload ? mergePatch(s.workload, c.workload) : s.workload,
      load: c.load ? mergePatch(s.load, c.load) : s.load,
      controls: [],
      compareTargets: undefined,
    },
    `${s.name} control ${c.name}`,
  );
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Resolve `${ENV_NAME}` references in header values at run time. A missing variable is an error naming the
 * header and the variable, never the value (which may be a secret).
 */
export function resolveHeaders(headers: Record<string, string>, env: Record<string, string | undefined> = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = value.replace(ENV_REF, (_, v: string) => {
      const got = env[v];
      if (got === undefined) throw new RoutebenchError('RB_CONFIG_INVALID', `header ${name}: environment variable ${v} is not set`);
      return got;
    });
  }
  return out;
}

export { formatIssues };
