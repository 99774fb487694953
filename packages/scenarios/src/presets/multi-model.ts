// Seed row: "Multi-model routing — Pass, 7B + 0.5B models routed by model name". Includes the seed's
// NonExistentModel slice, which must come back as a 404 rather than be served by a wrong pod.
// The target is what upstream deploys for several models: one InferencePool per model behind body-based routing
// (the simulator's multi-model preset). The control puts both models' pods in one pool, as the seed did: no EPP
// filters by model, so requests reach pods that do not serve their model and get vLLM's 404 — the claim must fail.
import { defineScenario } from '../scenario.ts';

export const multiModel = defineScenario({
  name: 'multi-model',
  description: 'Requests for two served models plus an unknown one: each must reach a pod serving its model; the unknown one gets 404.',
  feature: 'Multi-model routing',
  mode: 'Aggregated',
  target: { sim: { preset: 'multi-model' } },
  workload: {
    type: 'multi-model',
    models: [
      { name: 'Qwen/Qwen2.5-7B-Instruct', weight: 1 },
      { name: 'Qwen/Qwen2.5-0.5B-Instruct', weight: 1 },
    ],
    unknown_model: { name: 'NonExistentModel', weight: 0.25 },
    pass_size: 40,
  },
  load: { type: 'concurrency', concurrency: 4, requests: 80 },
  claims: [{ id: 'model-routing', minCorrectShare: 1 }],
  controls: [{ name: 'mixed-pool', target: { sim: { preset: 'multi-model-mixed' } } }],
  // Quick is not smaller: a Pass needs the 95% lower bound of correctly routed requests ≥ 95%, i.e. ≥ 73
  // requests without a single error (the simulator answers ~100 in well under a second).
  quick: { load: { requests: 100 } },
});
