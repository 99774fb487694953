// consumer.mjs, typed: compiled with tsc --noEmit (nodenext, strict, no skipLibCheck) against the packed packages' .d.ts.
import { run, type RequestSpecInput, type RunResult, type Summary } from '@routebench/core';
import { presetSpec, startCluster, type Cluster } from '@routebench/sim';

const cluster: Cluster = await startCluster(presetSpec('agg-2'));
try {
  await cluster.waitReady();
  const model: string = cluster.pods[0]!.models[0]!;
  const workload: RequestSpecInput[] = Array.from({ length: 20 }, () => ({ model, messages: [{ role: 'user' as const, content: 'hi' }], maxTokens: 8 }));

  const result: RunResult = await run({
    target: cluster.gatewayUrl,
    workload,
    load: { type: 'concurrency', concurrency: 4, requests: 20 },
  });

  const summary: Summary = result.summary;
  const { ok, error } = summary.counts;
  if (ok !== 20 || error !== 0) throw new Error(`expected 20 ok requests, got ${ok} ok, ${error} failed: ${JSON.stringify(summary.counters.errorsByClass)}`);
  console.log(`routebench consumer: ${ok}/20 ok, ${summary.counters.tokens.completion} completion tokens`);
} finally {
  await cluster.stop();
}
