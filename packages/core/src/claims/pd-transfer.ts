// pd-transfer: in a P/D split the decode pod receives the prompt's KV over NIXL instead of recomputing it.
// On the decode pods: no failed NIXL transfers (vllm:nixl_num_failed_transfers_total), the tokens they had
// to fetch came as external cache hits (vllm:external_prefix_cache_hits_total / _queries_total), and the
// tokens they computed in prefill (vllm:request_prefill_kv_computed_tokens sum) are small next to their
// prompt tokens. The MIG case of the seed (CUDA IPC blocked) shows as failed transfers and full recompute.
import { z } from 'zod';
import { CANONICAL_METRICS as METRIC } from '../evidence/metric-names.ts';
import { count, inconclusive, share, type ClaimOutcome } from './claim-outcome.ts';
import type { ClaimContext } from './context.ts';
import { counterSum, hasCounter, histogramsOf, untrustedTargets } from './evidence-read.ts';
import { num, pct, round } from './format.ts';
import { decodePods, disaggDecisions, prefillPods, splitDecisions } from './pd-evidence.ts';

export const PdTransferThresholdsSchema = z.strictObject({
  /** External (transferred) hits / external queries on the decode pods. */
  minExternalHitRate: share().default(0.9),
  maxFailedTransfers: count().default(0),
  /** Tokens computed in prefill on decode pods / their prompt tokens (decode-only requests count here too). */
  maxDecodeRecomputeShare: share().default(0.2),
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

  if (extQueries === 0 && failed === 0)
    return inconclusive(`no KV transfer was attempted (decode pods fetched 0 external tokens${splits !== null ? `, ${num(splits)} P/D splits` : ''}); send long prompts so requests are split`, sources);

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
  if (extRate < t.minExternalHitRate) failures.push(`external hit rate below ${pct(t.minExternalHitRate)}`);
  if (recompute !== null && recompute > t.maxDecodeRecomputeShare) failures.push(`decode recomputes transferred prompts (above ${pct(t.maxDecodeRecomputeShare)})`);
  if (failures.length > 0) return { status: 'Fail', details: `${failures[0]} -- ${head}${failures.length > 1 ? ` (${failures.slice(1).join('; ')})` : ''}`, sources, evidence };
  return { status: 'Pass', details: `NIXL KV transfer works: ${head}`, sources, evidence };
}
