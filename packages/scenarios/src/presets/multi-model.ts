// Seed row: "Multi-model routing — Pass, 7B + 0.5B models routed by model name". Includes the seed's
// NonExistentModel slice, which must come back as a 404 rather than be served by a wrong pod.
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
  quick: { workload: { pass_size: 10 }, load: { requests: 10 } },
});
