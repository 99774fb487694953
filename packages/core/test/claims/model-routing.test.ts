import { afterAll, describe, expect, it } from 'vitest';
import { evaluateClaims } from '../../src/claims/evaluate.ts';
import type { RequestRecord } from '../../src/record/request-record.ts';
import { closeFixtureServers, collect, ctx, rec, run, vllmText } from './evidence-fixtures.ts';

afterAll(closeFixtureServers);
const B7 = 'Qwen/Qwen2.5-7B-Instruct';
const B05 = 'Qwen/Qwen2.5-0.5B-Instruct';
const podModels = { 'qwen-7b': [B7], 'qwen-05b': [B05] };

function workload(o: { misroute?: number; unknownStatus?: number } = {}): RequestRecord[] {
  const out: RequestRecord[] = [];
  for (let i = 0; i < 10; i++) {
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
    expect(v.details).toBe(`2 models routed by model name: 100% answered by the requested model on a pod serving it (${B7} 10/10, ${B05} 10/10); unknown model: 3/3 got 404`);
  });

  it('fails when requests for one model are answered by another, or the unknown model is not a 404', async () => {
    const rs = workload({ misroute: 2 });
    const [v] = evaluateClaims([{ id: 'model-routing' }], ctx(await run(rs, { records: rs, podModels })));
    expect(v.status).toBe('Fail');
    expect(v.evidence).toMatchObject({ wrongModel: 2, wrongPod: 2, correct: 18 });
    const rs2 = workload({ unknownStatus: 503 });
    const [w] = evaluateClaims([{ id: 'model-routing' }], ctx(await run(rs2, { records: rs2, podModels })));
    expect(w.status).toBe('Fail');
    expect(w.details).toMatch(/3 unknown-model request\(s\) did not get 404/);
  });

  it('without records, matches the client\u2019s per-model counts against the pods\u2019 per-model request counters', async () => {
    const rs = workload();
    const good = await collect([
      { name: 'qwen-7b', states: [vllmText({ model: B7, success: 5 }), vllmText({ model: B7, success: 15 })] },
      { name: 'qwen-05b', states: [vllmText({ model: B05, success: 0 }), vllmText({ model: B05, success: 10 })] },
    ]);
    const [v] = evaluateClaims([{ id: 'model-routing' }], ctx(await run(rs, { metrics: good, podModels })));
    expect(v.status).toBe('Pass');
    expect(v.sources).toContain('metrics:vllm:request_success_total');
    // The 0.5B pod served only 6: four 0.5B requests were answered elsewhere.
    const bad = await collect([
      { name: 'qwen-7b', states: [vllmText({ model: B7, success: 5 }), vllmText({ model: B7, success: 15 })] },
      { name: 'qwen-05b', states: [vllmText({ model: B05, success: 0 }), vllmText({ model: B05, success: 6 })] },
    ]);
    const [w] = evaluateClaims([{ id: 'model-routing' }], ctx(await run(rs, { metrics: bad, podModels })));
    expect(w.status).toBe('Fail');
    expect(w.evidence).toMatchObject({ correct: 16, wrongModel: 4 });
  });

  it('is inconclusive with neither records nor per-model counters', async () => {
    const [v] = evaluateClaims([{ id: 'model-routing' }], ctx(await run(workload(), { podModels })));
    expect(v.status).toBe('Inconclusive');
    expect(v.details).toMatch(/the served model cannot be checked/);
  });
});
