// Seed row: "Queue-depth load balancing — Pass, 30 concurrent requests split 18/12 across pods".
// An even split is the wrong test (a random picker splits evenly too, and a queue-aware one splits 25/5
// when one pod drains faster), so the claim is judged per decision: the share of requests sent to the pod
// the queue scorer preferred (EPP V(4) "Calculated score" lines). That needs decisions where the pods'
// waiting queues differ, so the pods run a small batch (maxNumSeqs 4) under 30 concurrent requests: about
// 11 wait on each pod, and each completion leaves one pod's queue shorter for the next request.
import { defineScenario } from '../scenario.ts';

const options = { maxNumSeqs: 4 };

export const queueBalance = defineScenario({
  name: 'queue-balance',
  description: '30 concurrent requests on 2 aggregated pods with small batches: each should go to the pod with the shorter waiting queue.',
  feature: 'Queue-depth load balancing',
  mode: 'Aggregated',
  target: { sim: { preset: 'agg-2', options } },
  workload: { type: 'random', input_len: 128, output_len: 128 },
  load: { type: 'concurrency', concurrency: 30, requests: 240 },
  claims: [{ id: 'queue-balance' }],
  controls: [{ name: 'random-picker', target: { sim: { preset: 'random-picker', options } } }],
  // Sized with requiredN (core claims/confidence.ts) at the 75% bar: ~85% of requests are decisive (the
  // rest meet equal queues), so 120 give ~100 decisions. requiredN(1.0, 0.75) = 12 for the healthy picker;
  // the random control (~50%) fails at 12 and still fails at ~100 unless it drifts above ~67%.
  quick: { workload: { output_len: 32 }, load: { requests: 120 } },
});
