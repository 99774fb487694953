// The claims engine: evidence of a run (and its controls) → Pass / Fail / Inconclusive verdicts.
export * from './context.ts';
export { ClaimConfigError, parseThresholds, type ClaimInput, type ClaimOutcome } from './claim-outcome.ts';
export * from './evaluate.ts';
export * from './render.ts';
export { expectedRandomDominantShare } from './dominant-share.ts';
export { PrefixAffinityThresholdsSchema, evaluatePrefixAffinity } from './prefix-affinity.ts';
export { PrefixCacheHitRateThresholdsSchema, evaluatePrefixCacheHitRate } from './prefix-cache-hit-rate.ts';
export { QueueBalanceThresholdsSchema, evaluateQueueBalance, jainIndex } from './queue-balance.ts';
export { KvUtilizationThresholdsSchema, evaluateKvUtilization } from './kv-utilization.ts';
export { ModelRoutingThresholdsSchema, evaluateModelRouting } from './model-routing.ts';
export { AutoscaleThresholdsSchema, evaluateAutoscale } from './autoscale.ts';
export { PdSelectiveThresholdsSchema, evaluatePdSelective } from './pd-selective.ts';
export { PdTransferThresholdsSchema, evaluatePdTransfer } from './pd-transfer.ts';
export { PrecisePrefixThresholdsSchema, evaluatePrecisePrefix } from './precise-prefix.ts';
export { LatencySloThresholdsSchema, evaluateLatencySlo } from './latency-slo.ts';
