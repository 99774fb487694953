// pd-selective: the prefix-based P/D decider splits long prompts (prefill on a prefill pod, KV transferred to
// decode) and lets short ones run decode-only. The EPP's disaggregation decisions
// (llm_d_inference_scheduler_disagg_decision_total{decision_type}) and the prefill pods' request deltas
// are compared with the run's short and long request counts (summary dimensions tag:class=short / long).
import { z } from 'zod';
import { CANONICAL_METRICS as METRIC } from '../evidence/metric-names.ts';
import { inconclusive, share, type ClaimOutcome } from './claim-outcome.ts';
import type { ClaimContext } from './context.ts';
import { counterSum, untrustedTargets } from './evidence-read.ts';
import { num, pct, round } from './format.ts';
import { decodeOnlyDecisions, disaggDecisions, prefillPods, splitDecisions } from './pd-evidence.ts';
import { DECIDER_CHARS_PER_TOKEN, zeroDisablesDecider } from '../upstream/deciders.ts';
import { DEFAULT_LLMD_VERSION } from '../upstream/versions.ts';

export const PdSelectiveThresholdsSchema = z.strictObject({
  /** The decider's nonCachedTokens (echoed in the verdict; 0 is read with deciderSemantics). */
  thresholdTokens: z.number().int().nonnegative().optional(),
  /**
   * Whose prefix-based-pd-decider semantics apply (upstream/deciders.ts): from scheduler v0.7.0 on,
   * nonCachedTokens 0 disables splitting; in v0.6 it meant always split. Default: the newest generation.
   */
  deciderSemantics: z.enum(['v0.7', 'router', 'legacy-v0.6']).default(DEFAULT_LLMD_VERSION),
  /** Tag `key=value` marking short and long requests. */
  shortTag: z.string().regex(/^[^=]+=.+$/, { error: 'expected key=value' }).default('class=short'),
  longTag: z.string().regex(/^[^=]+=.+$/, { error: 'expected key=value' }).default('class=long'),
  /** Allowed mismatch, as a share of each class, between decisions and request counts. */
  tolerance: share().default(0.1),
});
export type PdSelectiveThresholds = z.infer<typeof PdSelectiveThresholdsSchema>;

export function evaluatePdSelective(ctx: ClaimContext, t: PdSelectiveThresholds): ClaimOutcome {
  const run = ctx.main;
  const shortDim = run.summary.dimensions[`tag:${t.shortTag}`];
  const longDim = run.summary.dimensions[`tag:${t.longTag}`];
  const nShort = shortDim ? shortDim.count - shortDim.cancelled : 0;
  const nLong = longDim ? longDim.count - longDim.cancelled : 0;
  if (nShort === 0 || nLong === 0) return inconclusive(`need both short and long requests (tag:${t.shortTag} ${nShort}, tag:${t.longTag} ${nLong})`, ['summary:tags']);

  const sources: string[] = ['summary:tags'];
  const decisions = disaggDecisions(run);
  const prefill = prefillPods(run).filter((p) => p.counters.some((c) => c.metric === METRIC.requestSuccess));
  if (!decisions && prefill.length === 0)
    return inconclusive('neither the EPP disaggregation decisions (llm_d_inference_scheduler_disagg_decision_total) nor prefill-pod counters were scraped', sources);
  const untrusted = untrustedTargets(run, [...(decisions?.targets ?? []), ...prefill]);
  if (untrusted) return inconclusive(untrusted, sources);

  let split: number;
  let decodeOnly: number | null = null;
  if (decisions) {
    sources.push(`metrics:${decisions.exposedAs}`);
    split = splitDecisions(decisions);
    decodeOnly = decodeOnlyDecisions(decisions);
  } else split = NaN;
  let prefillRequests: number | null = null;
  if (prefill.length > 0) {
    sources.push('metrics:vllm:request_success_total{role=prefill}');
    prefillRequests = prefill.reduce((a, p) => a + counterSum(p, METRIC.requestSuccess), 0);
    if (!decisions) split = prefillRequests;
  }
  // nonCachedTokens 0: what the config asks for differs by generation, and neither is "selective".
  if (t.thresholdTokens === 0) {
    const note = zeroDisablesDecider(t.deciderSemantics)
      ? `nonCachedTokens 0 disables the prefix-based decider in ${t.deciderSemantics} (scheduler v0.7.0+, PR #691): nothing is split`
      : 'nonCachedTokens 0 means always split in scheduler v0.6: short requests are split too';
    return { status: 'Fail', details: `${note}; ${num(split)} P/D splits for ${num(nShort)} short / ${num(nLong)} long requests`, sources, evidence: { splits: split, shortRequests: nShort, longRequests: nLong } };
  }
  const tolShort = Math.max(1, t.tolerance * nShort);
  const tolLong = Math.max(1, t.tolerance * nLong);
  // The decider estimates tokens as prompt bytes / 4, not the tokenizer's count (SCHED v0.7.1 prefix_based_pd_decider.go:22).
  const cfg = t.thresholdTokens !== undefined ? ` (nonCachedTokens ${t.thresholdTokens}, ≈${t.thresholdTokens * DECIDER_CHARS_PER_TOKEN} uncached prompt bytes)` : '';
  const head =
    `${num(nShort)} short / ${num(nLong)} long requests${cfg}: ${num(split)} P/D splits` +
    (decodeOnly !== null ? `, ${num(decodeOnly)} decode-only` : '') +
    (prefillRequests !== null ? `; prefill pods served ${num(prefillRequests)}` : '');
  const evidence = {
    shortRequests: nShort,
    longRequests: nLong,
    decisions: decisions?.byType ?? null,
    splits: split,
    decodeOnly,
    prefillPodRequests: prefillRequests,
    splitShareOfLong: round(split / nLong),
  };
  const failures: string[] = [];
  if (split < nLong - tolLong) failures.push(`long requests did not trigger a P/D split (${pct(split / nLong)} of long)`);
  // Every split beyond the long requests must have been a short one.
  if (split > nLong + tolShort) failures.push(`short requests were split too (${num(split - nLong)} extra splits)`);
  if (decodeOnly !== null && decodeOnly < nShort - tolShort) failures.push(`only ${num(decodeOnly)} decode-only decisions for ${num(nShort)} short requests`);
  if (decisions && prefillRequests !== null && prefillRequests < split - tolLong) failures.push(`prefill pods served ${num(prefillRequests)} of ${num(split)} splits`);
  if (failures.length > 0) return { status: 'Fail', details: `${head} (${failures.join('; ')})`, sources, evidence };
  return { status: 'Pass', details: `short requests skip prefill, long requests trigger P/D split: ${head}`, sources, evidence };
}
