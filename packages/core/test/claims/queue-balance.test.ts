import { afterAll, describe, expect, it } from 'vitest';
import { evaluateClaims } from '../../src/claims/evaluate.ts';
import { jainIndex } from '../../src/claims/queue-balance.ts';
import type { RequestRecord } from '../../src/record/request-record.ts';
import { closeFixtureServers, collect, ctx, rec, run, vllmText } from './evidence-fixtures.ts';

afterAll(closeFixtureServers);
const SPLIT = { id: 'queue-balance', judgeOn: 'split' };
const podRoles = { 'agg-0': 'both', 'agg-1': 'both' } as const;
const burst = (a: number, b: number, pod: (i: number) => string | null = (i) => (i < a ? 'agg-0' : 'agg-1')) =>
  Array.from({ length: a + b }, (_, i) => rec({ pod: pod(i), podSource: pod(i) ? 'header:x-inference-pod' : null }));

describe('queue-balance judged on the split (judgeOn: split)', () => {
  it('passes on the seed\u2019s 18/12 split of 30 concurrent requests', async () => {
    const [v] = evaluateClaims([{ id: 'queue-balance', maxShare: 0.7, judgeOn: 'split' }], ctx(await run(burst(18, 12), { podRoles: { ...podRoles } })));
    expect(v.status).toBe('Pass');
    expect(v.details).toBe('30 requests split 18/12 across agg-0, agg-1 (max share 60%, Jain 0.96)');
    expect(v.sources).toEqual(['header:x-inference-pod']);
  });

  it('fails when one pod takes nearly everything or a known pod got nothing', async () => {
    const [v] = evaluateClaims([SPLIT], ctx(await run(burst(27, 3), { podRoles: { ...podRoles } })));
    expect(v.status).toBe('Fail');
    expect(v.details).toMatch(/a pod took more than 67%/);
    const [w] = evaluateClaims([SPLIT], ctx(await run(burst(30, 0), { podRoles: { ...podRoles } })));
    expect(w.status).toBe('Fail');
    expect(w.details).toMatch(/agg-1 got no request/);
  });

  it('uses the pods\u2019 request counters when requests are not attributed', async () => {
    const metrics = await collect([
      { name: 'agg-0', states: [vllmText({ success: 100 }), vllmText({ success: 116 })] },
      { name: 'agg-1', states: [vllmText({ success: 40 }), vllmText({ success: 54 })] },
    ]);
    const [v] = evaluateClaims([SPLIT], ctx(await run(burst(30, 0, () => null), { metrics })));
    expect(v.status).toBe('Pass');
    expect(v.sources).toEqual(['counter:vllm:request_success']);
    expect(v.evidence.split).toEqual({ 'agg-0': 16, 'agg-1': 14 });
  });

  it('is inconclusive with no per-request pods and no counters, or an incomplete counter split', async () => {
    const [v] = evaluateClaims([SPLIT], ctx(await run(burst(30, 0, () => null))));
    expect(v.status).toBe('Inconclusive');
    expect(v.details).toMatch(/no request split per pod/);
    const metrics = await collect([
      { name: 'agg-0', states: [vllmText({ success: 100 }), vllmText({ success: 116 })] },
      { name: 'agg-1', states: 'hang' },
    ]);
    const [w] = evaluateClaims([SPLIT], ctx(await run(burst(30, 0, () => null), { metrics, podRoles: { ...podRoles } })));
    // agg-1 answered no scrape: the split cannot say it got nothing.
    expect(w.status).toBe('Inconclusive');
    expect(w.details).toMatch(/^request split from counter:vllm:request_success is incomplete \(scrape errors: agg-1 \(before: /);
  });

  it('computes Jain\u2019s index', () => {
    expect(jainIndex([5, 5])).toBe(1);
    expect(jainIndex([10, 0])).toBe(0.5);
  });
});

// One scheduling decision as the EPP logs it at V(4) (upstream shapes: one "Calculated score" line per
// endpoint and plugin, then the picker's result).
let nextId = 0;
function decision(queue: [number, number], picked: 'agg-0' | 'agg-1'): string[] {
  const id = `rb-q-${nextId++}`;
  const ep = (pod: string) => ({ name: `${pod}-rank-0`, namespace: 'default' });
  const score = (plugin: string, pod: string, s: number) =>
    JSON.stringify({ level: 'Level(-4)', msg: 'Calculated score', 'x-request-id': id, plugin: `${plugin}/${plugin}`, endpoint: ep(pod), score: s });
  return [
    score('queue-scorer', 'agg-0', queue[0]),
    score('queue-scorer', 'agg-1', queue[1]),
    score('kv-cache-utilization-scorer', 'agg-0', 0.9),
    score('kv-cache-utilization-scorer', 'agg-1', 0.2),
    JSON.stringify({ level: 'Level(-4)', msg: 'Completed running picker plugin successfully', 'x-request-id': id, result: { TargetEndpoints: [{ NamespacedName: { Namespace: 'default', Name: `${picked}-rank-0` }, PodName: picked }] } }),
  ];
}
/** n decisive decisions (queue scores 1/0 alternating sides), `toward` of them on the preferred pod, plus `ties` tied ones. */
function eppLog(n: number, toward: number, ties = 0): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const preferred = i % 2 === 0 ? 'agg-0' : 'agg-1';
    const other = preferred === 'agg-0' ? 'agg-1' : 'agg-0';
    lines.push(...decision(preferred === 'agg-0' ? [1, 0] : [0, 1], i < toward ? preferred : other));
  }
  for (let i = 0; i < ties; i++) lines.push(...decision([1, 1], 'agg-0'));
  return lines.join('\n');
}
const qrun = (split: [number, number], log?: string, records?: RequestRecord[]) => run(records ?? burst(...split), { podRoles: { ...podRoles }, ...(log !== undefined && { eppLog: log }) });

describe('queue-balance judged per decision on the queue scorer (default)', () => {
  it('passes when picks follow the queue scorer and clear the random control, whatever the split', async () => {
    // 25/5 failed the old even-split test; a queue-aware picker does that when one pod drains faster.
    const [v] = evaluateClaims([{ id: 'queue-balance' }], ctx(await qrun([25, 5], eppLog(60, 59)), { 'random-picker': await qrun([17, 13], eppLog(60, 29)) }));
    expect(v.status, v.details).toBe('Pass');
    expect(v.details).toMatch(/^picks follow the queue scorer: 98% of 60 requests where the queue-scorer preferred a pod went to that pod \(control 'random-picker' 48% of 60\)/);
    expect(v.details).toMatch(/preferred-pod share ≥ 75%: 95% CI 91.1%–99.7%, n=60/);
    expect(v.details).toMatch(/context: 30 requests split 25\/5 across agg-0, agg-1/);
    expect(v.confidence!.map((c) => [c.test, c.status])).toEqual([
      ['preferred-pod share ≥ 75%', 'Pass'],
      ["lift over 'random-picker' ≥ +20%", 'Pass'],
    ]);
    expect(v.sources).toEqual(['epp-log:Calculated score', 'header:x-inference-pod', 'control:random-picker']);
    expect(v.evidence).toMatchObject({ picks: { decisive: 60, towardPreferred: 59 }, control: { decisive: 60, towardPreferred: 29 }, split: { 'agg-0': 25, 'agg-1': 5 } });
  });

  it('fails a random picker even when it splits 17/13 (the control that passed the old test)', async () => {
    const [v] = evaluateClaims([{ id: 'queue-balance' }], ctx(await qrun([17, 13], eppLog(60, 29))));
    expect(v.status, v.details).toBe('Fail');
    expect(v.details).toMatch(/^48% of 60 requests where the queue-scorer preferred a pod went to that pod; Fail: preferred-pod share ≥ 75%: 95% CI 36.2%–60.7%, n=60/);
    const [old] = evaluateClaims([SPLIT], ctx(await qrun([17, 13])));
    expect(old.status).toBe('Pass');
  });

  it('fails when the share clears the bar but not the control (the scorer is not what decides)', async () => {
    const [v] = evaluateClaims([{ id: 'queue-balance' }], ctx(await qrun([50, 50], eppLog(100, 90)), { 'random-picker': await qrun([50, 50], eppLog(100, 85)) }));
    expect(v.confidence!.map((c) => c.status)).toEqual(['Pass', 'Fail']);
    expect(v.status).toBe('Fail');
  });

  it('is inconclusive on too few decisions, saying how many would settle it', async () => {
    const [v] = evaluateClaims([{ id: 'queue-balance' }], ctx(await qrun([10, 10], eppLog(12, 10))));
    expect(v.status, v.details).toBe('Inconclusive');
    expect(v.details).toMatch(/preferred-pod share ≥ 75%: 95% CI .*n=12; ~\d+ requests would separate it from 75%/);
    expect(v.confidence![0]!.neededN).toBeGreaterThan(12);
  });

  it('is inconclusive when queues never differed or the EPP log has no scores, keeping the split as context', async () => {
    const [ties] = evaluateClaims([{ id: 'queue-balance' }], ctx(await qrun([15, 15], eppLog(3, 3, 27))));
    expect(ties.status).toBe('Inconclusive');
    expect(ties.details).toMatch(/^only 3 requests where the queue-scorer preferred one pod \(need 10\)/);
    const [none] = evaluateClaims([{ id: 'queue-balance' }], ctx(await qrun([18, 12])));
    expect(none.status).toBe('Inconclusive');
    expect(none.details).toMatch(/no queue-scorer "Calculated score" lines in the EPP log.*--v=4.*context: 30 requests split 18\/12/);
    const [req] = evaluateClaims([{ id: 'queue-balance', control: 'slow-pod' }], ctx(await qrun([18, 12], eppLog(60, 60))));
    expect(req.status).toBe('Inconclusive');
    expect(req.details).toMatch(/control run 'slow-pod' is required but missing/);
  });
});
