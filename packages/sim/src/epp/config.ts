// EndpointPickerConfig loading: YAML text → zod-validated config → resolved config with the EPP loader's
// defaults applied (GIE v1.2.0 pkg/epp/config/loader/defaults.go):
//   - no schedulingProfiles → one profile `default` holding every filter, scorer and picker;
//   - one profile and no profile handler → `single-profile-handler`;
//   - scorer without weight → weight 1; profile without picker → `max-score-picker`.
// Both apiVersions are accepted (`inference.networking.x-k8s.io/v1alpha1` and llm-d's `llm-d.ai/v1alpha1`).
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { GoDurationSchema, PLUGIN_TYPES, type PluginKind } from './plugin-params.ts';

export const EPP_API_VERSIONS = ['inference.networking.x-k8s.io/v1alpha1', 'llm-d.ai/v1alpha1'] as const;

export const PluginSpecSchema = z
  .strictObject({
    name: z.string().min(1).optional(),
    type: z.string().min(1),
    parameters: z.unknown().optional(),
  })
  .superRefine((p, ctx) => {
    const info = PLUGIN_TYPES[p.type];
    if (!info) {
      ctx.addIssue({
        code: 'custom',
        path: ['type'],
        message: `unknown plugin type '${p.type}' (known: ${Object.keys(PLUGIN_TYPES).join(', ')})`,
      });
      return;
    }
    const r = info.params.safeParse(p.parameters ?? {});
    if (!r.success) {
      for (const issue of r.error.issues) {
        ctx.addIssue({ code: 'custom', path: ['parameters', ...issue.path], message: issue.message });
      }
    }
  });
export type PluginSpec = z.infer<typeof PluginSpecSchema>;

/**
 * A profile entry: `{pluginRef, weight?}`. The shorthand strings `name`, `name w2`, `name w3.0` and
 * `name(w2)` are accepted too, because the seed study's write-ups use them.
 */
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

export const SchedulingProfileSchema = z.strictObject({
  name: z.string().min(1),
  plugins: z.array(PluginRefSchema),
});

export const SaturationDetectorSchema = z.strictObject({
  queueDepthThreshold: z.number().int().nonnegative().optional(),
  kvCacheUtilThreshold: z.number().min(0).max(1).optional(),
  metricsStalenessThreshold: GoDurationSchema.optional(),
});

export const EppConfigSchema = z
  .strictObject({
    apiVersion: z.enum(EPP_API_VERSIONS).optional(),
    /** Optional: the seed study's configs omit it (Helm wraps them). */
    kind: z.literal('EndpointPickerConfig').optional(),
    plugins: z.array(PluginSpecSchema).min(1),
    schedulingProfiles: z.array(SchedulingProfileSchema).optional(),
    featureGates: z.array(z.string()).optional(),
    saturationDetector: SaturationDetectorSchema.optional(),
    // llm-d.ai/v1alpha1 top-level blocks; accepted so real configs load, not simulated.
    dataLayer: z.record(z.string(), z.unknown()).optional(),
    flowControl: z.record(z.string(), z.unknown()).optional(),
    parser: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((cfg, ctx) => {
    const kinds = new Map<string, PluginKind>();
    cfg.plugins.forEach((p, i) => {
      const name = p.name ?? p.type;
      const info = PLUGIN_TYPES[p.type];
      if (kinds.has(name)) ctx.addIssue({ code: 'custom', path: ['plugins', i, 'name'], message: `duplicate plugin name '${name}'` });
      if (info) kinds.set(name, info.kind);
    });
    const handlers = cfg.plugins.filter((p) => PLUGIN_TYPES[p.type]?.kind === 'profile-handler');
    if (handlers.length > 1) ctx.addIssue({ code: 'custom', path: ['plugins'], message: 'at most one profile handler plugin is allowed' });
    (cfg.schedulingProfiles ?? []).forEach((prof, pi) => {
      let pickers = 0;
      prof.plugins.forEach((ref, ri) => {
        const kind = kinds.get(ref.pluginRef);
        const path = ['schedulingProfiles', pi, 'plugins', ri, 'pluginRef'];
        if (!kind) ctx.addIssue({ code: 'custom', path, message: `no plugin named '${ref.pluginRef}' in plugins` });
        else if (kind !== 'filter' && kind !== 'scorer' && kind !== 'picker')
          ctx.addIssue({ code: 'custom', path, message: `'${ref.pluginRef}' is a ${kind}, expected a filter, scorer or picker` });
        if (kind === 'picker') pickers++;
      });
      if (pickers > 1) ctx.addIssue({ code: 'custom', path: ['schedulingProfiles', pi, 'plugins'], message: 'at most one picker per profile' });
    });
    const profiles = cfg.schedulingProfiles ?? [];
    if (profiles.length > 1 && handlers.length === 0)
      ctx.addIssue({ code: 'custom', path: ['schedulingProfiles'], message: 'several profiles need a profile handler plugin' });
    cfg.plugins.forEach((p, i) => {
      const params = (p.parameters ?? {}) as Record<string, unknown>;
      const checkDecider = (ref: unknown, path: (string | number)[]) => {
        if (typeof ref !== 'string') return;
        if (kinds.get(ref) !== 'decider') ctx.addIssue({ code: 'custom', path: ['plugins', i, 'parameters', ...path], message: `no decider plugin named '${ref}'` });
      };
      if (p.type === 'pd-profile-handler') checkDecider(params.deciderPluginName, ['deciderPluginName']);
      if (p.type === 'disagg-profile-handler') checkDecider((params.deciders as Record<string, unknown> | undefined)?.prefill, ['deciders', 'prefill']);
      if (p.type === 'single-profile-handler' && profiles.length > 1)
        ctx.addIssue({ code: 'custom', path: ['plugins', i, 'type'], message: 'single-profile-handler allows exactly one profile' });
    });
  });
export type EppConfigInput = z.input<typeof EppConfigSchema>;
export type EppConfig = z.infer<typeof EppConfigSchema>;

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
  apiVersion: (typeof EPP_API_VERSIONS)[number];
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

export function zodIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
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
  return resolveEppConfig(doc);
}

/** Validate an already-parsed config object and apply the loader defaults. */
export function resolveEppConfig(doc: unknown): ResolvedEppConfig {
  const r = EppConfigSchema.safeParse(doc);
  if (!r.success) throw new EppConfigError(zodIssues(r.error));
  const cfg = r.data;
  const warnings: string[] = [];
  const plugins: ResolvedPlugin[] = cfg.plugins.map((p, i) => {
    const parameters = (p.parameters ?? {}) as Record<string, unknown>;
    if (p.type === 'prefix-cache-scorer' && parameters.hashBlockSize !== undefined)
      warnings.push(`plugins[${i}].parameters.hashBlockSize: renamed blockSize in GIE v1.1; ignored (blockSize is used)`);
    const idx = parameters.indexerConfig as Record<string, unknown> | undefined;
    if (p.type === 'precise-prefix-cache-scorer' && idx?.speculativeIndexing !== undefined)
      warnings.push(`plugins[${i}].parameters.indexerConfig.speculativeIndexing: only takes effect as a top-level parameter; ignored`);
    return { name: p.name ?? p.type, type: p.type, kind: PLUGIN_TYPES[p.type]!.kind, parameters };
  });
  const byName = new Map(plugins.map((p) => [p.name, p]));
  const ensurePlugin = (type: string): string => {
    const existing = plugins.find((p) => p.type === type);
    if (existing) return existing.name;
    const added: ResolvedPlugin = { name: type, type, kind: PLUGIN_TYPES[type]!.kind, parameters: {} };
    plugins.push(added);
    byName.set(added.name, added);
    return added.name;
  };

  const rawProfiles =
    cfg.schedulingProfiles ??
    [{ name: 'default', plugins: plugins.filter((p) => ['filter', 'scorer', 'picker'].includes(p.kind)).map((p) => ({ pluginRef: p.name, weight: undefined })) }];
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
    return { name: prof.name, filters, scorers, picker: picker ?? ensurePlugin('max-score-picker') };
  });
  const handler = plugins.find((p) => p.kind === 'profile-handler')?.name ?? ensurePlugin('single-profile-handler');
  const sd = cfg.saturationDetector ?? {};
  return {
    apiVersion: cfg.apiVersion ?? 'inference.networking.x-k8s.io/v1alpha1',
    plugins,
    profiles,
    profileHandler: handler,
    preRequest: plugins.filter((p) => p.kind === 'pre-request').map((p) => p.name),
    featureGates: cfg.featureGates ?? [],
    saturation: {
      queueDepthThreshold: sd.queueDepthThreshold ?? 5,
      kvCacheUtilThreshold: sd.kvCacheUtilThreshold ?? 0.8,
      metricsStalenessMs: sd.metricsStalenessThreshold ? parseGoDuration(sd.metricsStalenessThreshold) : 200,
    },
    warnings,
  };
}
