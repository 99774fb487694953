// precise-prefix: the precise (KV-event-fed) prefix scorer steers each prefix group to the pod holding its
// blocks. Two kinds of evidence: the scorer's own per-endpoint scores from the EPP log (all 0 = the seed's
// failure, KV events not reaching the EPP), and the routing outcome — group affinity on the serving (decode)
// pods measured as in prefix-affinity, against a random picker and the control run. Confidence is
// prefix-affinity's (Wilson on the pooled modal-pod share, Newcombe against the control); an all-zero
// scorer is a Fail on its own (every observed score was 0: an observation, not an estimate).
import { z } from 'zod';
import { type ClaimOutcome } from './claim-outcome.ts';
import type { ClaimContext } from './context.ts';
import { pct } from './format.ts';
import { judgeAffinity, PrefixAffinityThresholdsSchema } from './prefix-affinity.ts';
import { PRECISE_SCORER_ROUTER, PRECISE_SCORER_V07, readPreciseScores } from './precise-scores.ts';

export const PrecisePrefixThresholdsSchema = PrefixAffinityThresholdsSchema.extend({
  /**
   * The scorer whose per-endpoint score lines are the precise scores (plugin type or name). Default: v0.7's
   * precise-prefix-cache-scorer when the log has its lines, else llm-d-router's prefix-cache-scorer (fed by
   * precise-prefix-cache-producer). Set it when a router config also runs an approximate prefix scorer.
   */
  scorerPlugin: z.string().min(1).optional(),
});
export type PrecisePrefixThresholds = z.infer<typeof PrecisePrefixThresholdsSchema>;

export function evaluatePrecisePrefix(ctx: ClaimContext, t: PrecisePrefixThresholds): ClaimOutcome {
  // Default: v0.7's scorer lines when the log has them, else the router's; the log is read once for v0.7.
  const v07 = t.scorerPlugin === undefined ? readPreciseScores(ctx.main.eppLog, PRECISE_SCORER_V07) : null;
  const plugin = t.scorerPlugin ?? (v07 ? PRECISE_SCORER_V07 : PRECISE_SCORER_ROUTER);
  const scores = v07 ?? readPreciseScores(ctx.main.eppLog, plugin);
  const { outcome } = judgeAffinity(ctx, t);
  const sources = scores ? [`epp-log:${plugin}`, ...outcome.sources] : outcome.sources;
  const confidence = outcome.confidence ?? [];
  const evidence = { ...outcome.evidence, scorerObservations: scores?.observations ?? null, scorerNonZero: scores?.nonZero ?? null, scorerEmptyMaps: scores?.emptyMaps ?? null };

  if (scores && scores.nonZero === 0)
    return {
      status: 'Fail',
      details: `KV events not reaching EPP, or not matching its endpoints (topic kv@<pod-id>@<model> needs pod id = IP:port); scorer returns 0 for all endpoints (${scores.observations} scores, ${scores.emptyMaps} empty score maps in the EPP log)${outcome.evidence.meanDominantShare !== undefined ? `; ${outcome.details}` : ''}`,
      sources,
      evidence,
      confidence,
    };
  const scoreNote = scores ? `; scorer gave a non-zero score ${scores.nonZero}/${scores.observations} times` : '; per-endpoint scorer scores not in evidence (EPP log not verbose or not collected)';
  if (outcome.status === 'Fail') {
    const cause = scores ? '' : ' -- consistent with KV events not reaching the EPP (scorer returning 0 for all endpoints)';
    return { status: 'Fail', details: `precise prefix routing does not hold groups together: ${outcome.details}${cause}${scoreNote}`, sources, evidence, confidence };
  }
  if (outcome.status === 'Inconclusive') return { ...outcome, details: `${outcome.details}${scoreNote}`, sources, evidence };
  return {
    status: 'Pass',
    details: `precise prefix scorer routes groups to the pod holding their blocks: ${outcome.details.replace(/^prefix affinity routes to same pod: /, '')}${scoreNote}`,
    sources,
    evidence,
    confidence,
  };
}

