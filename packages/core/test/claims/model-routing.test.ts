import { afterAll, describe, expect, it } from 'vitest';
import { evaluateClaims } from '../../src/claims/evaluate.ts';
import type { RequestRecord } from '../../src/record/request-record.ts';
import { closeFixtureServers, collect, ctx, rec, run, vllmText } from './evidence-fixtures.ts';

afterAll(closeFixtureServers);
const B7 = 'Qwen/Qwen2.5-7B-Instruct';
const B05 = 'Qwen/Qwen2.5-0.5B-Instruct';
const podModels = { 'qwen-7b': [B7], 'qwen-05b': [B05] };

// 40 requests per model + 3 unknown: 83 all-correct requests put the Wilson lower bound (95.4%) over the
// default 95% bar a Pass needs; `pairs` makes a smaller sample.
function workload(o: { misroute?: number; unknownStatus?: number; pairs?: number } = {}): RequestRecord[] {
  const out: RequestRecord[] = [];
  for (let i = 0; i < (o.pairs ?? 40); i++) {
    const wrong = i < (o.misroute ?? 0);
    out.push(rec({ model: B7, servedModel: B7, pod: 'qwen-7b', tags: { model: B7, expect: 'served' } }));
    out.push(rec({ model: B05, servedModel: wrong ? B7 : B05, pod: wrong ? 'qwen-7b' : 'qwen-05b', tags: { model: B05, expect: 'served' } }));
  }
  const status = o.unknownStatus ?? 404;
  for (let i = 0; i < 3; i++)
    out.push(
      rec({
        model: 'NonExistentModel',
        servedModel: null,
        pod: null,
        podSource: null,
        status: 'error',
        httpStatus: status,
        errorClass: status === 404 ? 'http_4xx' : 'http_5xx',
        tags: { model: 'NonExistentModel', expect: 'not-found' },
      }),
    );
  return out;
}

describe('model-routing', () => {
  it('passes per request: right model, right pod, unknown model 404', async () => {
    const rs = workload();
    const [v] = evaluateClaims([{ id: 'model-routing', minCorrectShare: 1 }], ctx(await run(rs, { records: rs, podModels })));
    expect(v.status).toBe('Pass');
    expect(v.details).toBe(
      `2 models routed by model name: 100% answered by the requested model on a pod serving it (${B7} 40/40, ${B05} 40/40); unknown model: 3/3 got 404; routed correctly ≥ 95%: 95% CI 95.6%–100%, n=83`,
    );
    expect(v.confidence).toEqual([expect.objectContaining({ status: 'Pass', n: 83, bar: 0.95, interval: expect.objectContaining({ method: 'wilson', upper: 1 }) })]);
  });

  it('is inconclusive when every request was right but too few were sent to show it', async () => {
    const rs = workload({ pairs: 10 });
    const [v] = evaluateClaims([{ id: 'model-routing' }], ctx(await run(rs, { records: rs, podModels })));
    expect(v.status).toBe('Inconclusive');
    expect(v.details).toMatch(/too few requests to show ≥ 95% routed correctly at 95%: routed correctly ≥ 95%: 95% CI 85\.7%–100%, n=23; ~73 requests would separate it from 95%$/);
  });

  it('fails when requests for one model are answered by another, or the unknown model is not a 404', async () => {
    const rs = workload({ misroute: 2 });
    const [v] = evaluateClaims([{ id: 'model-routing' }], ctx(await run(rs, { records: rs, podModels })));
    expect(v.status).toBe('Fail');
    expect(v.evidence).toMatchObject({ wrongModel: 2, wrongPod: 2, correct: 78 });
    // Two counterexamples fail an "every request" claim whatever the interval says.
    expect(v.details).toMatch(/\(below 100% .*\); routed correctly ≥ 95%: 95% CI \d/);
    const rs2 = workload({ unknownStatus: 503 });
    const [w] = evaluateClaims([{ id: 'model-routing' }], ctx(await run(rs2, { records: rs2, podModels })));
    expect(w.status).toBe('Fail');
    expect(w.details).toMatch(/3 unknown-model request\(s\) did not get 404/);
  });

  it('without records, matches the client\u2019s per-model counts against the pods\u2019 per-model request counters', async () => {
    const rs = workload();
    const good = await collect([
      { name: 'qwen-7b', states: [vllmText({ model: B7, success: 5 }), vllmText({ model: B7, success: 45 })] },
      { name: 'qwen-05b', states: [vllmText({ model: B05, success: 0 }), vllmText({ model: B05, success: 40 })] },
    ]);
    const [v] = evaluateClaims([{ id: 'model-routing' }], ctx(await run(rs, { metrics: good, podModels })));
    expect(v.status).toBe('Pass');
    expect(v.sources).toContain('metrics:vllm:request_success_total');
    // The 0.5B pod served only 36: four 0.5B requests were answered elsewhere.
    const bad = await collect([
      { name: 'qwen-7b', states: [vllmText({ model: B7, success: 5 }), vllmText({ model: B7, success: 45 })] },
      { name: 'qwen-05b', states: [vllmText({ model: B05, success: 0 }), vllmText({ model: B05, success: 36 })] },
    ]);
    const [w] = evaluateClaims([{ id: 'model-routing' }], ctx(await run(rs, { metrics: bad, podModels })));
    expect(w.status).toBe('Fail');
    expect(w.evidence).toMatchObject({ correct: 76, wrongModel: 4 });
  });

  it('is inconclusive with neither records nor per-model counters', async () => {
    const [v] = evaluateClaims([{ id: 'model-routing' }], ctx(await run(workload(), { podModels })));
    expect(v.status).toBe('Inconclusive');
    expect(v.details).toMatch(/the served model cannot be checked/);
  });

  // One InferencePool over both models (the seed's deployment): no EPP filters by model (core upstream/bbr.ts), so
  // requests land on pods that do not serve their model and vLLM answers 404 NotFoundError.
  function mixedPool(): RequestRecord[] {
    const out: RequestRecord[] = [];
    for (let i = 0; i < 10; i++)
      for (const model of [B7, B05]) {
        const pod = i % 2 ? 'qwen-7b' : 'qwen-05b';
        const right = (model === B7) === (pod === 'qwen-7b');
        out.push(
          right
            ? rec({ model, servedModel: model, pod, tags: { model, expect: 'served' } })
            : rec({ model, servedModel: null, pod, status: 'error', httpStatus: 404, errorClass: 'http_4xx', tags: { model, expect: 'served' } }),
        );
      }
    return out;
  }

  it('fails a single mixed pool: the wrong-pod 404s are named as such', async () => {
    const rs = mixedPool();
    const [v] = evaluateClaims([{ id: 'model-routing' }], ctx(await run(rs, { records: rs, podModels })));
    expect(v.status).toBe('Fail');
    expect(v.evidence).toMatchObject({ correct: 10, failed: 10, notFound: 10 });
    expect(v.details).toMatch(/10 answered 404 by a pod not serving the model — the EPP does not route by model/);
  });

  it('an empty podModels (a real target whose pods could not be asked) is no information, not "every model unknown"', async () => {
    const rs = workload();
    const [v] = evaluateClaims([{ id: 'model-routing' }], ctx(await run(rs, { records: rs, podModels: {} })));
    expect(v.status).toBe('Pass');
    expect(v.evidence).toMatchObject({ knownRequests: 80, unknownRequests: 3 });
    const bad = mixedPool();
    const [w] = evaluateClaims([{ id: 'model-routing' }], ctx(await run(bad, { records: bad, podModels: {} })));
    expect(w.status).toBe('Fail');
  });

  it('matches llm-d.ai/model short names (label values cannot hold "/") against the requested model', async () => {
    const labels = { 'qwen-7b': ['Qwen2.5-7B-Instruct'], 'qwen-05b': ['qwen2-5-0-5b-instruct'] };
    const rs = workload({ misroute: 3 });
    const [v] = evaluateClaims([{ id: 'model-routing' }], ctx(await run(rs, { records: rs, podModels: labels })));
    expect(v.status).toBe('Fail');
    expect(v.evidence).toMatchObject({ knownRequests: 80, wrongPod: 3, unknownRequests: 3 });
    const ok = workload();
    const [w] = evaluateClaims([{ id: 'model-routing' }], ctx(await run(ok, { records: ok, podModels: labels })));
    expect(w.status).toBe('Pass');
  });

  it('without podModels, learns each pod\u2019s model from the model_name label of its scraped vLLM series', async () => {
    const m = await collect([
      { name: 'qwen-7b', states: [vllmText({ model: B7, success: 0 }), vllmText({ model: B7, success: 10 })] },
      { name: 'qwen-05b', states: [vllmText({ model: B05, success: 0 }), vllmText({ model: B05, success: 10 })] },
    ]);
    const rs = workload({ misroute: 1 });
    const [v] = evaluateClaims([{ id: 'model-routing' }], ctx(await run(rs, { records: rs, metrics: m })));
    expect(v.status).toBe('Fail');
    expect(v.evidence).toMatchObject({ wrongPod: 1 });
    expect(v.sources).toContain('metrics:model_name');
  });
});
