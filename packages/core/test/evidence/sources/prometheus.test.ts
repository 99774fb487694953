// The Prometheus source against a loopback server speaking the Prometheus HTTP API's JSON shape, and
// against a real Prometheus (Debian's, ../../fixtures/prometheus.ts) scraping a loopback exposition.
import { afterAll, describe, expect, it } from 'vitest';
import { createPrometheusSource, PrometheusSourceSchema } from '../../../src/evidence/sources/prometheus.ts';
import { startCollector } from '../../../src/evidence/collector.ts';
import { sendText, startExpositionServer, until, type ExpositionServer } from '../exposition-server.ts';
import { PROMETHEUS_INSTALL_TIMEOUT_MS, startPrometheus } from '../../fixtures/prometheus.ts';

const TOKEN = 'prom-token-77aa-SECRET';
const servers: ExpositionServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

// The measured window; the fake's samples are placed relative to it.
const START = 1_767_225_600_000;
const END = START + 60_000;
const E = END / 1000;

/** `behindFor`: how many settle queries answer that the oldest series was last scraped before END. */
async function fakePrometheus(behindFor = 1): Promise<ExpositionServer> {
  let settleCalls = 0;
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
      if (q.startsWith('min(timestamp({__name__="vllm:request_success_total"'))
        return json(200, { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [t, String(settleCalls++ < behindFor ? E - 10 : E + 1)] }] } });
      // Only the `_total` form has data (as on a real Prometheus scraping prometheus_client). Raw samples
      // (a range-vector instant query answers a matrix): vllm-0 has baselines before the window at
      // E-90 and E-70 and a restart inside it; vllm-1's series has none (born inside the window).
      if (q.includes('__name__="vllm:request_success_total"'))
        return json(200, {
          status: 'success',
          data: {
            resultType: 'matrix',
            result: [
              { metric: { __name__: 'vllm:request_success_total', pod: 'vllm-0', finished_reason: 'stop' }, values: [[E - 90, '100'], [E - 70, '105'], [E - 30, '110'], [E - 15, '3']] },
              { metric: { __name__: 'vllm:request_success_total', pod: 'vllm-0', finished_reason: 'length' }, values: [[E - 90, '7'], [E - 15, '9']] },
              { metric: { __name__: 'vllm:request_success_total', pod: 'vllm-1', finished_reason: 'stop' }, values: [[E - 20, '4'], [E - 5, 'NaN'], [E + 1, '4']] },
            ],
          },
        });
      if (q.includes('vllm:prompt_tokens') && !q.startsWith('min(timestamp(')) return json(400, { status: 'error', errorType: 'bad_data', error: `parse error in ${q}` });
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
  it('reads raw samples over the window plus a baseline lookback and does the counter arithmetic per pod, trying each exposed name; maps ranges to the collector clock', async () => {
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
    const ev = await src.collectWindow(START, END, (e) => e - START);
    const pod0 = ev.targets.find((t) => t.name === 'vllm-0')!;
    // vllm-0: stop from its last pre-window sample 105 (t-70) to 110, then a restart to 3 (+5 +3); length 7→9 (+2).
    expect(pod0.counters).toEqual([
      { metric: 'vllm:request_success', exposedAs: 'vllm:request_success_total', labels: {}, before: 112, after: 12, delta: 10, resets: 1 },
    ]);
    expect(ev.targets.find((t) => t.name === 'vllm-1')!.counters).toEqual([
      { metric: 'vllm:request_success', exposedAs: 'vllm:request_success_total', labels: {}, before: 0, after: 4, delta: 4, resets: 0 },
    ]);
    expect(pod0.gauges).toEqual([{ metric: 'vllm:kv_cache_usage_perc', exposedAs: 'vllm:gpu_cache_usage_perc', labels: {}, points: [[0, 0.5], [1000, null]] }]);
    // The failing query is recorded, with the query named and no token.
    expect(ev.errors).toHaveLength(1);
    expect(ev.errors[0]).toMatchObject({ target: null, phase: 'query' });
    expect(ev.errors[0].message).toMatch(/HTTP 400: parse error/);
    const params = prom.seen.map((s) => new URL(s.url, 'http://x').searchParams);
    const queries = params.map((p) => p.get('query') ?? '');
    // First it waits for a scrape after the window end (the fake says "not yet" once), asking per exposed
    // name of the configured counters (only the first has data here, so the second round asks it alone)...
    const settles = queries.filter((q) => q.startsWith('min(timestamp('));
    expect(settles.slice(0, 4)).toEqual(
      ['vllm:request_success_total', 'vllm:request_success', 'vllm:prompt_tokens_total', 'vllm:prompt_tokens'].map((n) => `min(timestamp({__name__="${n}",namespace="llm-d"}))`),
    );
    expect(settles.slice(4)).toEqual([settles[0]]);
    // ...then reads raw samples from 5 m (the default baseline lookback) before the window start up to
    // the moment the settle query succeeded.
    const readAt = Number(params[4]!.get('time')) * 1000;
    expect(readAt).toBeGreaterThan(END);
    expect(queries[5]).toBe(`{__name__="vllm:request_success_total",namespace="llm-d"}[${Math.round(readAt - START + 300_000)}ms]`);
    expect(Number(params[5]!.get('time')) * 1000).toBe(readAt);
    expect(prom.seen.every((s) => s.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(JSON.stringify(ev)).not.toContain(TOKEN);
    delete process.env.RB_TEST_PROM_TOKEN;
  });

  it('records an error when Prometheus has not scraped after the window within settleTimeoutMs, and reads anyway', async () => {
    const prom = await fakePrometheus(Infinity);
    process.env.RB_TEST_PROM_TOKEN = TOKEN;
    const src = createPrometheusSource(
      PrometheusSourceSchema.parse({ kind: 'prometheus', url: prom.url, bearerTokenEnv: 'RB_TEST_PROM_TOKEN', counters: ['vllm:request_success'], gauges: [], settleTimeoutMs: 300 }),
    );
    const ev = await src.collectWindow(START, END, (e) => e - START);
    expect(ev.errors.map((e) => e.message)).toEqual([
      'no scrape after the window end within 300 ms (oldest series last scraped 10.0 s before it): counters may miss the last scrape interval',
    ]);
    expect(ev.targets.find((t) => t.name === 'vllm-0')!.counters[0]!.delta).toBe(10);
    delete process.env.RB_TEST_PROM_TOKEN;
  });

  it('says so when no configured counter has any series (a wrong selector must not read as an idle cluster)', async () => {
    const prom = await fakePrometheus();
    process.env.RB_TEST_PROM_TOKEN = TOKEN;
    const src = createPrometheusSource(
      PrometheusSourceSchema.parse({ kind: 'prometheus', url: prom.url, bearerTokenEnv: 'RB_TEST_PROM_TOKEN', selector: 'namespace="typo"', counters: ['vllm:num_preemptions'], gauges: [] }),
    );
    const ev = await src.collectWindow(START, END, (e) => e - START);
    expect(ev.targets).toEqual([]);
    expect(ev.errors.map((e) => e.message)).toEqual([
      `no series for any of vllm:num_preemptions matching {namespace="typo"} from ${prom.url}: is Prometheus scraping the pods, and does the selector match?`,
    ]);
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

describe('prometheus source on a real Prometheus', () => {
  it('counts a restart and a series born mid-window exactly as the direct collector does', { timeout: PROMETHEUS_INSTALL_TIMEOUT_MS }, async () => {
    // A pod in prometheus_client's text format (family declared without _total, samples with it). Both
    // readers scrape the same state: Prometheus at /metrics, the collector at /direct.
    const state: Record<string, number> = { stop: 5 };
    const pod = await startExpositionServer((_n, _req, res) =>
      sendText(
        res,
        '# HELP vllm:request_success Count of successfully processed requests.\n# TYPE vllm:request_success counter\n' +
          Object.entries(state).map(([reason, v]) => `vllm:request_success_total{finished_reason="${reason}",model_name="m"} ${v}\n`).join(''),
      ),
    );
    servers.push(pod);
    const prom = await startPrometheus({ targets: [{ name: 'vllm-0', url: `${pod.url}/metrics` }] });
    try {
      const directSince = (i: number) => pod.seen.slice(i).filter((r) => r.url === '/direct').length;
      await prom.waitForScrapes(Date.now(), 2);
      const collector = await startCollector({
        intervalMs: 100,
        gaugeMetrics: [],
        sources: [
          { kind: 'static', name: 'direct', targets: [{ name: 'vllm-0', url: `${pod.url}/direct` }] },
          { kind: 'prometheus', name: 'via-prometheus', url: prom.url, counters: ['vllm:request_success'], gauges: [] },
        ],
      });
      // 5 → 8, seen by both; then a restart to 2 and a child first created at 4: 3 + 2 + 4 = 9.
      const step = async (change: () => void) => {
        change();
        const mark = pod.seen.length;
        await until(() => directSince(mark) >= 2, 'two direct scrapes');
        await prom.waitForScrapes(Date.now(), 2);
      };
      await step(() => (state.stop = 8));
      await step(() => {
        state.stop = 2;
        state.length = 4;
      });
      const ev = await collector.stop();
      const [direct, viaProm] = ev.sources;
      const sum = (src: typeof direct) => src!.targets.flatMap((t) => t.counters).reduce((a, c) => ({ delta: a.delta + c.delta, resets: a.resets + c.resets }), { delta: 0, resets: 0 });
      expect(direct!.errors).toEqual([]);
      expect(viaProm!.errors).toEqual([]);
      expect(sum(direct)).toEqual({ delta: 9, resets: 1 });
      expect(viaProm!.targets.map((t) => [t.name, t.role])).toEqual([['vllm-0', null]]);
      expect(viaProm!.targets[0]!.counters).toEqual([
        { metric: 'vllm:request_success', exposedAs: 'vllm:request_success_total', labels: {}, before: 5, after: 6, delta: 9, resets: 1 },
      ]);
    } finally {
      await prom.stop();
    }
  });
});
