// @routebench/scenarios — the whole public surface (package.json exports only ".").

// Scenarios: define, load, adjust.
export {
  defineScenario,
  parseScenario,
  loadScenarioFile,
  applyQuick,
  controlScenario,
  ScenarioSchema,
  CLAIM_IDS,
  type Scenario,
  type ScenarioInput,
} from './scenario.ts';
export { applyOverrides, withCompareTargets, withTarget } from './overrides.ts';
export { getPreset, listPresets } from './presets/index.ts';

// Running them: one scenario (main run, controls, compared targets) or the whole seed table.
export { runScenario, type ScenarioRunOptions, type ScenarioResult, type SingleRun } from './runner/run-scenario.ts';
export { runSeedTable, SEED_TABLE_PRESETS, type SeedTableResult } from './runner/seed-table.ts';
export { repeatScenario, repeatSeedTable, renderRepeatTable, summarizeRepeats, type RepeatSummary, type RepeatClaim, type RepeatRun } from './runner/repeat.ts';
export { preflightScenario } from './runner/preflight.ts';

// Sweeps: a ladder of load levels per target, and the SLO-max search over them.
export { runSweep, repeatSweep, sweepSlos, levelLoad, DEFAULT_LEVEL_DURATION_S, type SweepResult, type SweepTarget, type SweepLevel, type SweepRunOptions } from './sweep/run-sweep.ts';
export { SweepSchema, LadderSchema, SloSchema, parseSloText, ladderLevels, autoRates, SLO_TEXT_HELP, type Sweep, type SweepInput, type Ladder, type Slo } from './sweep/ladder.ts';
export { findSloMax, judgeLevel, crossings, sloKey, sloLabel, type SloMax, type SearchPoint, type LevelJudgement } from './sweep/slo.ts';
export { sweepCsv, sloMaxCsv, SWEEP_CSV_COLUMNS, SLO_MAX_CSV_COLUMNS } from './sweep/sweep-csv.ts';
export { mergeScenarioShards, readRunScenario, type ShardsMergeResult } from './runner/merge-shards.ts';

// Workloads: request streams for run()/measure().
export { createWorkload, WorkloadSchema, WORKLOAD_TYPES, type Workload, type WorkloadInput, type WorkloadType } from './workloads/index.ts';
export type { WorkloadContext, WorkloadStream } from './workloads/common.ts';

// Importing other tools' configs.
export { importInferencePerfFile, convertInferencePerfConfig, type InferencePerfImport } from './import/inference-perf.ts';
