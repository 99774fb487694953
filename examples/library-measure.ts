// measure() + claims as a library: a simulator whose responses do not name the pod (as real vLLM), so
// requests are placed from the EPP log; its metrics are scraped around the run; the prefix-affinity and
// prefix-cache-hit-rate claims are judged on that evidence, and the verdict table printed.
// Run it: npx tsx examples/library-measure.ts
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateClaims, measure, renderVerdictTable } from '@routebench/core';
import { createWorkload, WorkloadSchema } from '@routebench/scenarios';
import { presetSpec, startCluster } from '@routebench/sim';

const dir = mkdtempSync(join(tmpdir(), 'routebench-example-'));
const eppLog = join(dir, 'epp.log');
const cluster = await startCluster(presetSpec('agg-2', { identityHeaders: false, eppLogPath: eppLog }));
await cluster.waitReady();
try {
  const workload = createWorkload(
    WorkloadSchema.parse({ type: 'shared-prefix', num_groups: 4, num_prompts_per_group: 8, system_prompt_len: 256, question_len: 32, output_len: 16 }),
    { seed: 7, model: 'Qwen/Qwen2.5-7B-Instruct' },
  );
  const pods = Object.entries(cluster.podMetricsUrls()).map(([name, url]) => ({ name, url }));
  const { evidence, attribution } = await measure({
    target: cluster.gatewayUrl,
    workload: workload.requests(),
    load: { type: 'concurrency', concurrency: 4, requests: 32 },
    outDir: join(dir, 'run'),
    metrics: { sources: [{ kind: 'static', name: 'sim', targets: [...pods, { name: 'epp', url: cluster.eppMetricsUrl, role: 'epp', bearerTokenFile: cluster.eppTokenFile }] }], intervalMs: 250 },
    eppLogs: [eppLog],
  });
  console.log(`placed by: ${JSON.stringify(attribution.placedBy)}, unattributed: ${attribution.unattributed}`);
  const verdicts = evaluateClaims([{ id: 'prefix-affinity' }, { id: 'prefix-cache-hit-rate' }], {
    feature: 'Prefix-cache-aware routing',
    mode: 'Aggregated',
    main: evidence,
    controls: {},
  });
  console.log(renderVerdictTable(verdicts));
  console.log(`run folder: ${join(dir, 'run')}`);
} finally {
  await cluster.stop();
}
