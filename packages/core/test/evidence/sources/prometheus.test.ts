// The Prometheus source against a loopback server speaking the Prometheus HTTP API's JSON shape.
import { afterAll, describe, expect, it } from 'vitest';
import { createPrometheusSource, PrometheusSourceSchema } from '../../../src/evidence/sources/prometheus.ts';
import { startCollector } from '../../../src/evidence/collector.ts';
import { startExpositionServer, type ExpositionServer } from '../exposition-server.ts';

const TOKEN = 'prom-token-77aa-SECRET';
const servers: ExpositionServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function fakePrometheus(): Promise<ExpositionServer> {
  const s = await startExpositionServer((_n, req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(401, { status: 'error', error: 'unauthorized' });
    const q = url.searchParams.get('query') ?? '';
    if (url.pathname === '/api/v1/query') {
      const t = Number(url.searchParams.get('time'));
      // Only the `_total` form has data (as on a real Prometheus scraping prometheus_client).
      if (q.includes('__name__="vllm:request_success_total"'))
        return json(200, {
          status: 'success',
          data: {
            resultType: 'vector',
            result: [
              { metric: { pod: 'vllm-0' }, value: [t, '12'] },
              { metric: { pod: 'vllm-1' }, value: [t, '4.000000001'] },
            ],
          },
        });
      if (q.includes('vllm:prompt_tokens')) return json(400, { status: 'error', errorType: 'bad_data', error: `parse error in ${q}` });
      return json(200, { status: 'success', data: { resultType: 'vector', result: [] } });
    }
    if (url.pathname === '/api/v1/query_range') {
      const start = Number(url.searchParams.get('start'));
      if (q.includes('__name__="vllm:gpu_cache_usage_perc"'))
        return json(200, {
          status: 'success',
          data: {
            resultType: 'matrix',
            result: [
              {
                metric: { pod: 'vllm-0' },
                values: [
                  [start, '0.5'],
                  [start + 1, 'NaN'],
                ],
              },
            ],
          },
        });
      return json(200, { status: 'success', data: { resultType: 'matrix', result: [] } });
    }
    json(404, { status: 'error', error: 'not found' });
  });
  servers.push(s);
  return s;
}

describe('prometheus source', () => {
  it('asks for per-pod increase() over the window, trying each exposed name, and maps ranges to the collector clock', async () => {
    const prom = await fakePrometheus();
    process.env.RB_TEST_PROM_TOKEN = TOKEN;
    const src = createPrometheusSource(
      PrometheusSourceSchema.parse({
        kind: 'prometheus',
        url: prom.url,
        bearerTokenEnv: 'RB_TEST_PROM_TOKEN',
        selector: 'namespace="llm-d"',
        counters: ['vllm:request_success', 'vllm:prompt_tokens'],
        gauges: ['vllm:kv_cache_usage_perc'],
      }),
    );
    const start = 1_767_225_600_000;
    const ev = await src.collectWindow(start, start + 60_000, (e) => e - start);
    const pod0 = ev.targets.find((t) => t.name === 'vllm-0')!;
    expect(pod0.counters).toEqual([
      { metric: 'vllm:request_success', exposedAs: 'vllm:request_success_total', labels: {}, before: null, after: null, delta: 12, resets: 0 },
    ]);
    expect(ev.targets.find((t) => t.name === 'vllm-1')!.counters[0].delta).toBeCloseTo(4);
    expect(pod0.gauges).toEqual([{ metric: 'vllm:kv_cache_usage_perc', exposedAs: 'vllm:gpu_cache_usage_perc', labels: {}, points: [[0, 0.5], [1000, null]] }]);
    // The failing query is recorded, with the query named and no token.
    expect(ev.errors).toHaveLength(1);
    expect(ev.errors[0]).toMatchObject({ target: null, phase: 'query' });
    expect(ev.errors[0].message).toMatch(/HTTP 400: parse error/);
    const queries = prom.seen.map((s) => decodeURIComponent(new URL(s.url, 'http://x').searchParams.get('query') ?? ''));
    expect(queries[0]).toBe('sum by (pod) (increase({__name__="vllm:request_success_total",namespace="llm-d"}[60s]))');
    expect(prom.seen.every((s) => s.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(JSON.stringify(ev)).not.toContain(TOKEN);
    delete process.env.RB_TEST_PROM_TOKEN;
  });

  it('is a collector source: an unreachable Prometheus becomes recorded errors, not a thrown run', async () => {
    const prom = await fakePrometheus();
    await prom.close(); // nothing listens there any more
    const collector = await startCollector({
      sources: [{ kind: 'prometheus', url: prom.url, counters: ['vllm:request_success'], gauges: [], timeoutMs: 2000 }],
      intervalMs: 10_000,
    });
    const ev = await collector.stop();
    expect(ev.sources[0].kind).toBe('prometheus');
    expect(ev.sources[0].targets).toEqual([]);
    expect(ev.sources[0].errors[0].message).toMatch(/ECONNREFUSED|connect/i);
  });
});
