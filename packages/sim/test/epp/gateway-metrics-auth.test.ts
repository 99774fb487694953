// The EPP's /metrics with --metrics-endpoint-auth (GIE v1.4.0 pkg/epp/server/options.go:123 default true;
// cmd/epp/runner/runner.go:265-273 controller-runtime filters.WithAuthenticationAndAuthorization):
// no or wrong bearer token → 401, the right one → 200 with the exposition.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEppMetrics } from '../../src/epp/epp-metrics.ts';
import { startGateway, type Gateway, type GatewayOptions } from '../../src/epp/gateway.ts';

describe('EPP /metrics bearer-token auth', () => {
  let g: Gateway;
  beforeAll(async () => {
    const metrics = createEppMetrics({ poolName: 'pool', endpoints: () => [], indexerSize: () => 0 });
    // Only the /metrics route is exercised: it reads nothing but `metrics` and `metricsToken`.
    g = await startGateway({ metrics, metricsToken: 's3cret-token', scheduler: {}, datastore: {}, saturation: {} } as unknown as GatewayOptions);
  });
  afterAll(() => g?.close());

  it('rejects a scrape without a token or with a wrong one', async () => {
    const none = await fetch(`${g.url}/metrics`);
    expect(none.status).toBe(401);
    expect(await none.text()).toBe('Unauthorized\n');
    const wrong = await fetch(`${g.url}/metrics`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
  });

  it('serves the exposition with the token', async () => {
    const ok = await fetch(`${g.url}/metrics`, { headers: { authorization: 'Bearer s3cret-token' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('inference_pool_ready_pods');
  });
});
