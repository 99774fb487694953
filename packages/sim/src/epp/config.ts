// EndpointPickerConfig loading, per llm-d generation: YAML text → validated against that version's config
// API and plugin table (@routebench/core upstream/plugins.ts) → resolved config with the EPP loader's
// defaults applied (GIE v1.4.0 pkg/epp/config/loader/defaults.go ensureSchedulingLayer; ROUTER the same):
//   - no schedulingProfiles → one profile `default` holding every filter, scorer and picker;
//   - one profile and no profile handler → `single-profile-handler`;
//   - scorer without weight → weight 1; profile without picker → the first picker, else `max-score-picker`.
// A plugin the version registers but the simulator does not simulate is refused by name and version; a
// plugin the version does not register is refused with the list of known types.
// Deliberate leniency: profile entries may use the shorthand strings `name`, `name w2`, `name(w2)`
// (the seed study's write-ups use them; the real decoder wants `{pluginRef, weight}`).
import { DEFAULT_LLMD_VERSION, EPP_CONFIG_API, LLMD_VERSIONS, versionLabel, type LlmdVersion } from '@routebench/core';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { GoDurationSchema, pluginTypes, type PluginKind } from './plugin-params.ts';

/** Every apiVersion any modelled version accepts. */
export const EPP_API_VERSIONS = ['inference.networking.x-k8s.io/v1alpha1', 'llm-d.ai/v1alpha1'] as const;

const PluginSpecSchema = z.strictObject({
  name: z.string().min(1).optional(),
  type: z.string({ error: 'expected a plugin type' }).min(1),
  parameters: z.unknown().optional(),
});

const PluginRefObjectSchema = z.strictObject({
  pluginRef: z.string().min(1),
  weight: z.number({ error: 'expected a non-negative number' }).nonnegative({ error: 'expected a non-negative number' }).optional(),
});
const SHORTHAND_RE = /^([A-Za-z0-9_.\-/]+)\s*(?:\(\s*w([\d.]+)\s*\)|\s+w([\d.]+))?$/;
export const PluginRefSchema = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  const m = SHORTHAND_RE.exec(v.trim());
  if (!m) return v;
  const w = m[2] ?? m[3];
  return w === undefined ? { pluginRef: m[1] } : { pluginRef: m[1], weight: Number(w) };
}, PluginRefObjectSchema);

export const SchedulingProfileSchema = z.strictObject({ name: z.string().min(1), plugins: z.array(PluginRefSchema) });

/** GIE v1.4.0 apix/config/v1alpha1 SaturationDetector (thresholds inline). */
const V07SaturationDetectorSchema = z.strictObject({
  queueDepthThreshold: z.number().int().nonnegative().optional(),
  kvCacheUtilThreshold: z.number().min(0).max(1).optional(),
  metricsStalenessThreshold: GoDurationSchema.optional(),
});
/** ROUTER SaturationDetectorConfig: a reference to a saturation-detector plugin. */
const RouterSaturationDetectorSchema = z.strictObject({ pluginRef: z.string().min(1).optional() });
const loose = z.record(z.string(), z.unknown());

function topLevelSchema(version: LlmdVersion) {
  const api = EPP_CONFIG_API[version];
  const apiVersions = [...api.apiVersions, ...api.deprecatedApiVersions] as [string, ...string[]];
  const shape: Record<string, z.ZodType> = {
    apiVersion: z.enum(apiVersions, { error: `expected one of ${apiVersions.join(', ')} (${versionLabel(version)})` }).optional(),
    kind: z.literal('EndpointPickerConfig').optional(),
    featureGates: z.array(z.string()).optional(),
    plugins: z.array(PluginSpecSchema).min(1),
    schedulingProfiles: z.array(SchedulingProfileSchema).optional(),
  };
  for (const k of api.topLevelKeys) if (!(k in shape)) shape[k] = loose.optional();
  shape.saturationDetector = (version === 'v0.7' ? V07SaturationDetectorSchema : RouterSaturationDetectorSchema).optional();
  return z.strictObject(shape);
}

interface RawConfig {
  apiVersion?: string;
  featureGates?: string[];
  plugins: z.infer<typeof PluginSpecSchema>[];
  schedulingProfiles?: z.infer<typeof SchedulingProfileSchema>[];
  saturationDetector?: Record<string, unknown>;
}

export interface ResolvedPlugin {
  name: string;
  type: string;
  kind: PluginKind;
  parameters: Record<string, unknown>;
}
export interface ResolvedProfile {
  name: string;
  filters: string[];
  scorers: { name: string; weight: number }[];
  picker: string;
}
export interface SaturationConfig {
  queueDepthThreshold: number;
  kvCacheUtilThreshold: number;
  metricsStalenessMs: number;
}
/** A config with the loader's defaults filled in: what the scheduler is built from. */
export interface ResolvedEppConfig {
  version: LlmdVersion;
  apiVersion: string;
  plugins: ResolvedPlugin[];
  profiles: ResolvedProfile[];
  profileHandler: string;
  preRequest: string[];
  featureGates: string[];
  saturation: SaturationConfig;
  /** Settings that load but have no effect in the real EPP either (said once, not silently dropped). */
  warnings: string[];
}

export class EppConfigError extends Error {
  readonly issues: string[];
  constructor(issues: string[]) {
    super(`invalid EndpointPickerConfig: ${issues.join('; ')}`);
    this.name = 'EppConfigError';
    this.issues = issues;
  }
}

/** `plugins[2].parameters.hashBlockSize` from a zod path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${String(seg)}` : String(seg);
  return out || '(root)';
}

export function zodIssues(error: z.ZodError, prefix: PropertyKey[] = []): string[] {
  return error.issues.map((i) => `${formatPath([...prefix, ...i.path])}: ${i.message}`);
}

export function parseGoDuration(s: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let ms = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * units[m[2]!]!;
  return ms;
}

export interface LoadEppConfigOptions {
  /** Values for `${VAR}` placeholders (the deploy manifests envsubst them); defaults to process.env. */
  env?: Record<string, string | undefined>;
  /**
   * The llm-d generation whose loader and plugins to follow (default: DEFAULT_LLMD_VERSION). 'any': accept
   * what some version accepts (resolved under the first that does; issues of every version otherwise).
   */
  version?: LlmdVersion | 'any';
}

/** Parse and validate EndpointPickerConfig YAML text; throws EppConfigError naming each bad field. */
export function loadEppConfig(text: string, opts: LoadEppConfigOptions = {}): ResolvedEppConfig {
  const env = opts.env ?? process.env;
  const missing: string[] = [];
  const substituted = text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const v = env[name];
    if (v === undefined) missing.push(`\${${name}}: environment variable is not set`);
    return v ?? '';
  });
  if (missing.length) throw new EppConfigError(missing);
  let doc: unknown;
  try {
    doc = parseYaml(substituted);
  } catch (e) {
    throw new EppConfigError([`(yaml): ${(e as Error).message.split('\n')[0]}`]);
  }
  return resolveEppConfig(doc, opts);
}

const SCHEDULING_KINDS: readonly PluginKind[] = ['filter', 'scorer', 'picker'];

/** Validate an already-parsed config object against a version and apply the loader defaults. */
export function resolveEppConfig(doc: unknown, opts: { version?: LlmdVersion | 'any' } = {}): ResolvedEppConfig {
  if (opts.version === 'any') {
    const failures: string[] = [];
    for (const v of [DEFAULT_LLMD_VERSION, ...LLMD_VERSIONS.filter((x) => x !== DEFAULT_LLMD_VERSION)]) {
      try {
        return resolveEppConfig(doc, { version: v });
      } catch (e) {
        if (!(e instanceof EppConfigError)) throw e;
        failures.push(...e.issues.map((i) => `(${v}) ${i}`));
      }
    }
    throw new EppConfigError(failures);
  }
  const version = opts.version ?? DEFAULT_LLMD_VERSION;
  if (!(LLMD_VERSIONS as readonly string[]).includes(version)) throw new EppConfigError([`llmdVersion: unknown version '${version}' (known: ${LLMD_VERSIONS.join(', ')})`]);
  const label = versionLabel(version);
  const table = pluginTypes(version);
  const api = EPP_CONFIG_API[version];
  const r = topLevelSchema(version).safeParse(doc);
  if (!r.success) throw new EppConfigError(zodIssues(r.error));
  const cfg = r.data as unknown as RawConfig;
  const issues: string[] = [];
  const warnings: string[] = [];

  // Feature gates: registered per version (GIE v1.4.0 validation.go validateFeatureGates; ROUTER :138-150).
  const gates = (cfg.featureGates ?? []).map((g) => (version === 'router' ? g.split('=')[0]! : g));
  const gateOn = (g: string) => (cfg.featureGates ?? []).some((x) => x === g || (version === 'router' && x.startsWith(`${g}=`) && !/=false$/i.test(x)));
  gates.forEach((g, i) => {
    if (!api.featureGates.includes(g)) issues.push(`featureGates[${i}]: feature gate '${g}' is unknown or unregistered in ${label} (known: ${api.featureGates.join(', ')})`);
  });
  // Said after the plugin issues, so a refused plugin is named first.
  const lateIssues: string[] = [];
  if (gateOn('flowControl')) lateIssues.push(`featureGates: the flow control layer (feature gate 'flowControl', ${label}) is not simulated`);
  if (version === 'v0.7' && gateOn('dataLayer')) warnings.push(`featureGates: 'dataLayer' changes only how metrics are collected; the simulator scrapes pods itself`);

  // Plugins: registered? simulated? parameters valid?
  const plugins: ResolvedPlugin[] = [];
  const seen = new Set<string>();
  cfg.plugins.forEach((p, i) => {
    const name = p.name ?? p.type;
    if (seen.has(name)) issues.push(`plugins[${i}].name: duplicate plugin name '${name}'`);
    seen.add(name);
    const info = table[p.type];
    if (!info) {
      issues.push(`plugins[${i}].type: unknown plugin type '${p.type}' for ${version} (${label}; known: ${Object.keys(table).join(', ')})`);
      return;
    }
    if (!info.simulated) {
      issues.push(`plugins[${i}].type: plugin type '${p.type}' (${label}) is not simulated`);
      return;
    }
    const params = (p.parameters ?? {}) as Record<string, unknown>;
    const pr = info.params.safeParse(params);
    if (!pr.success) {
      for (const issue of pr.error.issues) {
        const at = formatPath([`plugins`, i, 'parameters', ...issue.path]);
        // SCHED v0.7.1 / GIE v1.4.0 factories use encoding/json: unknown fields are ignored, not errors.
        if (issue.code === 'unrecognized_keys' && version === 'v0.7') warnings.push(`${at}: ${issue.keys.join(', ')} ignored by ${label} (not a field of ${p.type})`);
        else issues.push(`${at}: ${issue.message}`);
      }
    }
    const idx = params.indexerConfig as Record<string, unknown> | undefined;
    if (p.type === 'precise-prefix-cache-scorer' && idx?.speculativeIndexing !== undefined)
      warnings.push(`plugins[${i}].parameters.indexerConfig.speculativeIndexing: only takes effect as a top-level parameter; ignored`);
    if (info.deprecated) warnings.push(`plugins[${i}].type: '${p.type}' is deprecated in ${label} (${info.deprecated})`);
    plugins.push({ name, type: p.type, kind: info.kind, parameters: params });
  });
  issues.push(...lateIssues);
  if (issues.length) throw new EppConfigError(issues);

  const byName = new Map(plugins.map((p) => [p.name, p]));
  const declaredAt = new Map(plugins.map((p, i) => [p.name, i]));
  const handlers = plugins.filter((p) => p.kind === 'profile-handler');
  if (handlers.length > 1) issues.push(`plugins: multiple profile handlers found ('${handlers[0]!.name}', '${handlers[1]!.name}'); only one is allowed`);
  const profilesRaw = cfg.schedulingProfiles ?? [];
  const profileNames = new Set<string>();
  profilesRaw.forEach((prof, pi) => {
    if (profileNames.has(prof.name)) issues.push(`schedulingProfiles[${pi}].name: duplicate profile name '${prof.name}'`);
    profileNames.add(prof.name);
    let pickers = 0;
    prof.plugins.forEach((ref, ri) => {
      const path = `schedulingProfiles[${pi}].plugins[${ri}].pluginRef`;
      const kind = byName.get(ref.pluginRef)?.kind;
      if (!kind) issues.push(`${path}: no plugin named '${ref.pluginRef}' in plugins`);
      else if (!SCHEDULING_KINDS.includes(kind)) issues.push(`${path}: '${ref.pluginRef}' is a ${kind}, expected a filter, scorer or picker`);
      if (kind === 'picker') pickers++;
    });
    if (pickers > 1) issues.push(`schedulingProfiles[${pi}].plugins: at most one picker per profile`);
  });
  if (profilesRaw.length > 1 && handlers.length === 0) issues.push('schedulingProfiles: several profiles need a profile handler plugin');
  for (const h of handlers) {
    const i = declaredAt.get(h.name)!;
    if (h.type === 'single-profile-handler' && profilesRaw.length > 1) issues.push(`plugins[${i}].type: single-profile-handler allows exactly one profile`);
    const params = h.parameters as Record<string, any>;
    const deciderRefs: [string | undefined, string][] = [];
    if (h.type === 'pd-profile-handler') deciderRefs.push([params.deciderPluginName ?? 'prefix-based-pd-decider', 'deciderPluginName']);
    if (h.type === 'disagg-profile-handler') {
      deciderRefs.push([params.deciders?.prefill, 'deciders.prefill'], [params.deciders?.encode, 'deciders.encode']);
      deciderRefs.push([params.prefillDeciderPluginName ?? params.deciderPluginName, params.prefillDeciderPluginName ? 'prefillDeciderPluginName' : 'deciderPluginName']);
    }
    for (const [ref, field] of deciderRefs) {
      if (!ref) continue;
      const d = byName.get(ref);
      if (d?.kind !== 'decider') issues.push(`plugins[${i}].parameters.${field}: no decider plugin named '${ref}'`);
      // SCHED v0.7.1 instantiates plugins in config order and the handler's factory looks its decider up
      // (disagg_profile_handler.go "deciders.prefill plugin not found"); ROUTER orders them as a DAG.
      else if (version === 'v0.7' && declaredAt.get(ref)! > i)
        issues.push(`plugins[${i}].parameters.${field}: decider '${ref}' must be declared before the handler in ${label} (plugins are instantiated in order)`);
    }
  }
  if (version === 'router' && cfg.saturationDetector) warnings.push('saturationDetector: deprecated at top level in llm-d-router; use flowControl.saturationDetector');
  if (issues.length) throw new EppConfigError(issues);

  const ensurePlugin = (type: string): string => {
    const existing = plugins.find((p) => p.type === type);
    if (existing) return existing.name;
    const added: ResolvedPlugin = { name: type, type, kind: table[type]!.kind, parameters: {} };
    plugins.push(added);
    byName.set(added.name, added);
    return added.name;
  };
  const rawProfiles =
    cfg.schedulingProfiles ?? [{ name: 'default', plugins: plugins.filter((p) => SCHEDULING_KINDS.includes(p.kind)).map((p) => ({ pluginRef: p.name, weight: undefined })) }];
  const firstPicker = plugins.find((p) => p.kind === 'picker')?.name;
  const profiles: ResolvedProfile[] = rawProfiles.map((prof) => {
    const filters: string[] = [];
    const scorers: { name: string; weight: number }[] = [];
    let picker: string | undefined;
    for (const ref of prof.plugins) {
      const kind = byName.get(ref.pluginRef)!.kind;
      if (kind === 'filter') filters.push(ref.pluginRef);
      else if (kind === 'scorer') scorers.push({ name: ref.pluginRef, weight: ref.weight ?? 1 });
      else picker = ref.pluginRef;
    }
    return { name: prof.name, filters, scorers, picker: picker ?? firstPicker ?? ensurePlugin('max-score-picker') };
  });
  const handler = handlers[0]?.name ?? ensurePlugin('single-profile-handler');
  const sd = (version === 'v0.7' ? cfg.saturationDetector : undefined) as z.infer<typeof V07SaturationDetectorSchema> | undefined;
  return {
    version,
    apiVersion: cfg.apiVersion ?? api.apiVersions[0]!,
    plugins,
    profiles,
    profileHandler: handler,
    preRequest: plugins.filter((p) => p.kind === 'pre-request').map((p) => p.name),
    featureGates: cfg.featureGates ?? [],
    // GIE v1.4.0 loader buildSaturationConfig: a threshold applies only when positive (kv: in (0,1)).
    saturation: {
      queueDepthThreshold: sd?.queueDepthThreshold && sd.queueDepthThreshold > 0 ? sd.queueDepthThreshold : 5,
      kvCacheUtilThreshold: sd?.kvCacheUtilThreshold && sd.kvCacheUtilThreshold > 0 && sd.kvCacheUtilThreshold < 1 ? sd.kvCacheUtilThreshold : 0.8,
      metricsStalenessMs: sd?.metricsStalenessThreshold ? parseGoDuration(sd.metricsStalenessThreshold) : 200,
    },
    warnings,
  };
}

/** Whether the resolved config includes a plugin of this type (e.g. destination-endpoint-served-verifier). */
export function hasPluginType(config: ResolvedEppConfig, type: string): boolean {
  return config.plugins.some((p) => p.type === type);
}
