// The EPP metrics the simulator renders, per generation: scheduler-attempt labels (GIE v1.4.0
// pkg/epp/metrics/metrics.go:320-323 vs v1.5.0 :59,331-334) and the decision counter each profile handler
// increments (SCHED v0.7.1 disagg_profile_handler.go:308, pd_profile_handler.go:197,208).
import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from '@routebench/core';
import { createEppMetrics } from '../../src/epp/epp-metrics.ts';
import type { Endpoint } from '../../src/epp/scheduling-types.ts';

const ep: Endpoint = {
  name: 'decode-0',
  namespace: 'llm-d',
  role: 'decode',
  models: ['m'],
  address: '10.0.0.5:8000',
  targetUrl: 'http://127.0.0.1:1',
  metricsUrl: 'http://127.0.0.1:1/metrics',
  metrics: { waiting: 0, running: 0, kvUsage: 0, updatedAt: 0 },
};
const family = (text: string, name: string) => parsePrometheusText(text).families.find((f) => f.name === name || f.name === name.replace(/_total$/, ''));

describe('EPP metrics per llm-d generation', () => {
  it('v0.7 (GIE v1.4.0): scheduler_attempts_total has only {status}', () => {
    const m = createEppMetrics({ poolName: 'pool', endpoints: () => [ep], indexerSize: () => 0, version: 'v0.7' });
    m.schedulerAttempt('success', 'm', ep);
    const f = family(m.render(), 'inference_extension_scheduler_attempts_total');
    expect(f?.samples.map((s) => s.labels)).toEqual([{ status: 'success' }]);
  });

  it('router (GIE v1.5.0): status, target_model_name, pod_name, namespace, port', () => {
    const m = createEppMetrics({ poolName: 'pool', endpoints: () => [ep], indexerSize: () => 0, version: 'router' });
    m.schedulerAttempt('success', 'm', ep);
    const f = family(m.render(), 'inference_extension_scheduler_attempts_total');
    expect(f?.samples.map((s) => s.labels)).toEqual([{ status: 'success', target_model_name: 'm', pod_name: 'decode-0', namespace: 'llm-d', port: '8000' }]);
  });

  it('each profile handler moves only its own decision counter', () => {
    const m = createEppMetrics({ poolName: 'pool', endpoints: () => [ep], indexerSize: () => 0 });
    m.disaggDecision('m', 'prefill-decode', 'disagg-profile-handler');
    m.disaggDecision('', 'decode-only', 'pd-profile-handler');
    const text = m.render();
    const disagg = family(text, 'llm_d_inference_scheduler_disagg_decision_total');
    const pd = family(text, 'llm_d_inference_scheduler_pd_decision_total');
    expect(disagg?.samples.map((s) => [s.labels, s.value])).toEqual([[{ model_name: 'm', decision_type: 'prefill-decode' }, 1]]);
    expect(pd?.samples.map((s) => [s.labels, s.value])).toEqual([[{ model_name: 'unknown', decision_type: 'decode-only' }, 1]]);
  });
});
