// Using routebench as a library: start the embedded simulator, drive a shared-prefix workload at it
// with an open-loop Poisson schedule, watch progress, and read per-pod percentiles from the summary.
// Run it: npx tsx examples/library-run.ts
import { run } from '@routebench/core';
import { createWorkload, WorkloadSchema } from '@routebench/scenarios';
import { startCluster } from '@routebench/sim';
import { presetSpec } from '@routebench/sim';

const cluster = await startCluster(presetSpec('agg-2'));
await cluster.waitReady();
try {
  const workload = createWorkload(
    WorkloadSchema.parse({ type: 'shared-prefix', num_groups: 4, num_prompts_per_group: 10, system_prompt_len: 256, question_len: 32, output_len: 32 }),
    { seed: 7, model: 'Qwen/Qwen2.5-7B-Instruct' },
  );
  const instance = run({
    target: cluster.gatewayUrl,
    workload: workload.requests(),
    load: { type: 'poisson', rate: 20, requests: 40, warmupRequests: 4 },
    progressIntervalMs: 500,
  });
  instance.on('progress', (p) => process.stderr.write(`sent ${p.sent} done ${p.completed} in flight ${p.inFlight}\n`));
  const { summary } = await instance;

  for (const [dim, stats] of Object.entries(summary.dimensions)) {
    if (dim !== 'overall' && !dim.startsWith('pod:')) continue;
    console.log(`${dim.padEnd(12)} n=${String(stats.count).padStart(3)}  TTFT p50 ${stats.ttft.p50?.toFixed(1)} ms  p99 ${stats.ttft.p99?.toFixed(1)} ms  ITL p99 ${stats.itl.p99?.toFixed(2)} ms`);
  }
  // Which pod served each prefix group (prefix-cache affinity at a glance):
  console.log(summary.groups.byGroup);
} finally {
  await cluster.stop();
}
