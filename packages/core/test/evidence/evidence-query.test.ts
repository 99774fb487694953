import { describe, expect, it } from 'vitest';
import { counterDeltas, gaugeSummaries, histogramsOf, onePerGeneration, ratioOfDeltas, targetsOf } from '../../src/evidence/evidence-query.ts';
import { MetricsEvidenceSchema, type TargetEvidence } from '../../src/evidence/metrics-evidence.ts';

const target = (name: string, role: string | null, over: Partial<TargetEvidence>): TargetEvidence => ({
  name,
  role,
  address: null,
  url: null,
  scrapesOk: 2,
  scrapesFailed: 0,
  complete: true,
  counters: [],
  histograms: [],
  gauges: [],
  ...over,
});
const c = (metric: string, delta: number, labels: Record<string, string> = {}) => ({ metric, exposedAs: metric + '_total', labels, before: 0, after: delta, delta, resets: 0 });

// Evidence as the collector would write it (validated by its schema, so the shape cannot drift).
const evidence = MetricsEvidenceSchema.parse({
  schemaVersion: 1,
  startedAtEpochMs: 0,
  window: { startMs: 0, endMs: 1000 },
  intervalMs: 500,
  sources: [
    {
      name: 'static',
      kind: 'static',
      errors: [],
      targets: [
        target('d0', 'decode', {
          counters: [c('vllm:prefix_cache_hits', 30), c('vllm:prefix_cache_queries', 40), c('vllm:request_success', 3, { finished_reason: 'stop' }), c('vllm:request_success', 2, { finished_reason: 'length' })],
          gauges: [{ metric: 'vllm:kv_cache_usage_perc', exposedAs: 'vllm:kv_cache_usage_perc', labels: {}, points: [[0, 0.2], [500, null], [1000, 0.4]] }],
          histograms: [{ metric: 'vllm:time_to_first_token_seconds', exposedAs: 'vllm:time_to_first_token_seconds', labels: {}, buckets: [{ le: '+Inf', delta: 5 }], countDelta: 5, sumDelta: 1, resets: 0, quantiles: { p50: null, p90: null, p99: null } }],
        }),
        target('p0', 'prefill', { counters: [c('vllm:request_success', 5), c('vllm:prefix_cache_queries', 0)] }),
        target('epp', 'epp', { counters: [c('inference_extension_scheduler_attempts', 5)] }),
      ],
    },
  ],
});

describe('evidence queries', () => {
  it('sums counter deltas per target with label and role filters, EPP excluded by default', () => {
    expect(counterDeltas(evidence, 'vllm:request_success')).toEqual({ d0: 5, p0: 5 });
    expect(counterDeltas(evidence, 'vllm:request_success', { finished_reason: 'stop' })).toEqual({ d0: 3 });
    expect(counterDeltas(evidence, 'vllm:request_success', {}, { roles: ['decode'] })).toEqual({ d0: 5 });
    expect(targetsOf(evidence).map((t) => t.name)).toEqual(['d0', 'p0']);
    expect(targetsOf(evidence, { excludeEpp: false }).map((t) => t.name)).toEqual(['d0', 'p0', 'epp']);
  });

  it('counts a metric exposed under two generations once, preferring the newest name', () => {
    const dual = structuredClone(evidence);
    const d0 = dual.sources[0].targets[0];
    // vLLM 0.10 exposes both prefix-cache names with the same values; llm-d both decision counters.
    d0.counters.push({ ...c('vllm:prefix_cache_hits', 30), exposedAs: 'vllm:gpu_prefix_cache_hits_total' });
    d0.counters.push({ ...c('vllm:prefix_cache_queries', 40), exposedAs: 'vllm:gpu_prefix_cache_queries_total' });
    d0.gauges.push({ metric: 'vllm:kv_cache_usage_perc', exposedAs: 'vllm:gpu_cache_usage_perc', labels: {}, points: [[1000, 0.4]] });
    expect(counterDeltas(dual, 'vllm:prefix_cache_hits')).toEqual({ d0: 30 });
    expect(ratioOfDeltas(dual, 'vllm:prefix_cache_hits', 'vllm:prefix_cache_queries').d0).toBe(0.75);
    expect(gaugeSummaries(dual, 'vllm:kv_cache_usage_perc').d0.last).toBe(0.4);
    const only = onePerGeneration([
      { metric: 'llm_d_inference_scheduler_disagg_decision', exposedAs: 'llm_d_inference_scheduler_pd_decision_total', n: 1 },
      { metric: 'llm_d_inference_scheduler_disagg_decision', exposedAs: 'llm_d_inference_scheduler_disagg_decision_total', n: 2 },
      { metric: 'llm_d_inference_scheduler_disagg_decision', exposedAs: 'llm_d_inference_scheduler_disagg_decision_total', n: 3 },
    ]);
    expect(only.map((x) => x.n)).toEqual([2, 3]);
  });

  it('computes per-pod ratios, gauge summaries and finds histograms', () => {
    expect(ratioOfDeltas(evidence, 'vllm:prefix_cache_hits', 'vllm:prefix_cache_queries')).toEqual({ d0: 0.75, p0: null });
    expect(gaugeSummaries(evidence, 'vllm:kv_cache_usage_perc')).toEqual({ d0: { points: 2, mean: expect.closeTo(0.3), max: 0.4, last: 0.4 } });
    expect(histogramsOf(evidence, 'd0', 'vllm:time_to_first_token_seconds')[0].countDelta).toBe(5);
    expect(histogramsOf(evidence, 'p0', 'vllm:time_to_first_token_seconds')).toEqual([]);
  });
});
