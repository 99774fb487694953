// Not a seed row: the comparison the seed could not make on one GPU. The same workload against 2
// aggregated pods and against 1 prefill + 1 decode pod, compared on TTFT/ITL (`run`), and swept over a
// ladder of rates for the highest rate each serves within the SLO (`sweep`, sweep/run-sweep.ts).
import { defineScenario } from '../scenario.ts';

// Both clusters run 4× slower with 4 sequences per pod (sim preset options `speed`, `maxNumSeqs`), so that
// their capacity (~15 req/s on the quick workload, a few req/s on the full one) sits well under what the
// client and the embedded simulator can drive on a 2-core machine: the sweep's knee is then the modelled
// servers', not this machine's CPU.
const sim = (preset: string) => ({ sim: { preset, options: { speed: 4, maxNumSeqs: 4 } } });

export const aggVsPd = defineScenario({
  name: 'agg-vs-pd',
  description: 'Same mixed short/long workload against aggregated and P/D pools; compare latency, and (sweep) the highest rate each serves within the SLO.',
  feature: 'Aggregated vs P/D latency',
  mode: 'P/D',
  target: sim('agg-2'),
  compareTargets: [
    { name: 'aggregated', target: sim('agg-2') },
    { name: 'pd-1p1d', target: sim('pd-1p1d') },
  ],
  workload: { type: 'long-prompt', threshold_tokens: 16, short_len: 2, long_len: 1024, long_ratio: 0.5, output_len: 64 },
  load: { type: 'poisson', rate: 2, durationS: 60 },
  claims: [{ id: 'latency-slo', metric: 'ttft', percentile: 90, maxMs: 2000 }],
  // `routebench sweep agg-vs-pd`: 60 s levels (≥ 60 requests even at 1 req/s, enough for the p90 bound), SLO
  // from the claim above; two bisection levels between the last pass and the first fail.
  sweep: { over: 'rate', ladder: { type: 'geometric', from: 1, to: 8, steps: 4 }, levelDurationS: 60, refine: 2 },
  quick: {
    workload: { long_len: 256, output_len: 16 },
    // Rate 12 for 5 s (~60 Poisson arrivals, rarely under 45): a TTFT p90 target is decided on the share of
    // requests under it, and a 95% bound reaches 90% only from 35 requests.
    load: { rate: 12, durationS: 5 },
    // 4 s levels from 10 req/s (40 constant arrivals, enough for the p90 bound) past the knee (~15 req/s); prompts
    // are a quarter as long, so the SLO is a quarter too.
    sweep: { ladder: { type: 'list', levels: [10, 13, 16, 20, 25], from: null, to: null, steps: null }, levelDurationS: 4, slo: ['ttft.p90<=500'], refine: 1 },
  },
});
