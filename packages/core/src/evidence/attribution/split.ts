// Request split per pod from server-side counters, for when no per-request source exists:
// model-server counter deltas first (requests served), then the EPP's per-pod scheduling attempts.
import type { MetricsEvidence, TargetEvidence } from '../metrics-evidence.ts';
import { onePerGeneration } from '../evidence-query.ts';
import { CANONICAL_METRICS } from '../metric-names.ts';
import type { PodResolver } from './pod-identity.ts';

export interface PodSplit {
  /** pod → requests (fractional when derived from token shares). */
  counts: Record<string, number>;
  /** e.g. `counter:vllm:request_success`, `epp-metric:inference_extension_scheduler_attempts`, `header:x-inference-pod`. */
  source: string;
  /** False when some contributing target lacked a before/after pair (its share is understated). */
  complete: boolean;
}

const isEpp = (t: TargetEvidence) => t.role === 'epp' || t.name === 'epp';
// In P/D the prefill pod also finishes a (max_tokens=1) request per user request; the user's
// response comes from the decode pod, so prefill pods are not part of the request split.
const servesResponses = (t: TargetEvidence) => !isEpp(t) && t.role !== 'prefill';

function sumByTarget(evidence: MetricsEvidence, metric: string): { counts: Record<string, number>; complete: boolean } {
  const counts: Record<string, number> = {};
  let complete = true;
  for (const src of evidence.sources) {
    for (const t of src.targets) {
      if (!servesResponses(t)) continue;
      const series = onePerGeneration(t.counters.filter((c) => c.metric === metric));
      if (series.length === 0) continue;
      counts[t.name] = (counts[t.name] ?? 0) + series.reduce((a, c) => a + c.delta, 0);
      if (!t.complete) complete = false;
    }
  }
  return { counts, complete };
}

const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);

/** Strategy 3: vllm:request_success deltas, else vllm:prompt_tokens shares scaled to `requestCount`. */
export function splitFromPodCounters(evidence: MetricsEvidence, requestCount: number): PodSplit | null {
  const success = sumByTarget(evidence, CANONICAL_METRICS.requestSuccess);
  if (total(success.counts) > 0) return { counts: success.counts, source: `counter:${CANONICAL_METRICS.requestSuccess}`, complete: success.complete };
  const prompt = sumByTarget(evidence, CANONICAL_METRICS.promptTokens);
  const tokens = total(prompt.counts);
  if (tokens > 0 && requestCount > 0) {
    const counts: Record<string, number> = {};
    for (const [pod, n] of Object.entries(prompt.counts)) counts[pod] = (n / tokens) * requestCount;
    return { counts, source: `counter:${CANONICAL_METRICS.promptTokens}`, complete: prompt.complete };
  }
  return null;
}

/**
 * Strategy 4: EPP inference_extension_scheduler_attempts_total{status="success",pod_name} deltas (GIE ≥ 1.5:
 * v1.5.0 pkg/epp/metrics/metrics.go:334). GIE v1.4.0 (the seed's stack) labels it with {status} only
 * (metrics.go:323; SCHEDULER_ATTEMPTS_LABELS), so on that stack this returns null rather than a split.
 */
export function splitFromEppAttempts(evidence: MetricsEvidence, resolve: PodResolver): PodSplit | null {
  const counts: Record<string, number> = {};
  let complete = true;
  for (const src of evidence.sources) {
    for (const t of src.targets) {
      if (!isEpp(t)) continue;
      for (const c of onePerGeneration(t.counters.filter((x) => x.metric === CANONICAL_METRICS.eppSchedulerAttempts))) {
        if (c.metric !== CANONICAL_METRICS.eppSchedulerAttempts || c.labels.status !== 'success' || !c.labels.pod_name) continue;
        const pod = resolve(c.labels.pod_name) ?? c.labels.pod_name;
        counts[pod] = (counts[pod] ?? 0) + c.delta;
        if (!t.complete) complete = false;
      }
    }
  }
  return total(counts) > 0 ? { counts, source: `epp-metric:${CANONICAL_METRICS.eppSchedulerAttempts}`, complete } : null;
}
