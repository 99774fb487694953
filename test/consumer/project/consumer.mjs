// Start the embedded simulator (two pods behind the EPP gateway) and send it 20 chat requests, 4 at a time.
import { run } from '@routebench/core';
import { presetSpec, startCluster } from '@routebench/sim';

const cluster = await startCluster(presetSpec('agg-2'));
try {
  await cluster.waitReady();
  const model = cluster.pods[0].models[0];
  const workload = Array.from({ length: 20 }, () => ({ model, messages: [{ role: 'user', content: 'hi' }], maxTokens: 8 }));

  const { summary } = await run({
    target: cluster.gatewayUrl,
    workload,
    load: { type: 'concurrency', concurrency: 4, requests: 20 },
  });

  const { ok, error } = summary.counts;
  if (ok !== 20 || error !== 0) throw new Error(`expected 20 ok requests, got ${ok} ok, ${error} failed: ${JSON.stringify(summary.counters.errorsByClass)}`);
  console.log(`routebench consumer: ${ok}/20 ok, ${summary.counters.tokens.completion} completion tokens`);
} finally {
  await cluster.stop();
}
