// Seed row: "Prefix-cache-aware routing — Pass, 73% cache hit rate, prefix affinity routes to same pod".
// The seed sent 5 requests sharing a ~220-token system prompt; here many groups of a ≥256-token prefix
// (several KV blocks) are interleaved, so affinity has to be remembered, not just repeated. Groups are small
// (4 prompts) on purpose: with 2 pods a random picker lands a group's 4th request on a warm pod 7 times in 8,
// so long groups hide what affinity buys; short ones expose it (random captures ~71% of the reuse, affinity
// 100%) and let --quick decide at 95%. Controls: a random picker (what affinity buys) and zero reuse (the
// same lengths with nothing to share).
import { defineScenario } from '../scenario.ts';

export const prefixCache = defineScenario({
  name: 'prefix-cache',
  description: 'Shared-prefix groups on 2 aggregated pods: each group should stick to one pod and hit its prefix cache.',
  feature: 'Prefix-cache-aware routing',
  mode: 'Aggregated',
  target: { sim: { preset: 'agg-2' } },
  seed: 1,
  workload: { type: 'shared-prefix', num_groups: 64, num_prompts_per_group: 4, system_prompt_len: 256, question_len: 32, output_len: 32 },
  load: { type: 'concurrency', concurrency: 8, requests: 256, warmupRequests: 0 },
  claims: [
    { id: 'prefix-affinity', minDominantShare: 0.9 },
    { id: 'prefix-cache-hit-rate', minHitRate: 0.5 },
  ],
  controls: [
    { name: 'random-picker', description: 'Same workload, EPP replaced by a random picker.', target: { sim: { preset: 'random-picker' } } },
    { name: 'zero-reuse', description: 'Same lengths, every prefix unique: nothing to share.', workload: { zero_reuse: true } },
  ],
  // Quick: 96 requests is what separates affinity from random at 95% (72 reusable); short outputs keep it a few seconds.
  quick: { workload: { num_groups: 24, num_prompts_per_group: 4, output_len: 16 }, load: { concurrency: 4, requests: 96 } },
});
