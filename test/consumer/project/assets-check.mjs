// The files the built packages read at run time, from their installed tarballs: core's worker thread entry
// (run({ workers: 2 })), core's HTML report page script, and the ShareGPT sample scenarios ships.
import { renderHtmlReport, run } from '@routebench/core';
import { presetSpec, startCluster } from '@routebench/sim';
import { createWorkload, WorkloadSchema } from '@routebench/scenarios';

const cluster = await startCluster(presetSpec('agg-2'));
try {
  await cluster.waitReady();
  const model = cluster.pods[0].models[0];
  const stream = createWorkload(WorkloadSchema.parse({ type: 'sharegpt', max_output_len: 8 }), { seed: 1, model });
  const workload = [];
  for (const r of stream.requests()) if (workload.push(r) === 8) break;

  const { summary } = await run({ target: cluster.gatewayUrl, workload, load: { type: 'concurrency', concurrency: 4, requests: 8 }, workers: 2 });
  if (summary.counts.ok !== 8) throw new Error(`expected 8 ok requests over 2 workers, got ${JSON.stringify(summary.counts)}`);

  const html = renderHtmlReport({ runs: [{ name: 'assets', summary }] });
  if (!html.includes('<html') || html.length < 10_000) throw new Error(`HTML report looks wrong (${html.length} chars)`);
  console.log(`assets ok: sharegpt sample, 2 workers, ${summary.counts.ok} ok, report ${html.length} chars`);
} finally {
  await cluster.stop();
}
