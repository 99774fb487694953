// Builders of RequestRecords for recorder/summary/merge/output tests: one hand-made record, or many seeded random
// ones with varied pods, models, stages, tags, groups, statuses and multi-token chunks.
import { tpotMs } from '../../src/record/itl.ts';
import { RequestRecordSchema, type RequestRecord } from '../../src/record/request-record.ts';
import { createRng, exponential, type Rng } from '../../src/workload/rng.ts';

export function makeRecord(over: Partial<RequestRecord> = {}): RequestRecord {
  const base: RequestRecord = {
    seq: 0,
    requestId: 'rb-test-0',
    phase: 'measure',
    stage: 0,
    worker: 0,
    api: 'chat',
    model: 'm',
    servedModel: 'm',
    responseId: 'cmpl-0',
    groupId: null,
    sessionId: null,
    tags: {},
    status: 'ok',
    httpStatus: 200,
    errorClass: null,
    errorMessage: null,
    finishReason: 'length',
    times: { intended: 0, sent: 0, headers: 5, firstToken: 100, end: 130 },
    ttftMs: 100,
    e2eMs: 130,
    tpotMs: 10,
    scheduleDelayMs: 0,
    latencyFromIntendedMs: 130,
    chunks: [
      [0, 1],
      [10, 1],
      [20, 1],
      [30, 1],
    ],
    tokenSource: 'continuous_usage',
    promptTokens: 50,
    completionTokens: 4,
    cachedTokens: 0,
    headers: {},
    pod: 'pod-a',
    podSource: 'header',
  };
  return RequestRecordSchema.parse({ ...base, ...over });
}

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[Math.floor(rng() * xs.length)];
}

/** n records in intended-send order, every value drawn from a generator seeded with `seed`. */
export function randomRecords(n: number, seed: number | string, opts: { warmupShare?: number } = {}): RequestRecord[] {
  const rng = createRng(seed);
  const out: RequestRecord[] = [];
  const pods = ['pod-a', 'pod-b', 'pod-c', null] as const;
  for (let seq = 0; seq < n; seq++) {
    const intended = seq * 40 + rng() * 10;
    const delay = exponential(rng, 2);
    const sent = intended + delay;
    const u = rng();
    const status: RequestRecord['status'] = u < 0.82 ? 'ok' : u < 0.95 ? 'error' : 'cancelled';
    const errorClass = status === 'ok' ? null : status === 'cancelled' ? 'cancelled' : pick(rng, ['http_5xx', 'http_429', 'stall', 'reset'] as const);
    const httpStatus = errorClass === 'http_5xx' ? 503 : errorClass === 'http_429' ? 429 : errorClass === 'reset' ? null : 200;
    const gotFirst = status === 'ok' || errorClass === 'stall' || rng() < 0.3;
    const ttft = 20 + exponential(rng, 150) + (rng() < 0.02 ? 4000 : 0);
    const chunks: [number, number][] = [];
    let out_tokens = 0;
    if (gotFirst) {
      const target = 1 + Math.floor(rng() * 80);
      let off = 0;
      while (out_tokens < target) {
        const k = Math.min(target - out_tokens, 1 + Math.floor(rng() * 4));
        if (chunks.length > 0) off += k * (5 + exponential(rng, 15));
        chunks.push([Math.round(off * 1000) / 1000, k]);
        out_tokens += k;
      }
    }
    const firstToken = gotFirst ? sent + ttft : null;
    const end = firstToken !== null ? firstToken + (chunks.at(-1)?.[0] ?? 0) + rng() * 2 : sent + 5 + rng() * 50;
    const ttftMs = firstToken !== null ? firstToken - sent : null;
    const e2eMs = end - sent;
    const completionTokens = gotFirst ? out_tokens : null; // ok requests always got a first token
    const prompt = 100 + Math.floor(rng() * 2000);
    out.push(
      makeRecord({
        seq,
        requestId: `rb-${String(seed)}-${seq}`,
        phase: rng() < (opts.warmupShare ?? 0.05) ? 'warmup' : 'measure',
        stage: seq < n / 2 ? 0 : 1,
        model: pick(rng, ['llama', 'qwen']),
        servedModel: null,
        groupId: rng() < 0.8 ? `g${Math.floor(rng() * 12)}` : null,
        tags: rng() < 0.5 ? { class: pick(rng, ['short', 'long']) } : {},
        status,
        httpStatus,
        errorClass,
        errorMessage: errorClass ? `synthetic ${errorClass}` : null,
        finishReason: status === 'ok' ? 'length' : null,
        times: { intended, sent, headers: gotFirst ? sent + 3 : null, firstToken, end },
        ttftMs,
        e2eMs,
        tpotMs: tpotMs(e2eMs, ttftMs, completionTokens),
        scheduleDelayMs: delay,
        latencyFromIntendedMs: end - intended,
        chunks,
        promptTokens: prompt,
        completionTokens,
        cachedTokens: Math.floor(prompt * rng() * 0.5),
        pod: pick(rng, pods),
        podSource: 'header',
      }),
    );
  }
  return out;
}
