// Seed row: "Precise prefix routing in P/D — Fail, KV events not reaching EPP; scorer returns 0 for all
// endpoints". Shared prefixes of several 64-token blocks (the seed's ~35-token prompt was below one block
// and could never hit). The dropped-events control reproduces the seed's failure on purpose; the pod-id
// control is the same symptom from a topic whose <pod-id> is not the scorer's Address:Port key.
import { defineScenario } from '../scenario.ts';

export const precisePrefix = defineScenario({
  name: 'precise-prefix',
  description: 'Shared-prefix groups with the precise (KV-event) prefix scorer in P/D: groups should stick to the pod holding their blocks.',
  feature: 'Precise prefix routing in P/D',
  mode: 'P/D',
  target: { sim: { preset: 'pd-precise' } },
  workload: { type: 'shared-prefix', num_groups: 6, num_prompts_per_group: 10, system_prompt_len: 320, question_len: 32, output_len: 32 },
  // Concurrency 2: the precise scorer only learns a prefix once the first request's prefill has stored its
  // blocks and the KV events reached the EPP, so requests of one group that are in flight together can
  // split before that (no speculative indexing here). At 4 users that race alone moves ~1 request per group.
  load: { type: 'concurrency', concurrency: 2, requests: 120 },
  claims: [{ id: 'precise-prefix', minDominantShare: 0.9 }],
  controls: [
    {
      name: 'kv-events-dropped',
      description: "The seed's failure: KV events never reach the EPP, so the precise scorer has nothing to score.",
      target: { sim: { preset: 'pd-precise', options: { kvEvents: 'dropped' } } },
    },
    {
      name: 'kv-events-pod-id-mismatch',
      description:
        "Events reach the EPP, but each pod's --kv-events-config topic names it by pod IP alone (kv@${POD_IP}@<model>, the older guide form) while the scorer keys endpoints by IP:port: the blocks are indexed and never matched.",
      target: { sim: { preset: 'pd-precise', options: { kvEvents: 'pod-id-mismatch' } } },
    },
  ],
  // Quick: sequential, as the seed sent them. Two in-flight requests of a new group can both land before
  // the first one's KV events reach the EPP; the group's blocks then sit on both decode pods and the precise
  // scorer rightly ties them, so modal-pod share drops even though routing works (seen on the simulator).
  // 60 requests: a 95% Wilson bound clears the 90% modal-pod bar from 35 clean requests (18 could not), and
  // 60 still clears it with one stray request. Output 6 tokens: routing is decided on the prompt, and 60
  // sequential requests must stay a few seconds of decode.
  quick: { workload: { num_groups: 5, num_prompts_per_group: 12, output_len: 6 }, load: { concurrency: 1, requests: 60 } },
});
