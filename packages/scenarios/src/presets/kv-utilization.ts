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
  quick: { workload: { input_len: { distribution: 'uniform', min: 256, max: 1024 }, output_len: 48 }, load: { concurrency: 8, requests: 24 } },
});
