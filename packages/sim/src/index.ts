// @routebench/sim — the whole public surface: start a simulated llm-d stack (vLLM-like pods, the EPP
// gateway, P/D sidecars, an autoscaler) on loopback, from a preset or a spec, and inject faults into it.
// What is listed here is what other packages may use; everything else is the simulator's inside.

// A whole cluster: startCluster(spec) → gateway URL, EPP metrics and log, pods, setFaults, waitReady, stop.
export { startCluster, type Cluster, type ClusterSpec, type ClusterSpecInput } from './cluster.ts';
export type { SimPod } from './pod/index.ts';

// The seed study's deployments as ready-made cluster specs: presetSpec('agg-2', { kvTransfer: 'broken' }).
export { presetSpec, PRESET_NAMES, type PresetName, type PresetOptionsInput } from './presets.ts';
// Several models as upstream serves them: one pool (EPP + pods) per model behind body-based routing.
export { isMultiPoolPreset, multiPoolPresetSpec, MULTI_POOL_PRESETS } from './presets.ts';
export { startMultiPool, type MultiPool, type MultiPoolSpecInput, type PoolSpecInput, type SimPool } from './multi-pool.ts';
export { startBodyBasedRouter, type BodyBasedRouter, type BbrRouteInput } from './bbr.ts';
// How fast a cluster's autoscaler acts (what the autoscale claim judges a simulator run against).
export { autoscaleTimescaleOf } from './autoscale-timescale.ts';

// Faults a user injects per pod with cluster.setFaults(pod, faults) (or the preset option `faults`).
export type { PodFaults } from './types.ts';

// A cluster for an upstream EndpointPickerConfig (`routebench sim --epp-config FILE --llmd-version v0.7|router`).
export { clusterSpecFromEppConfig, type EppConfigClusterOptions } from './epp-config-cluster.ts';
export { eppConfigClusterSpec } from './bin.ts';
