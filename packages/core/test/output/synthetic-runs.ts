// Seeded synthetic RequestRecords for the output tests (compare, HTML report, llm-d report): two "deployments"
// whose latencies differ by a known amount, summarised with the real summarizeRecords.
import { createRng, exponential, normal } from '../../src/workload/rng.ts';
import type { RequestRecord } from '../../src/record/request-record.ts';
import { type Summary } from '../../src/record/summary.ts';
import { summarizeRecords } from '../../src/record/summarize-records.ts';
import { makeRecord } from '../record/record-fixtures.ts';

export interface SyntheticRunSpec {
  seed: string;
  requests: number;
  pods: string[];
  model: string;
  /** Mean TTFT (ms); actual values are normal around it, sd 15%. */
  ttftMeanMs: number;
  /** Gap between streamed tokens (ms). */
  itlMs: number;
  outputTokens: number;
  /** Requests per second sent (Poisson). */
  rate: number;
  /** Fraction of requests that fail with a 503. */
  errorRate: number;
  /** Pod names that are routed to (weights by position: the first pod gets `skew` times the others' share). */
  skew?: number;
  /** Share of requests tagged class=long (3× the TTFT); the rest are tagged class=short. Unset: no tags. */
  longShare?: number;
  /** Requests per load stage (stage k = requests [k·n, (k+1)·n)). Unset: all in stage 0. */
  requestsPerStage?: number;
  /** Prefix groups (groupId g0…g{n−1}, each sent to the group's own pod). Unset: no groups. */
  groups?: number;
}

export function syntheticRecords(spec: SyntheticRunSpec): RequestRecord[] {
  const rng = createRng(spec.seed);
  const skew = spec.skew ?? 1;
  const weights = spec.pods.map((_, i) => (i === 0 ? skew : 1));
  const totalW = weights.reduce((a, b) => a + b, 0);
  const pickPod = (): string => {
    let x = rng() * totalW;
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i];
      if (x < 0) return spec.pods[i];
    }
    return spec.pods[spec.pods.length - 1];
  };

  const out: RequestRecord[] = [];
  let t = 5;
  for (let seq = 0; seq < spec.requests; seq++) {
    t += exponential(rng, 1000 / spec.rate);
    const group = spec.groups ? seq % spec.groups : null;
    const pod = group === null ? pickPod() : spec.pods[group % spec.pods.length];
    const failed = rng() < spec.errorRate;
    const long = spec.longShare !== undefined && rng() < spec.longShare;
    const extra: Partial<RequestRecord> = {
      ...(spec.longShare !== undefined && { tags: { class: long ? 'long' : 'short' } }),
      ...(spec.requestsPerStage && { stage: Math.floor(seq / spec.requestsPerStage) }),
      ...(group !== null && { groupId: `g${group}` }),
    };
    const sent = t + rng() * 2;
    const headers = sent + 3;
    if (failed) {
      const end = headers + 1;
      out.push(base(seq, t, sent, end, pod, spec.model, {
        status: 'error', httpStatus: 503, errorClass: 'http_5xx', errorMessage: 'upstream unavailable',
        times: { intended: t, sent, headers, firstToken: null, end },
        e2eMs: null, ttftMs: null, tpotMs: null, chunks: [], tokenSource: null, finishReason: null,
        completionTokens: null,
        ...extra,
      }));
      continue;
    }
    const ttft = Math.max(1, normal(rng, spec.ttftMeanMs, spec.ttftMeanMs * 0.15)) * (long ? 3 : 1);
    const firstToken = sent + ttft;
    const chunks: [number, number][] = [[0, 1]];
    let off = 0;
    for (let k = 1; k < spec.outputTokens; k++) {
      off += Math.max(0.1, normal(rng, spec.itlMs, spec.itlMs * 0.1));
      chunks.push([off, 1]);
    }
    const end = firstToken + off + 0.5;
    const e2e = end - sent;
    out.push(base(seq, t, sent, end, pod, spec.model, {
      status: 'ok', httpStatus: 200, errorClass: null, errorMessage: null,
      times: { intended: t, sent, headers, firstToken, end },
      ttftMs: ttft, e2eMs: e2e, tpotMs: (e2e - ttft) / (spec.outputTokens - 1),
      chunks, tokenSource: 'continuous_usage', finishReason: 'length', completionTokens: spec.outputTokens,
      ...extra,
    }));
  }
  return out;
}

function base(
  seq: number,
  intended: number,
  sent: number,
  end: number,
  pod: string,
  model: string,
  rest: Partial<RequestRecord>,
): RequestRecord {
  // makeRecord's defaults (an ok chat request in stage 0) with this run's identity, timing and pod.
  return makeRecord({
    seq,
    requestId: `req-${seq}`,
    model,
    servedModel: model,
    responseId: `resp-${seq}`,
    finishReason: null,
    times: { intended, sent, headers: null, firstToken: null, end },
    ttftMs: null,
    e2eMs: null,
    tpotMs: null,
    scheduleDelayMs: sent - intended,
    latencyFromIntendedMs: end - intended,
    chunks: [],
    tokenSource: null,
    promptTokens: 128,
    completionTokens: null,
    cachedTokens: 0,
    headers: { 'x-inference-pod': pod },
    pod,
    podSource: 'header:x-inference-pod',
    ...rest,
  });
}

export async function syntheticSummary(spec: SyntheticRunSpec, scenario = 'synthetic'): Promise<Summary> {
  const records = syntheticRecords(spec);
  const last = Math.max(...records.map((r) => r.times.end));
  const startedAt = new Date('2026-01-15T10:00:00.000Z');
  return summarizeRecords(records, {
    scenario,
    target: 'http://127.0.0.1:8080',
    startedAt: startedAt.toISOString(),
    endedAt: new Date(startedAt.getTime() + last).toISOString(),
    seed: spec.seed,
    tokenizer: 'synthetic',
  });
}

/** The two runs most tests use: an aggregated deployment and a P/D one with a clearly lower TTFT. */
export const AGG_SPEC: SyntheticRunSpec = {
  seed: 'agg',
  requests: 400,
  pods: ['decode-0', 'decode-1', 'decode-2'],
  model: 'meta-llama/Llama-3.1-8B-Instruct',
  ttftMeanMs: 180,
  itlMs: 12,
  outputTokens: 24,
  rate: 40,
  errorRate: 0.02,
  skew: 2,
};

export const PD_SPEC: SyntheticRunSpec = {
  seed: 'pd',
  requests: 400,
  pods: ['decode-0', 'decode-1', 'prefill-0'],
  model: 'meta-llama/Llama-3.1-8B-Instruct',
  ttftMeanMs: 90,
  itlMs: 10,
  outputTokens: 24,
  rate: 40,
  errorRate: 0.05,
};
