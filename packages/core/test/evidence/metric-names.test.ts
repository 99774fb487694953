import { describe, expect, it } from 'vitest';
import { canonicalMetricName, exposedNameVariants } from '../../src/evidence/metric-names.ts';

describe('canonicalMetricName', () => {
  it('maps both generations to one name', () => {
    expect(canonicalMetricName('vllm:gpu_cache_usage_perc', 'gauge')).toBe('vllm:kv_cache_usage_perc');
    expect(canonicalMetricName('vllm:kv_cache_usage_perc', 'gauge')).toBe('vllm:kv_cache_usage_perc');
    expect(canonicalMetricName('vllm:time_per_output_token_seconds', 'histogram')).toBe('vllm:inter_token_latency_seconds');
    expect(canonicalMetricName('inference_model_request_total', 'counter')).toBe('inference_objective_request');
    expect(canonicalMetricName('inference_objective_request_total', 'counter')).toBe('inference_objective_request');
    expect(canonicalMetricName('llm_d_inference_scheduler_pd_decision_total', 'counter')).toBe('llm_d_inference_scheduler_disagg_decision');
    expect(canonicalMetricName('llm_d_inference_scheduler_disagg_decision_total', 'counter')).toBe('llm_d_inference_scheduler_disagg_decision');
    expect(canonicalMetricName('vllm:gpu_prefix_cache_hits_total', 'counter')).toBe('vllm:prefix_cache_hits');
  });

  it('strips _total only from counters', () => {
    expect(canonicalMetricName('vllm:request_success_total', 'counter')).toBe('vllm:request_success');
    expect(canonicalMetricName('vllm:request_success', 'counter')).toBe('vllm:request_success');
    expect(canonicalMetricName('vllm:iteration_tokens_total', 'histogram')).toBe('vllm:iteration_tokens_total');
  });

  it('lists the exposed variants of a canonical name', () => {
    expect(exposedNameVariants('vllm:kv_cache_usage_perc', 'gauge')).toEqual(['vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc']);
    expect(exposedNameVariants('vllm:request_success', 'counter')).toEqual(['vllm:request_success_total', 'vllm:request_success']);
    expect(exposedNameVariants('llm_d_inference_scheduler_disagg_decision', 'counter')).toEqual([
      'llm_d_inference_scheduler_disagg_decision_total',
      'llm_d_inference_scheduler_disagg_decision',
      'llm_d_inference_scheduler_pd_decision_total',
      'llm_d_inference_scheduler_pd_decision',
    ]);
    expect(exposedNameVariants('inference_objective_request', 'counter')).toContain('inference_model_request_total');
  });
});
