// pd-transfer: in a P/D split the decode pod receives the prompt's KV over NIXL instead of recomputing it.
// On the decode pods: no failed NIXL transfers (vllm:nixl_num_failed_transfers_total), the tokens they had
// to fetch came as external cache hits (vllm:external_prefix_cache_hits_total / _queries_total), and the
// tokens they computed in prefill (vllm:request_prefill_kv_computed_tokens sum) are small next to their
// prompt tokens. The MIG case of the seed (CUDA IPC blocked) shows as failed transfers and full recompute.
// Confidence: the unit is a split request. The share of splits whose KV arrived (NIXL transfers that
// succeeded, of max(attempts, splits)) is decided on a Wilson interval against minTransferSuccessShare:
// a Pass with no failure at all needs ≥ 35 splits for the default 90%. A failed transfer beyond
// maxFailedTransfers is a counterexample and fails outright. The token rates (external hits, recompute)
// are exact totals over the run's tokens, not estimates of independent draws, so they stay point checks.
import { z } from 'zod';
import { CANONICAL_METRICS as METRIC } from '../evidence/metric-names.ts';
import { count, inconclusive, share, type ClaimOutcome } from './claim-outcome.ts';
import { decideShare, formatConfidence } from './confidence.ts';
import type { ClaimContext } from './context.ts';
import { counterSum, hasCounter, histogramsOf, untrustedTargets } from './evidence-read.ts';
import { num, pct, round } from './format.ts';
import { decodePods, disaggDecisions, prefillPods, splitDecisions } from './pd-evidence.ts';

export const PdTransferThresholdsSchema = z.strictObject({
  /**
   * External (transferred) hits / external queries on the decode pods. Judged only when every decode
   * request was split: vLLM counts decode-only requests as external queries too.
   */
  minExternalHitRate: share().default(0.9),
  maxFailedTransfers: count().default(0),
  /** Tokens computed in prefill on decode pods / their prompt tokens; judged only when every decode request was split. */
  maxDecodeRecomputeShare: share().default(0.2),
  /** Share of split requests whose KV transfer succeeded; Pass needs its 95% lower bound at least this. */
  minTransferSuccessShare: share().default(0.9),
});
export type PdTransferThresholds = z.infer<typeof PdTransferThresholdsSchema>;

const NIXL_FAILED = METRIC.nixlFailedTransfers;
const EXT_HITS = METRIC.externalHits;
const EXT_QUERIES = METRIC.externalQueries;
const KV_COMPUTED = METRIC.prefillKvComputed;
const NIXL_XFER = METRIC.nixlXferTime;

export function evaluatePdTransfer(ctx: ClaimContext, t: PdTransferThresholds): ClaimOutcome {
  const run = ctx.main;
  const decode = decodePods(run);
  if (decode.length === 0) return inconclusive('no decode pod scraped (need pods with role decode)');
  const untrusted = untrustedTargets(run, decode);
  if (untrusted) return inconclusive(untrusted);
  if (!decode.some((p) => hasCounter(p, EXT_QUERIES) || hasCounter(p, NIXL_FAILED)))
    return inconclusive('decode pods expose neither vllm:external_prefix_cache_queries_total nor vllm:nixl_num_failed_transfers_total (no KV connector metrics)');
  const sources = [`metrics:${NIXL_FAILED}_total`, `metrics:${EXT_HITS}_total`];

  const failed = decode.reduce((a, p) => a + counterSum(p, NIXL_FAILED), 0);
  const extHits = decode.reduce((a, p) => a + counterSum(p, EXT_HITS), 0);
  const extQueries = decode.reduce((a, p) => a + counterSum(p, EXT_QUERIES), 0);
  const prompt = decode.reduce((a, p) => a + counterSum(p, METRIC.promptTokens), 0);
  const computedHists = decode.flatMap((p) => histogramsOf(p, KV_COMPUTED));
  const computed = computedHists.length > 0 ? computedHists.reduce((a, h) => a + h.sumDelta, 0) : null;
  if (computed !== null) sources.push(`metrics:${KV_COMPUTED}`);
  const xfers = decode.flatMap((p) => histogramsOf(p, NIXL_XFER)).reduce((a, h) => a + h.countDelta, 0);
  const decisions = disaggDecisions(run);
  const splits = decisions ? splitDecisions(decisions) : null;
  if (decisions) sources.push(`metrics:${decisions.exposedAs}`);
  const prefill = prefillPods(run);
  const prefillRequests = prefill.length > 0 ? prefill.reduce((a, p) => a + counterSum(p, METRIC.requestSuccess), 0) : null;

  // Judge only the split requests. Real vLLM records external queries on EVERY request of a pod with a
  // KV connector (EXTERNAL_PREFIX_CACHE_SEMANTICS), so external queries alone do not show that anything
  // was split: the seed's 2x2 run had queries 57/38, hits 0 and no split at all.
  // Split requests: the EPP's decision counter, else the prefill pods' request_success delta (each split
  // sends one max_tokens=1 request to a prefill pod; the sidecar, connector_nixlv2.go).
  const splitCount = splits ?? prefillRequests;
  const splitNote = splits !== null ? `${num(splits)} P/D splits` : prefillRequests !== null ? `${num(prefillRequests)} prefill-pod requests` : 'no split evidence';
  if (failed === 0 && splitCount === 0)
    return inconclusive(`no request was split (${splitNote}), so there was no KV transfer to judge; send long prompts so requests are split`, sources);
  if (failed === 0 && xfers === 0 && extHits === 0 && splitCount === null)
    return inconclusive(`no KV transfer was attempted (decode pods loaded 0 external tokens, ${splitNote}); send long prompts so requests are split`, sources);

  const extRate = extQueries > 0 ? extHits / extQueries : 0;
  const recompute = computed !== null && prompt > 0 ? computed / prompt : null;
  const attempts = xfers + failed;
  const head =
    `${num(attempts)} NIXL transfers, ${num(failed)} failed; ${pct(extRate)} of the ${num(extQueries)} prompt tokens decode needed arrived as external cache hits` +
    (recompute !== null ? `; decode recomputed ${pct(recompute)} of its ${num(prompt)} prompt tokens` : '');
  const evidence = {
    failedTransfers: failed,
    successfulTransfers: xfers,
    externalHits: extHits,
    externalQueries: extQueries,
    externalHitRate: round(extRate),
    decodePromptTokens: prompt,
    decodeComputedTokens: computed,
    decodeRecomputeShare: round(recompute),
    pdSplits: splits,
    prefillPodRequests: prefillRequests,
  };
  const failures: string[] = [];
  if (failed > t.maxFailedTransfers) failures.push(`KV transfer failing: ${num(failed)} failed NIXL transfers`);
  if (failed === 0 && splitCount !== null && splitCount > 0 && extHits === 0 && xfers === 0)
    failures.push(`KV transfer missing: ${num(splitCount)} requests were split but decode loaded no external tokens`);
  // The hit rate and recompute share mix split and decode-only requests (both add external queries and
  // prompt tokens on decode), so they are a verdict only when every decode request was split; otherwise
  // they are evidence. The seed's passing NIXL run showed 54.3% for that reason.
  const decodeRequests = decode.reduce((a, p) => a + counterSum(p, METRIC.requestSuccess), 0);
  const allSplit = splitCount !== null && splitCount > 0 && decodeRequests > 0 && splitCount >= decodeRequests;
  if (allSplit && extRate < t.minExternalHitRate) failures.push(`external hit rate below ${pct(t.minExternalHitRate)}`);
  if (allSplit && recompute !== null && recompute > t.maxDecodeRecomputeShare) failures.push(`decode recomputes transferred prompts (above ${pct(t.maxDecodeRecomputeShare)})`);
  const diluted = splitCount !== null && decodeRequests > 0 && !allSplit ? ` (${num(splitCount)} of ${num(decodeRequests)} decode requests were split; decode-only requests add external queries too, so the rate is not judged)` : '';
  const n = Math.max(attempts, splitCount ?? 0);
  // Transfers that landed: NIXL's transfer-time histogram, else (no histogram) the splits that did not fail
  // when decode did receive external tokens.
  const landed = xfers > 0 ? Math.min(xfers, n) : extHits > 0 ? Math.max(0, n - failed) : 0;
  const c = decideShare(landed, n, t.minTransferSuccessShare, { test: `split requests whose KV transfer succeeded ≥ ${pct(t.minTransferSuccessShare)}` });
  const confidence = [c];
  const ci = `transfers landed ≥ ${pct(t.minTransferSuccessShare)}: ${formatConfidence(c)}`;
  if (c.status === 'Fail' && failures.length === 0) failures.push(`KV transfer unreliable: ${num(landed)} of ${num(n)} transfers landed`);
  if (failures.length > 0)
    return { status: 'Fail', details: `${failures[0]} -- ${head}${failures.length > 1 ? ` (${failures.slice(1).join('; ')})` : ''}; ${ci}`, sources, evidence, confidence };
  if (c.status === 'Inconclusive')
    return { status: 'Inconclusive', details: `${head}${diluted}; too few split requests to show ≥ ${pct(t.minTransferSuccessShare)} of transfers land at ${pct(c.interval.level)}: ${ci}`, sources, evidence, confidence };
  return { status: 'Pass', details: `NIXL KV transfer works: ${head}${diluted}; ${ci}`, sources, evidence, confidence };
}
