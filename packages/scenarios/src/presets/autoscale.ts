// Seed row: "HPA autoscaling (inference pool metrics) — Pass, scales 1 to 4 pods, drains cleanly on
// scale-down" (the seed's committed evidence shows only 1→2). Load ramps up, holds, and ramps down so the
// queue-size signal rises past the HPA target and falls again.
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
      { type: 'concurrency', concurrency: 20, durationS: 45 },
      { type: 'concurrency', concurrency: 10, durationS: 15 },
      { type: 'concurrency', concurrency: 1, durationS: 30 },
    ],
  },
  claims: [{ id: 'autoscale', minReplicas: 2, maxFailedShare: 0 }],
  quick: {
    workload: { output_len: 64 },
    load: {
      stages: [
        { type: 'concurrency', concurrency: 2, durationS: 1 },
        { type: 'concurrency', concurrency: 20, durationS: 4 },
        { type: 'concurrency', concurrency: 1, durationS: 3 },
      ],
    },
  },
});
