// A few short requests in seconds: checks the whole path (client → gateway → pods → records) works.
import { defineScenario } from '../scenario.ts';

export const smoke = defineScenario({
  name: 'smoke',
  description: 'A handful of short requests against 2 aggregated pods.',
  feature: 'Smoke test',
  mode: 'Aggregated',
  target: { sim: { preset: 'agg-2' } },
  workload: { type: 'random', input_len: 32, output_len: 16 },
  load: { type: 'concurrency', concurrency: 2, requests: 8 },
  claims: [],
  quick: { load: { requests: 4 } },
});
