// Not a seed row: the comparison the seed could not make on one GPU. The same workload against 2
// aggregated pods and against 1 prefill + 1 decode pod, compared on TTFT/ITL.
import { defineScenario } from '../scenario.ts';

export const aggVsPd = defineScenario({
  name: 'agg-vs-pd',
  description: 'Same mixed short/long workload against aggregated and P/D pools; compare latency.',
  feature: 'Aggregated vs P/D latency',
  mode: 'P/D',
  target: { sim: { preset: 'agg-2' } },
  compareTargets: [
    { name: 'aggregated', target: { sim: { preset: 'agg-2' } } },
    { name: 'pd-1p1d', target: { sim: { preset: 'pd-1p1d' } } },
  ],
  workload: { type: 'long-prompt', threshold_tokens: 16, short_len: 2, long_len: 1024, long_ratio: 0.5, output_len: 64 },
  load: { type: 'poisson', rate: 4, durationS: 60 },
  claims: [{ id: 'latency-slo', metric: 'ttft', percentile: 90, maxMs: 2000 }],
  // Rate 20 for 3 s (~60 Poisson arrivals, rarely under 45): a TTFT p90 target is decided on the share of
  // requests under it, and a 95% bound reaches 90% only from 35 requests.
  quick: { workload: { long_len: 256, output_len: 16 }, load: { rate: 20, durationS: 3 } },
});
