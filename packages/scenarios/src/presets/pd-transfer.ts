// Seed row: "P/D with NIXL on time-sliced GPU — Pass, time-slicing preserves CUDA IPC, NIXL works". Every
// prompt is long, so every request is split; the decode pod must then find the prompt's KV as an external
// (transferred) cache hit. The fault control breaks the transfer, which this claim must catch.
import { defineScenario } from '../scenario.ts';

export const pdTransfer = defineScenario({
  name: 'pd-transfer',
  description: 'Long prompts on 1 prefill + 1 decode pod: KV computed by prefill must reach decode.',
  feature: 'P/D with NIXL on time-sliced GPU',
  mode: 'P/D',
  target: { sim: { preset: 'pd-1p1d' } },
  workload: { type: 'long-prompt', threshold_tokens: 16, long_len: 512, long_ratio: 1, output_len: 32 },
  load: { type: 'concurrency', concurrency: 4, requests: 40 },
  claims: [{ id: 'pd-transfer', minExternalHitRate: 0.9 }],
  controls: [
    {
      name: 'kv-transfer-broken',
      description: 'Fault run: the prefill→decode KV transfer fails, so decode must recompute (the claim should FAIL here).',
      target: { sim: { preset: 'pd-1p1d', options: { kvTransfer: 'broken' } } },
    },
  ],
  // 40 splits: showing ≥ 90% of transfers land at 95% confidence takes ≥ 35 clean ones.
  quick: { workload: { long_len: 256, output_len: 16 }, load: { requests: 40 } },
});
