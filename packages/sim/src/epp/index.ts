// Public API of the gateway side of the simulator: EPP config/scheduler/gateway, the P/D sidecar,
// whole clusters, presets and the CLI entry (re-exported by the package index in one line).
export { loadEppConfig, resolveEppConfig, EppConfigSchema, EppConfigError, type EppConfig, type ResolvedEppConfig } from './config.ts';
export { createScheduler, NoPodsAvailableError, type Scheduler } from './scheduler.ts';
export { createDatastore, type Datastore } from './datastore.ts';
export { startGateway, type Gateway, type GatewayOptions } from './gateway.ts';
export { createEppMetrics, type EppMetrics } from './epp-metrics.ts';
export { openEppLog, formatEppLogLine, type EppLogRecord } from './epp-log.ts';
export { startSidecar, type Sidecar, type SidecarOptions } from '../sidecar.ts';
export { startCluster, parseClusterSpec, ClusterSpecSchema, type Cluster, type ClusterSpec, type ClusterSpecInput } from '../cluster.ts';
export { presetSpec, PRESET_NAMES, PresetOptionsSchema, type PresetName, type PresetOptions, type PresetOptionsInput } from '../presets.ts';
export { startFromCli, SIM_USAGE } from '../bin.ts';
