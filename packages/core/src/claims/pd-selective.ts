// pd-selective: the prefix-based P/D decider splits long prompts (prefill on a prefill pod, KV transferred to
// decode) and lets short ones run decode-only. The EPP's disaggregation decisions
// (llm_d_inference_scheduler_disagg_decision_total{decision_type}) and the prefill pods' request deltas
// are compared with the run's short and long request counts (summary dimensions tag:class=short / long).
// Confidence: the decisions are counters, not per-request records, so each class is judged as a share
// capped by its request count — long requests split (splits / long), short requests kept decode-only
// (decode-only decisions, less the splits beyond the long count, / short), splits the prefill pods served —
// each on a Wilson interval against 1 − tolerance. A perfect class needs ≥ 35 requests to clear 90%.
import { z } from 'zod';
import { CANONICAL_METRICS as METRIC } from '../evidence/metric-names.ts';
import { inconclusive, share, type ClaimOutcome } from './claim-outcome.ts';
import { decideShare, settleTests, type LabelledTest } from './confidence.ts';
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
  const bar = 1 - t.tolerance;
  const extra = Math.max(0, split - nLong);
  const keptShort = Math.min(nShort - Math.min(nShort, extra), decodeOnly ?? nShort);
  const tests: LabelledTest[] = [
    {
      label: `long split ≥ ${pct(bar)}`,
      failText: `long requests did not trigger a P/D split (${pct(split / nLong)} of long)`,
      c: decideShare(Math.min(split, nLong), nLong, bar, { test: `long requests split ≥ ${pct(bar)}` }),
    },
    {
      label: `short decode-only ≥ ${pct(bar)}`,
      failText: extra > 0 ? `short requests were split too (${num(extra)} extra splits)` : `only ${num(decodeOnly ?? keptShort)} decode-only decisions for ${num(nShort)} short requests`,
      c: decideShare(keptShort, nShort, bar, { test: `short requests kept decode-only ≥ ${pct(bar)}` }),
    },
  ];
  if (decisions && prefillRequests !== null && split > 0)
    tests.push({
      label: `splits served by prefill ≥ ${pct(bar)}`,
      failText: `prefill pods served ${num(prefillRequests)} of ${num(split)} splits`,
      c: decideShare(Math.min(prefillRequests, split), split, bar, { test: `P/D splits served by a prefill pod ≥ ${pct(bar)}` }),
    });
  const { confidence, status, ci, failures, open } = settleTests(tests);
  if (status === 'Fail') return { status, details: `${head} (${failures.join('; ')}); ${ci}`, sources, evidence, confidence };
  if (status === 'Inconclusive') {
    return { status, details: `${head}; too few requests to decide ${open.join(', ')} at ${pct(confidence[0].interval.level)}: ${ci}`, sources, evidence, confidence };
  }
  return { status: 'Pass', details: `short requests skip prefill, long requests trigger P/D split: ${head}; ${ci}`, sources, evidence, confidence };
}
