// Seed row: "KV-cache-utilization scoring — Pass, weighted scorer influences pod selection". Long unique
// prompts fill KV memory; the kv-cache-utilization scorer should steer new requests to the emptier pod.
import { defineScenario } from '../scenario.ts';

export const kvUtilization = defineScenario({
  name: 'kv-utilization',
  description: 'Long unique prompts at high concurrency on 2 aggregated pods: KV usage should stay balanced.',
  feature: 'KV-cache-utilization scoring',
  mode: 'Aggregated',
  target: { sim: { preset: 'agg-2' } },
  workload: { type: 'random', input_len: { distribution: 'uniform', min: 512, max: 2048 }, output_len: 256 },
  load: { type: 'concurrency', concurrency: 16, requests: 96 },
  claims: [{ id: 'kv-utilization', maxImbalance: 0.3 }],
  controls: [{ name: 'random-picker', target: { sim: { preset: 'random-picker' } } }],
  // Quick: time-bound (KV must stay filled for several 500 ms scrape rounds for the claim to judge).
  quick: { workload: { input_len: { distribution: 'uniform', min: 1024, max: 3072 }, output_len: 128 }, load: { requests: null, durationS: 5 } },
});
