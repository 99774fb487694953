// Test helper: endpoints with given metrics (no servers needed for the pure plugin functions).
import type { Endpoint, EndpointMetrics, SchedulingRequest } from '../../src/epp/scheduling-types.ts';

export function ep(name: string, m: Partial<EndpointMetrics> = {}, role: Endpoint['role'] = 'both'): Endpoint {
  return {
    name,
    namespace: 'default',
    role,
    models: ['m'],
    address: `10.0.0.${name.length}:${8000 + name.charCodeAt(name.length - 1)}`,
    targetUrl: 'http://127.0.0.1:1',
    metricsUrl: 'http://127.0.0.1:1/metrics',
    metrics: { waiting: 0, running: 0, kvUsage: 0, updatedAt: 1, ...m },
  };
}

export function chatReq(content: string, extra: Partial<SchedulingRequest> = {}): SchedulingRequest {
  return { requestId: 'r1', model: 'm', headers: {}, api: 'chat', messages: [{ role: 'user', content }], ...extra };
}
