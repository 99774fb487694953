// Seed row: "Queue-depth load balancing — Pass, 30 concurrent requests split 18/12 across pods".
// A burst of 30 concurrent requests with long outputs (max_tokens 512 in the seed) and unique prompts, so
// only load-aware scoring can spread them.
import { defineScenario } from '../scenario.ts';

export const queueBalance = defineScenario({
  name: 'queue-balance',
  description: '30 concurrent long requests on 2 aggregated pods: neither pod should take (nearly) all of them.',
  feature: 'Queue-depth load balancing',
  mode: 'Aggregated',
  target: { sim: { preset: 'agg-2' } },
  workload: { type: 'random', input_len: 128, output_len: 512 },
  load: { type: 'concurrency', concurrency: 30, requests: 30 },
  claims: [{ id: 'queue-balance', maxShare: 0.7 }],
  controls: [{ name: 'random-picker', target: { sim: { preset: 'random-picker' } } }],
  quick: { workload: { output_len: 64 } },
});
