// Seed row: "HPA autoscaling (inference pool metrics) — Pass, scales 1 to 4 pods, drains cleanly on
// scale-down" (the seed's committed evidence shows only 1→2). Load ramps up, holds, and ramps down so the
// queue-size signal rises past the HPA target and falls again. The hold (40 users) is past what the
// four-pod maximum absorbs (4 × maxNumSeqs 5 = 20): at exactly 20 the queue empties once the pool is at
// 4, the queue-size HPA then scales in mid-hold and back out (1→4→1→4→1, flapping, which the claim
// fails); above it the pool stays pinned at its maximum, as a real overloaded pool does.
// The drain runs 4 users (one pod's worth, below maxNumSeqs, so the pool scales in under it): enough
// requests (≥ 35) for the drain rule to be shown at 90% with 95% confidence, where 1 user gave ~10.
import { defineScenario } from '../scenario.ts';

export const autoscale = defineScenario({
  name: 'autoscale',
  description: 'Ramp up, hold and ramp down concurrency against an autoscaling pool: replicas should rise under queueing and drain without failed requests.',
  feature: 'HPA autoscaling (inference pool metrics)',
  mode: 'Aggregated',
  target: { sim: { preset: 'autoscale' } },
  workload: { type: 'random', input_len: 256, output_len: 256 },
  load: {
    type: 'stages',
    stages: [
      { type: 'concurrency', concurrency: 2, durationS: 15 },
      { type: 'concurrency', concurrency: 10, durationS: 15 },
      { type: 'concurrency', concurrency: 40, durationS: 45 },
      { type: 'concurrency', concurrency: 10, durationS: 15 },
      { type: 'concurrency', concurrency: 4, durationS: 30 },
    ],
  },
  claims: [{ id: 'autoscale', minReplicas: 2, maxFailedShare: 0 }],
  // What a flapping autoscaler looks like, so the claim has a control that fails it: pods twice as wide
  // (maxNumSeqs 10) under a hold of 20 users, where no pool size is stable for a queue-size HPA with a
  // 1.5 s scale-down window (one pod queues 10 → scale out; two or more queue nothing → scale in), so
  // the pool goes out and in several times under one rise and fall of the load. Its own short stages
  // replace the main load in both the full and the quick form.
  controls: [
    {
      name: 'hpa-flapping',
      target: { sim: { preset: 'autoscale', options: { maxNumSeqs: 10 } } },
      load: {
        stages: [
          { type: 'concurrency', concurrency: 2, durationS: 1 },
          { type: 'concurrency', concurrency: 20, durationS: 6 },
          { type: 'concurrency', concurrency: 1, durationS: 3 },
        ],
      },
    },
  ],
  quick: {
    workload: { output_len: 64 },
    load: {
      stages: [
        { type: 'concurrency', concurrency: 2, durationS: 1 },
        { type: 'concurrency', concurrency: 40, durationS: 4 },
        { type: 'concurrency', concurrency: 4, durationS: 5 },
      ],
    },
  },
});
