// The EPP's /metrics with --metrics-endpoint-auth (GIE v1.4.0 pkg/epp/server/options.go:123 default true;
// cmd/epp/runner/runner.go:265-273 controller-runtime filters.WithAuthenticationAndAuthorization):
// no or wrong bearer token → 401, the right one → 200 with the exposition. Driven through a whole simulated
// cluster, so the gateway is built exactly as `routebench sim` builds it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../src/cluster.ts';
import { presetSpec } from '../../src/presets.ts';

describe('EPP /metrics bearer-token auth', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster({ ...presetSpec('agg-2'), eppMetricsAuth: true, eppMetricsToken: 's3cret-token' });
  });
  afterAll(() => c?.stop());

  it('rejects a scrape without a token or with a wrong one', async () => {
    const none = await fetch(c.eppMetricsUrl);
    expect(none.status).toBe(401);
    expect(await none.text()).toBe('Unauthorized\n');
    const wrong = await fetch(c.eppMetricsUrl, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    await wrong.text();
  });

  it('serves the exposition with the token, and the cluster hands out that token', async () => {
    expect(c.eppMetricsToken).toBe('s3cret-token');
    const ok = await fetch(c.eppMetricsUrl, { headers: { authorization: `Bearer ${c.eppMetricsToken}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('inference_pool_ready_pods');
  });
});
