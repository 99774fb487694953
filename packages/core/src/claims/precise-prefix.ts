// precise-prefix: the precise (KV-event-fed) prefix scorer steers each prefix group to the pod holding its
// blocks. Two kinds of evidence: the scorer's own per-endpoint scores from the EPP log (all 0 = the seed's
// failure, KV events not reaching the EPP), and the routing outcome — group affinity on the serving (decode)
// pods measured as in prefix-affinity, against a random picker and the control run. Confidence is
// prefix-affinity's (Wilson on the pooled modal-pod share, Newcombe against the control). An all-zero scorer
// is judged on its own test: the Wilson interval of the scorer's non-zero share (non-zero scores out of all
// scores plus empty score maps) must lie wholly below minScorerNonZeroShare to Fail; with too few score
// lines to say so it is Inconclusive. It never borrows the routing test's confidence: when the dropped-events
// control sends every group to one pod the routing test is Inconclusive, and the Fail still has its own CI.
import { z } from 'zod';
import type { ClaimContext } from './context.ts';
import { decideShare, formatConfidence } from './confidence.ts';
import { share, type ClaimOutcome } from './claim-outcome.ts';
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
  /**
   * A working scorer's non-zero share is at least this; an all-zero scorer Fails when the 95% Wilson upper
   * bound of its non-zero share is below it. A working precise scorer gives the pod holding a group's blocks
   * a non-zero score on every request of the group but the first: share ≈ (R−1)/(R·P) for groups of R requests
   * on P pods (2 pods, 12/group: 46%; 10 pods, 2/group: 5%). 5% sits at or under that for every deployment up to
   * 10 pods; 0 of 74 score lines clears it.
   */
  minScorerNonZeroShare: share().default(0.05),
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

  if (scores && scores.nonZero === 0) {
    const n = scores.observations + scores.emptyMaps;
    const zeroTest = decideShare(0, n, t.minScorerNonZeroShare, { test: `scorer non-zero share ≥ ${pct(t.minScorerNonZeroShare)} (scores plus empty score maps)`, unit: 'score lines' });
    const routing = outcome.evidence.meanDominantShare !== undefined ? `; ${outcome.details}` : '';
    const counts = `${scores.observations} scores, ${scores.emptyMaps} empty score maps in the EPP log`;
    const ci = `non-zero share ${formatConfidence(zeroTest)}`;
    if (zeroTest.status !== 'Fail')
      return {
        status: 'Inconclusive',
        details: `the precise scorer returned 0 for every endpoint, but on too few score lines to call it broken (${counts}; ${ci})${routing}`,
        sources,
        evidence,
        confidence: [zeroTest],
      };
    return {
      status: 'Fail',
      details: `KV events not reaching EPP, or not matching its endpoints (topic kv@<pod-id>@<model> needs pod id = IP:port); scorer returns 0 for all endpoints (${counts}; ${ci})${routing}`,
      sources,
      evidence,
      confidence: [zeroTest, ...confidence],
    };
  }
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

