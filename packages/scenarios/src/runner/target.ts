// Opens a scenario's target: the embedded simulator (started here, on loopback) or a user's gateway.
// Either way the runner gets a URL to send to, the metrics endpoints to scrape, and what is known
// about the pods (roles, models) for the claims.
import { join } from 'node:path';
import type { LlmdVersion, MetricsSourceInput, PodRole } from '@routebench/core';
import { startCluster } from '@routebench/sim';
import { presetSpec, PRESET_NAMES, type PresetName } from '@routebench/sim';
import type { Scenario, Target } from '../scenario.ts';
import { RoutebenchError } from '@routebench/core';

export interface OpenTarget {
  url: string;
  kind: 'sim' | 'url';
  /** Human description for summaries (never includes credentials). */
  description: string;
  metricsSources: MetricsSourceInput[];
  eppLogPath: string | null;
  podRoles: Record<string, PodRole>;
  podModels: Record<string, string[]>;
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
    return { url: target.url, kind: 'url', description: target.url, metricsSources, eppLogPath: null, podRoles: {}, podModels: {}, close: async () => {} };
  }
  const preset = target.sim.preset;
  if (!(PRESET_NAMES as readonly string[]).includes(preset)) {
    throw new RoutebenchError('RB_CONFIG_INVALID', `target.sim.preset: unknown simulator preset "${preset}"; valid: ${PRESET_NAMES.join(', ')}`);
  }
  const eppLogPath = join(runDir, 'epp.log');
  // --llmd-version picks the generation the simulator behaves as (its configs, logs, metrics); the scenario's own option wins.
  const spec = presetSpec(preset as PresetName, { ...(opts.llmdVersion && { llmdVersion: opts.llmdVersion }), ...(target.sim.options ?? {}), eppLogPath, seed: scenario.seed });
  const cluster = await startCluster(spec).catch((e: Error) => {
    throw new RoutebenchError('RB_TARGET_UNREACHABLE', `simulator preset ${preset} did not start: ${e.message}`, { field: 'target.sim', cause: e });
  });
  try {
    await cluster.waitReady(15_000);
  } catch (e) {
    await cluster.stop();
    throw new RoutebenchError('RB_TARGET_UNREACHABLE', `simulator preset ${preset} did not become ready: ${(e as Error).message}`, { field: 'target.sim', cause: e });
  }
  const podRoles: OpenTarget['podRoles'] = {};
  const podModels: OpenTarget['podModels'] = {};
  for (const p of cluster.pods) {
    podRoles[p.name] = p.role;
    podModels[p.name] = p.models;
  }
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
  const optionText = Object.entries({ llmdVersion: spec.llmdVersion, ...(target.sim.options ?? {}) })
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',');
  return {
    url: cluster.gatewayUrl,
    kind: 'sim',
    description: `sim:${preset}${optionText ? `(${optionText})` : ''}`,
    metricsSources,
    eppLogPath,
    podRoles,
    podModels,
    close: () => cluster.stop(),
  };
}
