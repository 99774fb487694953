// Seed row: "Selective P/D (prefix-based-pd-decider) — Pass, short requests skip prefill, long requests
// trigger P/D split". The seed's decider used nonCachedTokens: 16 (the EPP estimates tokens as bytes/4 of
// the request), so short prompts are a couple of words and long ones hundreds of tokens.
import { defineScenario } from '../scenario.ts';

export const pdSelective = defineScenario({
  name: 'pd-selective',
  description: 'A short/long prompt mix on 1 prefill + 1 decode pod: short prompts should stay decode-only, long ones be split.',
  feature: 'Selective P/D (prefix-based-pd-decider)',
  mode: 'P/D',
  target: { sim: { preset: 'pd-1p1d' } },
  workload: { type: 'long-prompt', threshold_tokens: 16, short_len: 2, long_len: 512, long_ratio: 0.5, pass_size: 20, output_len: 32 },
  load: { type: 'concurrency', concurrency: 4, requests: 60 },
  claims: [{ id: 'pd-selective', thresholdTokens: 16 }],
  // Selective P/D turned off: upstream's always-disagg-pd-decider splits every request, short ones too.
  controls: [
    {
      name: 'always-disagg',
      description: 'Same workload, decider replaced by always-disagg-pd-decider: every request is split.',
      target: { sim: { preset: 'pd-1p1d', options: { pdDecider: 'always-disagg' } } },
    },
  ],
  // 80 requests (~40 per class): each class must show ≥ 90% at 95% confidence, which takes ≥ 35 clean requests.
  quick: { workload: { long_len: 256, output_len: 16 }, load: { requests: 80 } },
});
