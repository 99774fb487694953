// The timescale a simulated cluster's autoscaler runs on, as the autoscale claim reads it (core
// upstream/autoscale.ts AutoscaleTimescale). The presets scale in milliseconds where a real HPA takes
// minutes, so the claim must judge a simulator run by these numbers, not by Kubernetes' defaults.
import type { AutoscaleTimescale } from '@routebench/core';
import { parseClusterSpec, type ClusterSpecInput } from './cluster.ts';

/**
 * Scale-up: one control-loop interval + the scale-up window + the new pod's start-up delay + one EPP
 * scrape (the ready-pods gauge). Scale-down: one interval + the scale-down window + one EPP scrape.
 * Undefined when the cluster has no autoscaler.
 */
export function autoscaleTimescaleOf(input: ClusterSpecInput): AutoscaleTimescale | undefined {
  const spec = parseClusterSpec(input);
  const a = spec.autoscale;
  if (!a) return undefined;
  const s = (ms: number) => Math.round(ms) / 1000;
  return {
    source: `simulator autoscaler (interval ${s(a.intervalMs)} s, scale-down stabilization ${s(a.scaleDownStabilizationMs)} s, pod start ${s(a.template.startupDelayMs)} s)`,
    scaleUpWithinS: s(a.intervalMs + a.scaleUpStabilizationMs + a.template.startupDelayMs + spec.scrapeIntervalMs),
    scaleDownWithinS: s(a.intervalMs + a.scaleDownStabilizationMs + spec.scrapeIntervalMs),
  };
}
