// Opens a scenario's target: the embedded simulator (started here, on loopback) or a user's gateway.
// Either way the runner gets a URL to send to, the metrics endpoints to scrape, and what is known
// about the pods (roles, models) for the claims.
import { join } from 'node:path';
import type { AutoscaleTimescale, LlmdVersion, MetricsSourceInput, PodRole } from '@routebench/core';
import { startCluster } from '@routebench/sim';
import { autoscaleTimescaleOf, isMultiPoolPreset, multiPoolPresetSpec, presetSpec, PRESET_NAMES, startMultiPool, type PresetName } from '@routebench/sim';
import type { Scenario, Target } from '../scenario.ts';
import { collectServedModels, RoutebenchError } from '@routebench/core';

export interface OpenTarget {
  url: string;
  kind: 'sim' | 'url';
  /** Human description for summaries (never includes credentials). */
  description: string;
  metricsSources: MetricsSourceInput[];
  eppLogPath: string | null;
  /** pod → file with its vLLM request log lines (simulator; a real cluster's come through a kubernetes source). */
  podLogPaths?: Record<string, string>;
  podRoles: Record<string, PodRole>;
  podModels: Record<string, string[]>;
  /** The simulator's declared autoscaler timescale (absent on a real target: the claim assumes HPA defaults). */
  autoscaleTimescale?: AutoscaleTimescale;
  close(): Promise<void>;
}

export async function openTarget(target: Target, scenario: Scenario, runDir: string, opts: { eppTokenFile?: string; llmdVersion?: LlmdVersion } = {}): Promise<OpenTarget> {
  if ('url' in target) {
    const sources = scenario.metrics?.sources ?? [];
    // Shorthand pod/epp URLs become one static source; full source configs pass through as written.
    // The EPP's /metrics needs a bearer token by default (EPP_METRICS_AUTH_DEFAULT); --epp-token-file names it.
    const eppToken = opts.eppTokenFile ? { bearerTokenFile: opts.eppTokenFile } : {};
    const endpoints = sources.flatMap((s, i) =>
      s.kind === 'pod' || s.kind === 'epp' ? [{ name: s.name ?? (s.kind === 'epp' ? 'epp' : `pod-${i}`), url: s.url, role: s.kind === 'epp' ? 'epp' : undefined, ...(s.kind === 'epp' ? eppToken : {}) }] : [],
    );
    const metricsSources: MetricsSourceInput[] = [
      ...(endpoints.length > 0 ? [{ kind: 'static' as const, name: 'scenario', targets: endpoints }] : []),
      ...sources.filter((s): s is Exclude<typeof s, { kind: 'pod' | 'epp' }> => s.kind !== 'pod' && s.kind !== 'epp'),
    ];
    // Which models each pod serves (model-routing): each pod's GET /v1/models, else its llm-d.ai/model label.
    const served = await collectServedModels(metricsSources);
    return { url: target.url, kind: 'url', description: target.url, metricsSources, eppLogPath: null, podRoles: {}, podModels: served.podModels, close: async () => {} };
  }
  const preset = target.sim.preset;
  if (!(PRESET_NAMES as readonly string[]).includes(preset)) {
    throw new RoutebenchError('RB_CONFIG_INVALID', `target.sim.preset: unknown simulator preset "${preset}"; valid: ${PRESET_NAMES.join(', ')}`);
  }
  const eppLogPath = join(runDir, 'epp.log');
  if (isMultiPoolPreset(preset)) return openMultiPool(preset as PresetName, target.sim.options ?? {}, scenario, eppLogPath, opts);
  // --llmd-version picks the generation the simulator behaves as (its configs, logs, metrics); the scenario's own option wins.
  const spec = withPodRequestLogs(runDir, presetSpec(preset as PresetName, { ...(opts.llmdVersion && { llmdVersion: opts.llmdVersion }), ...(target.sim.options ?? {}), eppLogPath, seed: scenario.seed }));
  const cluster = await startReady(preset, () => startCluster(spec));
  const { podRoles, podModels } = rolesAndModels(cluster.pods);
  // Autoscaled pods come and go: scrape only the EPP then (its pool gauges carry the evidence);
  // otherwise every pod and the EPP.
  const podTargets = cluster.autoscaler
    ? []
    : Object.entries(cluster.podMetricsUrls()).map(([name, url]) => ({ name, url, role: podRoles[name] }));
  const metricsSources: MetricsSourceInput[] = [
    {
      kind: 'static',
      name: 'sim',
      // The simulated EPP wants a bearer token on /metrics like the real one; the cluster keeps it in a 0600 file.
      targets: [...podTargets, { name: 'epp', url: cluster.eppMetricsUrl, role: 'epp', ...(cluster.eppTokenFile && { bearerTokenFile: cluster.eppTokenFile }) }],
    },
  ];
  return {
    url: cluster.gatewayUrl,
    kind: 'sim',
    description: describeSim(preset, { llmdVersion: spec.llmdVersion, ...(target.sim.options ?? {}) }),
    metricsSources,
    eppLogPath,
    podLogPaths: Object.fromEntries((spec.pods ?? []).map((p) => [p.name, p.requestLogPath!])),
    podRoles,
    podModels,
    autoscaleTimescale: autoscaleTimescaleOf(spec),
    close: () => cluster.stop(),
  };
}

/**
 * The simulated pods run as vLLM with `--enable-log-requests`, each logging to a file in the run folder, so
 * the `vllm-log` attribution path is exercised as on a cluster whose pods log requests (core upstream/vllm-logs.ts).
 */
function withPodRequestLogs<S extends { pods?: Array<{ name: string }> }>(runDir: string, spec: S): S & { pods?: Array<{ name: string; enableLogRequests: boolean; requestLogPath: string }> } {
  return { ...spec, ...(spec.pods && { pods: spec.pods.map((p) => ({ ...p, enableLogRequests: true, requestLogPath: join(runDir, `vllm-${p.name}.log`) })) }) };
}

/** A multi-pool preset (one pool per model behind body-based routing): every pod and every pool's EPP scraped. */
async function openMultiPool(preset: PresetName, options: Record<string, unknown>, scenario: Scenario, eppLogPath: string, opts: { llmdVersion?: LlmdVersion }): Promise<OpenTarget> {
  const spec = multiPoolPresetSpec(preset, { ...(opts.llmdVersion && { llmdVersion: opts.llmdVersion }), ...options, eppLogPath, seed: scenario.seed });
  const mp = await startReady(preset, () => startMultiPool(spec));
  const { podRoles, podModels } = rolesAndModels(mp.pods);
  const epps = mp.pools.map((p) => ({ name: `epp-${p.name}`, url: p.cluster.eppMetricsUrl, role: 'epp', ...(p.cluster.eppTokenFile && { bearerTokenFile: p.cluster.eppTokenFile }) }));
  const podTargets = Object.entries(mp.podMetricsUrls()).map(([name, url]) => ({ name, url, role: podRoles[name] }));
  return {
    url: mp.gatewayUrl,
    kind: 'sim',
    description: describeSim(preset, { llmdVersion: spec.pools[0]?.cluster.llmdVersion, ...options }),
    metricsSources: [{ kind: 'static', name: 'sim', targets: [...podTargets, ...epps] }],
    eppLogPath,
    podRoles,
    podModels,
    close: () => mp.stop(),
  };
}

/** Start a simulator (one cluster or a multi-pool) and wait until its pods are ready; either failure is RB_TARGET_UNREACHABLE. */
async function startReady<T extends { waitReady(timeoutMs?: number): Promise<void>; stop(): Promise<void> }>(preset: string, start: () => Promise<T>): Promise<T> {
  const sim = await start().catch((e: Error) => {
    throw new RoutebenchError('RB_TARGET_UNREACHABLE', `simulator preset ${preset} did not start: ${e.message}`, { field: 'target.sim', cause: e });
  });
  try {
    await sim.waitReady(15_000);
  } catch (e) {
    await sim.stop();
    throw new RoutebenchError('RB_TARGET_UNREACHABLE', `simulator preset ${preset} did not become ready: ${(e as Error).message}`, { field: 'target.sim', cause: e });
  }
  return sim;
}

function rolesAndModels(pods: readonly { name: string; role: PodRole; models: string[] }[]): Pick<OpenTarget, 'podRoles' | 'podModels'> {
  return { podRoles: Object.fromEntries(pods.map((p) => [p.name, p.role])), podModels: Object.fromEntries(pods.map((p) => [p.name, p.models])) };
}

/** "sim:<preset>(k=v,…)" for summaries. */
function describeSim(preset: string, options: Record<string, unknown>): string {
  const text = Object.entries(options)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',');
  return `sim:${preset}${text ? `(${text})` : ''}`;
}
