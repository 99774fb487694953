// model-routing: requests are routed by model name — each request for a served model is answered by that
// model (response `model` field) on a pod that serves it, and a request for a model nobody serves gets an
// HTTP 404 instead of being answered by some other model. Per request when the records are available;
// otherwise from aggregates: the client's ok count per model against the pods' per-model
// vllm:request_success deltas (label model_name), and the 404 count for the unknown-model slice.
//
// Upstream (core upstream/bbr.ts): no EPP filters endpoints by model, so this holds only with one InferencePool
// per model behind body-based routing. A single pool over pods serving different models sends requests to pods
// that do not serve them, and vLLM answers those 404 NotFoundError: they are counted as wrong-pod 404s here.
// Which pods serve which model comes from the deployment (RunEvidence.podModels: the simulator, or on a real
// target each pod's GET /v1/models or `llm-d.ai/model` label, evidence/sources/served-models.ts), else from the
// `model_name` label vLLM puts on every metric of a scraped pod.
//
// Confidence: one wrongly routed request is a counterexample to "every request is routed by model" and fails
// the claim outright (minCorrectShare 1). A Pass needs more than zero errors in a small sample: the Wilson
// interval of all requests handled correctly (served model answered on a serving pod, unknown model got its
// 404) must clear min(minCorrectShare, minProvenShare) at 95% — with no error at all that takes 73 requests
// for the default 95% bar. Below minCorrectShare 1 the claim is a rate, and Fails only when the interval
// is wholly under it.
import { z } from 'zod';
import { CANONICAL_METRICS as METRIC } from '../evidence/metric-names.ts';
import type { RequestRecord } from '../record/request-record.ts';
import { modelNamesMatch } from '../upstream/bbr.ts';
import { inconclusive, share, type ClaimOutcome } from './claim-outcome.ts';
import { decideShare, formatConfidence } from './confidence.ts';
import type { ClaimContext, RunEvidence } from './context.ts';
import { podTargets, seriesOf, untrustedTargets } from './evidence-read.ts';
import { num, pct, round } from './format.ts';

export const ModelRoutingThresholdsSchema = z.strictObject({
  /** Share of requests for served models that must be answered by the right model on a right pod. */
  minCorrectShare: share().default(1),
  /** Status an unknown model must get. */
  unknownStatus: z.number().int().min(100).max(599).default(404),
  /** Tag `key=value` marking requests for a model nobody serves (the multi-model workload's marker). */
  unknownTag: z
    .string()
    .regex(/^[^=]+=.+$/, { error: 'expected key=value' })
    .default('expect=not-found'),
  /** Pass needs the 95% lower bound of the correctly-routed share at least min(minCorrectShare, this). */
  minProvenShare: share().default(0.95),
});
export type ModelRoutingThresholds = z.infer<typeof ModelRoutingThresholdsSchema>;

interface Tally {
  known: number;
  correct: number;
  wrongModel: number;
  wrongPod: number;
  failed: number;
  /** Requests for a served model that got the not-found status: sent to a pod that does not serve the model. */
  notFound: number;
  unknown: number;
  unknownWithStatus: number;
  unknownServed: number;
  perModel: Record<string, { requests: number; correct: number }>;
  sources: string[];
}

/** Which pods serve which models, and where that came from. */
interface Served {
  /** Pods whose entries name the model (exact /v1/models ids, or loosely matched `llm-d.ai/model` short names). */
  podsFor(model: string): string[];
  has(model: string): boolean;
  /** Whether anything is known about this pod. */
  knows(pod: string): boolean;
  source: string;
}

function servedFrom(podModels: Record<string, string[]>, source: string): Served | null {
  const entries = Object.entries(podModels).filter(([, ms]) => ms.length > 0);
  if (entries.length === 0) return null;
  const podsFor = (model: string) => entries.filter(([, ms]) => ms.some((m) => modelNamesMatch(m, model))).map(([p]) => p);
  return { podsFor, has: (m) => podsFor(m).length > 0, knows: (p) => entries.some(([q]) => q === p), source };
}

/**
 * The deployment's pod → models (an empty map is no information, e.g. a real target whose pods could not be
 * asked), else the `model_name` label of each scraped pod's vLLM series.
 */
function servedBy(run: RunEvidence): Served | null {
  const declared = run.podModels ? servedFrom(run.podModels, 'podModels') : null;
  if (declared) return declared;
  const fromMetrics: Record<string, string[]> = {};
  for (const t of podTargets(run)) {
    const names = new Set<string>();
    for (const series of [t.counters, t.gauges, t.histograms]) for (const x of series) if (x.labels.model_name) names.add(x.labels.model_name);
    if (names.size > 0) fromMetrics[t.name] = [...names];
  }
  return servedFrom(fromMetrics, 'metrics:model_name');
}

function tallyRecords(run: RunEvidence, records: Iterable<RequestRecord>, t: ModelRoutingThresholds): Tally {
  const [tagKey, tagValue] = [t.unknownTag.slice(0, t.unknownTag.indexOf('=')), t.unknownTag.slice(t.unknownTag.indexOf('=') + 1)];
  const served = servedBy(run);
  const tally: Tally = { known: 0, correct: 0, wrongModel: 0, wrongPod: 0, failed: 0, notFound: 0, unknown: 0, unknownWithStatus: 0, unknownServed: 0, perModel: {}, sources: ['records:servedModel'] };
  const sources = new Set<string>(tally.sources);
  for (const r of records) {
    if (r.phase !== 'measure' || r.status === 'cancelled') continue;
    const isUnknown = r.tags[tagKey] === tagValue || (served !== null && !served.has(r.model));
    if (isUnknown) {
      tally.unknown++;
      if (r.httpStatus === t.unknownStatus) tally.unknownWithStatus++;
      if (r.status === 'ok') tally.unknownServed++;
      continue;
    }
    tally.known++;
    const pm = (tally.perModel[r.model] ??= { requests: 0, correct: 0 });
    pm.requests++;
    if (r.status !== 'ok') {
      tally.failed++;
      if (r.httpStatus === t.unknownStatus) tally.notFound++;
      continue;
    }
    const modelOk = r.servedModel === r.model;
    if (!modelOk) tally.wrongModel++;
    const pod = r.pod;
    let podOk = true;
    // A pod nothing is known about cannot be judged wrong.
    if (served && pod !== null && served.knows(pod)) {
      sources.add(served.source);
      podOk = served.podsFor(r.model).includes(pod);
      if (!podOk) tally.wrongPod++;
    }
    if (modelOk && podOk) {
      tally.correct++;
      pm.correct++;
    }
  }
  tally.sources = [...sources];
  return tally;
}

function tallyAggregates(run: RunEvidence, t: ModelRoutingThresholds): Tally | { problem: string } {
  const s = run.summary;
  const served = servedBy(run);
  const unknownDim = s.dimensions[`tag:${t.unknownTag}`];
  const models = Object.keys(s.dimensions)
    .filter((k) => k.startsWith('model:'))
    .map((k) => k.slice(6));
  const pods = podTargets(run, ['both', 'decode']);
  const withModel = pods.filter((p) => p.counters.some((c) => c.metric === METRIC.requestSuccess && c.labels.model_name));
  if (withModel.length === 0) return { problem: 'no per-request records and no per-model vllm:request_success counters: the served model cannot be checked' };
  const untrusted = untrustedTargets(run, withModel);
  if (untrusted) return { problem: untrusted };
  const serverByModel: Record<string, number> = {};
  for (const p of withModel)
    for (const c of seriesOf(p, METRIC.requestSuccess)) if (c.labels.model_name) serverByModel[c.labels.model_name] = (serverByModel[c.labels.model_name] ?? 0) + c.delta;
  // A model is served when the deployment says so, else when some pod reported serving it.
  const isServed = (m: string) => (served ? served.has(m) : m in serverByModel || !unknownDim);
  const knownModels = models.filter(isServed);
  const unknownModels = models.filter((m) => !isServed(m));
  const tally: Tally = { known: 0, correct: 0, wrongModel: 0, wrongPod: 0, failed: 0, notFound: 0, unknown: 0, unknownWithStatus: 0, unknownServed: 0, perModel: {}, sources: [`metrics:vllm:request_success_total`] };
  const unknownCount = unknownDim?.count ?? unknownModels.reduce((a, m) => a + (s.dimensions[`model:${m}`]?.count ?? 0), 0);
  const unknownOk = unknownDim?.ok ?? unknownModels.reduce((a, m) => a + (s.dimensions[`model:${m}`]?.ok ?? 0), 0);
  for (const m of knownModels) {
    const d = s.dimensions[`model:${m}`];
    const requests = d.count - d.cancelled;
    const correct = Math.min(d.ok, serverByModel[m] ?? 0);
    tally.perModel[m] = { requests, correct };
    tally.known += requests;
    tally.correct += correct;
    tally.failed += d.errors;
    tally.wrongModel += Math.max(0, d.ok - correct);
  }
  tally.unknown = unknownCount;
  tally.unknownServed = unknownOk;
  const errs404 = s.counters.errorsByHttpStatus[String(t.unknownStatus)] ?? 0;
  tally.unknownWithStatus = Math.min(unknownCount - unknownOk, errs404);
  tally.sources.push(`summary:errorsByHttpStatus`);
  return tally;
}

export function evaluateModelRouting(ctx: ClaimContext, t: ModelRoutingThresholds): ClaimOutcome {
  const run = ctx.main;
  const fromRecords = run.records ? tallyRecords(run, run.records, t) : null;
  const tally = fromRecords && fromRecords.known + fromRecords.unknown > 0 ? fromRecords : tallyAggregates(run, t);
  if ('problem' in tally) return inconclusive(tally.problem);
  if (tally.known === 0) return inconclusive('no request for a served model', tally.sources);
  const correctShare = tally.correct / tally.known;
  const perModel = Object.entries(tally.perModel)
    .map(([m, v]) => `${m} ${v.correct}/${v.requests}`)
    .join(', ');
  const unknownText =
    tally.unknown > 0 ? `; unknown model: ${tally.unknownWithStatus}/${tally.unknown} got ${t.unknownStatus}${tally.unknownServed ? `, ${tally.unknownServed} answered by some model` : ''}` : '';
  const head = `${Object.keys(tally.perModel).length} models routed by model name: ${pct(correctShare)} answered by the requested model on a pod serving it (${perModel})${unknownText}`;
  const evidence = {
    knownRequests: tally.known,
    correct: tally.correct,
    correctShare: round(correctShare),
    wrongModel: tally.wrongModel,
    wrongPod: tally.wrongPod,
    failed: tally.failed,
    notFound: tally.notFound,
    unknownRequests: tally.unknown,
    unknownWithExpectedStatus: tally.unknownWithStatus,
    unknownServed: tally.unknownServed,
    perModel: tally.perModel,
  };
  const failures: string[] = [];
  if (correctShare < t.minCorrectShare) {
    // Upstream EPPs do not filter by model: 404s for served models are what one pool over several models gives.
    const hint = tally.notFound > 0 ? `; ${num(tally.notFound)} answered ${t.unknownStatus} by a pod not serving the model — the EPP does not route by model: one InferencePool per model behind body-based routing` : '';
    failures.push(`below ${pct(t.minCorrectShare)} (${tally.wrongModel} wrong model, ${tally.wrongPod} wrong pod, ${tally.failed} failed${hint})`);
  }
  if (tally.unknown > 0 && tally.unknownWithStatus < tally.unknown) failures.push(`${num(tally.unknown - tally.unknownWithStatus)} unknown-model request(s) did not get ${t.unknownStatus}`);
  const k = tally.correct + tally.unknownWithStatus;
  const n = tally.known + tally.unknown;
  const bar = Math.min(t.minCorrectShare, t.minProvenShare);
  const c = decideShare(k, n, bar, { test: `requests routed correctly (served model on a serving pod; unknown model → ${t.unknownStatus}) ≥ ${pct(bar)}` });
  const confidence = [c];
  const ci = `routed correctly ≥ ${pct(bar)}: ${formatConfidence(c)}`;
  // A counterexample decides an "every request" claim; the unknown slice is always an "every request" rule.
  const counterexample = (t.minCorrectShare >= 1 && correctShare < 1) || (tally.unknown > 0 && tally.unknownWithStatus < tally.unknown);
  if (failures.length > 0 && (counterexample || c.status === 'Fail'))
    return { status: 'Fail', details: `${head} (${failures.join('; ')}); ${ci}`, sources: tally.sources, evidence, confidence };
  if (failures.length > 0 || c.status !== 'Pass')
    return { status: 'Inconclusive', details: `${head}; too few requests to show ≥ ${pct(bar)} routed correctly at ${pct(c.interval.level)}: ${ci}`, sources: tally.sources, evidence, confidence };
  return { status: 'Pass', details: `${head}; ${ci}`, sources: tally.sources, evidence, confidence };
}
