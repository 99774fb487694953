// The claim registry and evaluateClaims(): parse every claim's thresholds (strict, with defaults), judge it
// on the evidence, and return one Verdict per claim in the scenario's order.
import type { z } from 'zod';
import type { Verdict } from './verdict.ts';
import { AutoscaleThresholdsSchema, evaluateAutoscale } from './autoscale.ts';
import { ClaimConfigError, inconclusive, makeVerdict, parseThresholds, runLevelProblem, type ClaimInput, type ClaimOutcome } from './claim-outcome.ts';
import type { ClaimContext } from './context.ts';
import { evaluateKvUtilization, KvUtilizationThresholdsSchema } from './kv-utilization.ts';
import { evaluateLatencySlo, LatencySloThresholdsSchema } from './latency-slo.ts';
import { evaluateModelRouting, ModelRoutingThresholdsSchema } from './model-routing.ts';
import { evaluatePdSelective, PdSelectiveThresholdsSchema } from './pd-selective.ts';
import { evaluatePdTransfer, PdTransferThresholdsSchema } from './pd-transfer.ts';
import { evaluatePrecisePrefix, PrecisePrefixThresholdsSchema } from './precise-prefix.ts';
import { evaluatePrefixAffinity, PrefixAffinityThresholdsSchema } from './prefix-affinity.ts';
import { evaluatePrefixCacheHitRate, PrefixCacheHitRateThresholdsSchema } from './prefix-cache-hit-rate.ts';
import { evaluateQueueBalance, QueueBalanceThresholdsSchema } from './queue-balance.ts';

interface ClaimDef<S extends z.ZodType> {
  schema: S;
  evaluate: (ctx: ClaimContext, t: z.infer<S>) => ClaimOutcome;
}
const def = <S extends z.ZodType>(schema: S, evaluate: (ctx: ClaimContext, t: z.infer<S>) => ClaimOutcome): ClaimDef<z.ZodType> =>
  ({ schema, evaluate }) as unknown as ClaimDef<z.ZodType>;

/** Every claim id the engine knows, with its threshold schema and judge. */
export const CLAIMS = {
  'prefix-affinity': def(PrefixAffinityThresholdsSchema, evaluatePrefixAffinity),
  'prefix-cache-hit-rate': def(PrefixCacheHitRateThresholdsSchema, evaluatePrefixCacheHitRate),
  'queue-balance': def(QueueBalanceThresholdsSchema, evaluateQueueBalance),
  'kv-utilization': def(KvUtilizationThresholdsSchema, evaluateKvUtilization),
  'model-routing': def(ModelRoutingThresholdsSchema, evaluateModelRouting),
  autoscale: def(AutoscaleThresholdsSchema, evaluateAutoscale),
  'pd-selective': def(PdSelectiveThresholdsSchema, evaluatePdSelective),
  'pd-transfer': def(PdTransferThresholdsSchema, evaluatePdTransfer),
  'precise-prefix': def(PrecisePrefixThresholdsSchema, evaluatePrecisePrefix),
  'latency-slo': def(LatencySloThresholdsSchema, evaluateLatencySlo),
} as const;
export type ClaimId = keyof typeof CLAIMS;
export const CLAIM_IDS = Object.keys(CLAIMS) as [ClaimId, ...ClaimId[]];

function defOf(claim: ClaimInput, where: string): ClaimDef<z.ZodType> {
  const d = (CLAIMS as Record<string, ClaimDef<z.ZodType>>)[claim.id];
  if (!d) throw new ClaimConfigError(`${where}.id: unknown claim '${claim.id}'; known claims: ${CLAIM_IDS.join(', ')}`);
  return d;
}

/**
 * Check every claim's fields before a run starts (a typo should not cost a run). Returns the parsed
 * thresholds with defaults filled, in order; throws ClaimConfigError naming `claims.<i>.<field>`.
 */
export function parseClaims(claims: readonly ClaimInput[]): Array<{ id: string; thresholds: Record<string, unknown> }> {
  return claims.map((c, i) => {
    const where = `claims.${i}`;
    return { id: c.id, thresholds: parseThresholds(defOf(c, where).schema, c, where) as Record<string, unknown> };
  });
}

/** One verdict per claim. A claim never passes on a run whose client was the bottleneck. */
export function evaluateClaims(claims: readonly ClaimInput[], ctx: ClaimContext): Verdict[] {
  const parsed = parseClaims(claims);
  const runProblem = runLevelProblem(ctx.main);
  return parsed.map(({ id, thresholds }) => {
    const d = (CLAIMS as Record<string, ClaimDef<z.ZodType>>)[id];
    const outcome = runProblem ? inconclusive(runProblem, ['summary:meta.client']) : d.evaluate(ctx, thresholds);
    return makeVerdict(id, ctx, outcome, thresholds);
  });
}
