import { afterAll, describe, expect, it } from 'vitest';
import { evaluateClaims } from '../../src/claims/evaluate.ts';
import type { RunEvidence } from '../../src/claims/context.ts';
import { LoadSpecSchema } from '../../src/load/load-spec.ts';
import type { AutoscaleTimescale } from '../../src/upstream/autoscale.ts';
import { closeFixtureServers, collect, ctx, eppText, rec, run } from './evidence-fixtures.ts';

afterAll(closeFixtureServers);
// 40 drain requests: enough for "≥ 90% succeed" at 95% (Wilson lower bound 91.2% with no failure).
const staged = (drainErrors = 0, drainN = 40) => [
  ...Array.from({ length: 10 }, () => rec({ stage: 0 })),
  ...Array.from({ length: 20 }, () => rec({ stage: 1 })),
  ...Array.from({ length: drainN }, (_, i) => (i < drainErrors ? rec({ stage: 2, status: 'error', httpStatus: 503, errorClass: 'http_5xx' }) : rec({ stage: 2 }))),
];
const ready = (xs: number[]) => xs.map((n) => eppText({ readyPods: n }));
// A simulator-like declared timescale: scaling may take no time at all, so only the trajectory counts.
const INSTANT: AutoscaleTimescale = { source: 'test simulator', scaleUpWithinS: 0, scaleDownWithinS: 0 };
/** The run's load spec: three stages, the last (the drain) lasting drainS. */
function staging(r: RunEvidence, drainS: number, loadS = 60): RunEvidence {
  r.summary.meta.load = LoadSpecSchema.parse({
    type: 'stages',
    stages: [
      { type: 'concurrency', concurrency: 2, durationS: loadS / 2 },
      { type: 'concurrency', concurrency: 20, durationS: loadS / 2 },
      { type: 'concurrency', concurrency: 1, durationS: drainS },
    ],
  });
  return r;
}

describe('autoscale', () => {
  it('passes when ready pods go 1 → 4 → 1 and the drain stage has no failed request', async () => {
    const metrics = await collect([{ name: 'epp', states: ready([1, 1, 2, 3, 4, 4, 2, 1]) }]);
    const [v] = evaluateClaims([{ id: 'autoscale', minReplicas: 2, maxFailedShare: 0, maxReplicas: 4 }], ctx(await run(staged(), { metrics, autoscaleTimescale: INSTANT })));
    expect(v.status).toBe('Pass');
    expect(v.details).toMatch(
      /^scales 1 to 4 pods, drains cleanly on scale-down: ready pods 1→2→3→4→2→1 \(start 1, peak 4, end 1\); cycles per load phase 1 \(max 1; 1 direction change\); drain stage 2: 0\/40 requests failed; timescale: test simulator, scale-up within 0 s, scale-down within 0 s; drain succeeded ≥ 90%: 95% CI 91\.2%–100%, n=40$/,
    );
    expect(v.confidence?.[0]).toMatchObject({ n: 40, bar: 0.9, status: 'Pass', interval: { method: 'wilson' } });
  });

  it('is inconclusive, with the requests needed, when the drain stage ran too few requests to show the drain rule', async () => {
    const metrics = await collect([{ name: 'epp', states: ready([1, 1, 2, 3, 4, 4, 2, 1]) }]);
    const [v] = evaluateClaims([{ id: 'autoscale', minReplicas: 2, maxFailedShare: 0 }], ctx(await run(staged(0, 8), { metrics, autoscaleTimescale: INSTANT })));
    expect(v.status).toBe('Inconclusive');
    expect(v.details).toMatch(/too few drain-stage requests to show ≥ 90% succeed .*95% CI 67\.6%–100%, n=8; ~\d+ requests would separate it from 90%/);
    // One failure is a counterexample at any sample size.
    const [w] = evaluateClaims([{ id: 'autoscale', minReplicas: 2, maxFailedShare: 0 }], ctx(await run(staged(1, 8), { metrics, autoscaleTimescale: INSTANT })));
    expect(w.status).toBe('Fail');
  });

  it('fails when the pool never scales out, does not scale back, or drops requests while draining', async () => {
    const flat = await collect([{ name: 'epp', states: ready([1, 1, 1, 1]) }]);
    expect(evaluateClaims([{ id: 'autoscale' }], ctx(await run(staged(), { metrics: flat, autoscaleTimescale: INSTANT })))[0].details).toMatch(/never scaled out to 2/);
    const stuck = await collect([{ name: 'epp', states: ready([1, 2, 3, 3]) }]);
    const [s] = evaluateClaims([{ id: 'autoscale' }], ctx(await run(staged(), { metrics: stuck, autoscaleTimescale: INSTANT })));
    expect(s.status).toBe('Fail');
    expect(s.details).toMatch(/did not scale back to 1/);
    const ok = await collect([{ name: 'epp', states: ready([1, 2, 3, 1]) }]);
    const [d] = evaluateClaims([{ id: 'autoscale' }], ctx(await run(staged(2, 8), { metrics: ok, autoscaleTimescale: INSTANT })));
    expect(d.status).toBe('Fail');
    expect(d.details).toMatch(/25% of drain-stage requests failed/);
  });

  it('is inconclusive without the EPP ready-pods gauge', async () => {
    const [v] = evaluateClaims([{ id: 'autoscale' }], ctx(await run(staged())));
    expect(v.status).toBe('Inconclusive');
    expect(v.details).toMatch(/EPP was not scraped/);
    const noGauge = await collect([{ name: 'epp', states: [eppText({})] }]);
    const [w] = evaluateClaims([{ id: 'autoscale' }], ctx(await run(staged(), { metrics: noGauge })));
    expect(w.details).toBe('the EPP exposed no inference_pool_ready_pods gauge');
  });

  // A real target declares no timescale: Kubernetes HPA defaults apply (sync 15 s + EPP gauge refresh 5 s
  // + 300 s scale-down stabilization = 320 s; scale-up 20 s + an assumed 300 s pod start).
  it('on a real target, a drain shorter than the HPA scale-down window is Inconclusive, a long enough one Fails', async () => {
    const stuck = await collect([{ name: 'epp', states: ready([1, 2, 3, 3]) }]);
    const [short] = evaluateClaims([{ id: 'autoscale' }], ctx(staging(await run(staged(), { metrics: stuck }), 30)));
    expect(short.status).toBe('Inconclusive');
    expect(short.details).toMatch(/did not scale back to 1, but the drain stage lasted 30 s, less than the 320 s a scale-down may take/);
    expect(short.details).toMatch(/timescale: Kubernetes HPA defaults \(sync 15 s, scale-down stabilization 300 s, EPP gauge refresh 5 s, pod start 300 s assumed\)/);
    expect(short.evidence).toMatchObject({ drainS: 30, loadBeforeDrainS: 60, drainSpanFrom: 'load', timescale: { scaleDownWithinS: 320, scaleUpWithinS: 320 } });
    const [long] = evaluateClaims([{ id: 'autoscale' }], ctx(staging(await run(staged(), { metrics: stuck }), 400)));
    expect(long.status).toBe('Fail');
    expect(long.details).toMatch(/\(did not scale back to 1\); timescale: Kubernetes HPA defaults/);
  });

  it('on a real target, no scale-out within a load shorter than sync + pod start is Inconclusive; podStartS tunes it', async () => {
    const flat = await collect([{ name: 'epp', states: ready([1, 1, 1, 1]) }]);
    const [v] = evaluateClaims([{ id: 'autoscale' }], ctx(staging(await run(staged(), { metrics: flat }), 30, 120)));
    expect(v.status).toBe('Inconclusive');
    expect(v.details).toMatch(/never scaled out to 2, but the load before the drain lasted 120 s, less than the 320 s a scale-out may take/);
    const [w] = evaluateClaims([{ id: 'autoscale', podStartS: 60 }], ctx(staging(await run(staged(), { metrics: flat }), 30, 120)));
    expect(w.status).toBe('Fail');
    expect(w.details).toMatch(/never scaled out to 2.*pod start 60 s\)/);
  });

  it('failed drain requests Fail whatever the timescale; a run that did scale back Passes on it', async () => {
    const stuck = await collect([{ name: 'epp', states: ready([1, 2, 3, 3]) }]);
    const [v] = evaluateClaims([{ id: 'autoscale' }], ctx(staging(await run(staged(2, 8), { metrics: stuck }), 30)));
    expect(v.status).toBe('Fail');
    expect(v.details).toMatch(/\(25% of drain-stage requests failed \(max 0%\)\)/);
    const back = await collect([{ name: 'epp', states: ready([1, 2, 3, 1]) }]);
    expect(evaluateClaims([{ id: 'autoscale' }], ctx(staging(await run(staged(), { metrics: back }), 30)))[0].status).toBe('Pass');
  });

  it("uses the target's declared timescale under 'target'; 'hpa-defaults' and explicit seconds override it", async () => {
    const stuck = await collect([{ name: 'epp', states: ready([1, 2, 3, 3]) }]);
    const sim: AutoscaleTimescale = { source: 'simulator autoscaler (interval 0.25 s)', scaleUpWithinS: 0.6, scaleDownWithinS: 1.8 };
    const evidence = async () => staging(await run(staged(), { metrics: stuck, autoscaleTimescale: sim }), 3, 5);
    const [declared] = evaluateClaims([{ id: 'autoscale' }], ctx(await evidence()));
    expect(declared.status).toBe('Fail');
    expect(declared.details).toMatch(/timescale: simulator autoscaler \(interval 0\.25 s\), scale-up within 0\.6 s, scale-down within 1\.8 s; drain succeeded/);
    const [hpa] = evaluateClaims([{ id: 'autoscale', timescale: 'hpa-defaults' }], ctx(await evidence()));
    expect(hpa.status).toBe('Inconclusive');
    const [explicit] = evaluateClaims([{ id: 'autoscale', timescale: { scaleUpWithinS: 1, scaleDownWithinS: 10 } }], ctx(await evidence()));
    expect(explicit.status).toBe('Inconclusive');
    expect(explicit.details).toMatch(/less than the 10 s a scale-down may take.*timescale: the claim thresholds/);
  });

  it('without a staged load, judges the drain by the ready-pods samples after the peak', async () => {
    const stuck = await collect([{ name: 'epp', states: ready([1, 2, 3, 3]) }]);
    const [v] = evaluateClaims([{ id: 'autoscale' }], ctx(await run(staged(), { metrics: stuck })));
    expect(v.status).toBe('Inconclusive');
    expect(v.details).toMatch(/the drain was observed for [\d.]+ s, less than the 320 s/);
    expect(v.evidence).toMatchObject({ drainSpanFrom: 'samples' });
  });

  // The timeline: under one rise and fall of the load the pool went out, in, out and in again.
  it('fails a flapping timeline (two scale-up/down cycles in one load phase) and says so; maxCyclesPerPhase tunes it', async () => {
    const flap = [1, 3, 4, 3, 1, 3, 4, 2, 1];
    const metrics = await collect([{ name: 'epp', states: ready(flap) }]);
    const [v] = evaluateClaims([{ id: 'autoscale', maxReplicas: 4 }], ctx(staging(await run(staged(), { metrics, autoscaleTimescale: INSTANT }), 30)));
    expect(v.status).toBe('Fail');
    expect(v.details).toMatch(/cycles per load phase 2 \(max 1; 3 direction changes\)/);
    expect(v.details).toMatch(/flapping: load phase 1 \(stages 0–2\) scaled 1→3→4→3→1→3→4(→2)?→1, 2 scale-up\/down cycles, 3 direction changes; max 1 cycle\(s\) per phase/);
    expect(v.evidence).toMatchObject({ directionChanges: 3, cyclesPerPhase: [2], maxCyclesPerPhase: 1, phases: [{ phase: 0, stages: [0, 2], cycles: 2, directionChanges: 3 }] });
    const metrics2 = await collect([{ name: 'epp', states: ready(flap) }]);
    const [w] = evaluateClaims([{ id: 'autoscale', maxReplicas: 4, maxCyclesPerPhase: 2 }], ctx(staging(await run(staged(), { metrics: metrics2, autoscaleTimescale: INSTANT }), 30)));
    expect(w.status).toBe('Pass');
  });

  it('allows one cycle per load phase: a load that rises and falls twice may scale out and in twice', async () => {
    // Two waves of load (2→20→1, then 20→1): two phases, and the samples fall into them by time.
    const twice = [1, 4, 1, 4, 1];
    const metrics = await collect([{ name: 'epp', states: ready(twice) }]);
    const r = await run(staged(), { metrics, autoscaleTimescale: INSTANT });
    // Place the waves on the collector's own clock: the first wave ends half-way through the samples.
    const m = r.metrics!;
    const pts = m.sources[0].targets[0].gauges.find((g) => g.metric.includes('ready_pods'))!.points;
    // The load starts with the collector (the fixture's summary carries a fixed date; a stage lasting from then
    // to now would be past the longest timer a load may ask for).
    r.summary.meta.startedAt = new Date(m.startedAtEpochMs).toISOString();
    const loadStart = Date.parse(r.summary.meta.startedAt);
    const toS = (tm: number) => (m.startedAtEpochMs + (tm - m.window.startMs) - loadStart) / 1000;
    const split = (toS(pts[2][0]) + toS(pts[3][0])) / 2;
    r.summary.meta.load = LoadSpecSchema.parse({
      type: 'stages',
      stages: [
        { type: 'concurrency', concurrency: 20, durationS: split / 2 },
        { type: 'concurrency', concurrency: 1, durationS: split / 2 },
        { type: 'concurrency', concurrency: 20, durationS: 30 },
        { type: 'concurrency', concurrency: 1, durationS: 30 },
      ],
    });
    const [v] = evaluateClaims([{ id: 'autoscale' }], ctx(r));
    expect(v.evidence).toMatchObject({ cyclesPerPhase: [1, 1], directionChanges: 3, phases: [{ stages: [0, 1] }, { stages: [2, 3] }] });
    expect(v.status).toBe('Pass');
    // The same samples judged as one phase are two cycles: flapping.
    r.summary.meta.load = LoadSpecSchema.parse({ type: 'concurrency', concurrency: 20, durationS: 60 });
    const [w] = evaluateClaims([{ id: 'autoscale' }], ctx(r));
    expect(w.status).toBe('Fail');
    expect(w.details).toMatch(/flapping: load phase 1 \(whole run\)/);
  });
});
