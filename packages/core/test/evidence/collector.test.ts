import { afterAll, describe, expect, it } from 'vitest';
import { startCollector } from '../../src/evidence/collector.ts';
import { MetricsEvidenceSchema, type MetricsEvidence, type TargetEvidence } from '../../src/evidence/metrics-evidence.ts';
import { sendText, startExpositionServer, until, type ExpositionServer } from './exposition-server.ts';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

// vLLM V1 exposition as prometheus_client renders it (labels sorted, floats with .0).
function vllmText(v: { success: number; prompt: number; running: number; kv: number; ttft: [number, number, number]; ttftSum: number }): string {
  const l = `engine="0",model_name="${MODEL}"`;
  const [b1, b2, inf] = v.ttft;
  return [
    '# HELP vllm:num_requests_running Number of requests in model execution batches.',
    '# TYPE vllm:num_requests_running gauge',
    `vllm:num_requests_running{${l}} ${v.running.toFixed(1)}`,
    '# HELP vllm:gpu_cache_usage_perc GPU KV-cache usage. 1 means 100 percent usage.',
    '# TYPE vllm:gpu_cache_usage_perc gauge',
    `vllm:gpu_cache_usage_perc{${l}} ${v.kv}`,
    '# HELP vllm:request_success_total Count of successfully processed requests.',
    '# TYPE vllm:request_success_total counter',
    `vllm:request_success_total{engine="0",finished_reason="length",model_name="${MODEL}"} ${v.success.toFixed(1)}`,
    '# HELP vllm:request_success_created Count of successfully processed requests.',
    '# TYPE vllm:request_success_created gauge',
    `vllm:request_success_created{engine="0",finished_reason="length",model_name="${MODEL}"} 1.7e9`,
    '# HELP vllm:prompt_tokens_total Number of prefill tokens processed.',
    '# TYPE vllm:prompt_tokens_total counter',
    `vllm:prompt_tokens_total{${l}} ${v.prompt.toFixed(1)}`,
    '# HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.',
    '# TYPE vllm:time_to_first_token_seconds histogram',
    `vllm:time_to_first_token_seconds_bucket{engine="0",le="0.1",model_name="${MODEL}"} ${b1.toFixed(1)}`,
    `vllm:time_to_first_token_seconds_bucket{engine="0",le="0.5",model_name="${MODEL}"} ${b2.toFixed(1)}`,
    `vllm:time_to_first_token_seconds_bucket{engine="0",le="+Inf",model_name="${MODEL}"} ${inf.toFixed(1)}`,
    `vllm:time_to_first_token_seconds_count{${l}} ${inf.toFixed(1)}`,
    `vllm:time_to_first_token_seconds_sum{${l}} ${v.ttftSum}`,
    '',
  ].join('\n');
}

const servers: ExpositionServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});
const serve = async (...args: Parameters<typeof startExpositionServer>) => {
  const s = await startExpositionServer(...args);
  servers.push(s);
  return s;
};

const target = (ev: MetricsEvidence, name: string): TargetEvidence => {
  const t = ev.sources.flatMap((s) => s.targets).find((x) => x.name === name);
  if (!t) throw new Error(`no target ${name}`);
  return t;
};
const counter = (t: TargetEvidence, metric: string) => t.counters.filter((c) => c.metric === metric);

describe('startCollector with static sources', () => {
  it('computes counter deltas across a restart, histogram deltas and quantiles, gauge series', async () => {
    // Each scrape of pod-a returns the next state; the last one repeats. The process restarts between
    // states 1 and 2 (counter 110 → 3), so the true increase is (110-100) + 3 + (5-3) = 15.
    const states = [
      { success: 100, prompt: 1000, running: 1, kv: 0.1, ttft: [10, 20, 20] as [number, number, number], ttftSum: 4 },
      { success: 110, prompt: 1500, running: 4, kv: 0.3, ttft: [12, 28, 30] as [number, number, number], ttftSum: 7 },
      { success: 3, prompt: 60, running: 2, kv: 0.05, ttft: [1, 3, 3] as [number, number, number], ttftSum: 0.5 },
      { success: 5, prompt: 100, running: 0, kv: 0.02, ttft: [2, 5, 5] as [number, number, number], ttftSum: 0.9 },
    ];
    const podA = await serve((n, _req, res) => sendText(res, vllmText(states[Math.min(n, states.length - 1)])));
    // pod-b: a steady pod with 8 requests in the window and no restart.
    let bSuccess = 50;
    const podB = await serve((_n, _req, res) => sendText(res, vllmText({ success: bSuccess, prompt: bSuccess * 10, running: 0, kv: 0, ttft: [bSuccess, bSuccess, bSuccess], ttftSum: 1 })));

    const collector = await startCollector({
      sources: [
        {
          kind: 'static',
          targets: [
            { name: 'pod-a', url: `${podA.url}/metrics` },
            { name: 'pod-b', url: `${podB.url}/metrics`, role: 'decode' },
          ],
        },
      ],
      intervalMs: 50,
    });
    bSuccess = 58;
    await until(() => podA.seen.length >= states.length, 'pod-a to be sampled through all its states');
    const ev = await collector.stop();
    expect(() => MetricsEvidenceSchema.parse(ev)).not.toThrow();

    const a = target(ev, 'pod-a');
    expect(a.complete).toBe(true);
    expect(a.address).toBe(`127.0.0.1:${podA.port}`);
    const success = counter(a, 'vllm:request_success');
    expect(success).toHaveLength(1);
    expect(success[0]).toMatchObject({ exposedAs: 'vllm:request_success_total', before: 100, after: 5, delta: 15, resets: 1 });
    expect(success[0].labels.finished_reason).toBe('length');
    expect(counter(a, 'vllm:prompt_tokens')[0]).toMatchObject({ delta: 500 + 60 + 40, resets: 1 });

    const ttft = a.histograms.find((h) => h.metric === 'vllm:time_to_first_token_seconds')!;
    // Bucket deltas: le=0.1 (12-10)+1+(2-1)=4; le=0.5 (28-20)+3+2=13; +Inf 10+3+2=15.
    expect(ttft.buckets).toEqual([
      { le: '0.1', delta: 4 },
      { le: '0.5', delta: 13 },
      { le: '+Inf', delta: 15 },
    ]);
    expect(ttft.countDelta).toBe(15);
    expect(ttft.sumDelta).toBeCloseTo(3 + 0.5 + 0.4);
    expect(ttft.resets).toBe(1);
    // p50: rank 7.5 falls in (0.1, 0.5] with 4 below and 9 inside → 0.1 + 0.4 * 3.5/9.
    expect(ttft.quantiles.p50).toBeCloseTo(0.1 + (0.4 * 3.5) / 9);
    expect(ttft.quantiles.p99).toBe(0.5); // rank in +Inf bucket → highest finite bound

    // Gauges: the old vLLM name is filed under the canonical one; one point per successful scrape.
    const kv = a.gauges.find((g) => g.metric === 'vllm:kv_cache_usage_perc')!;
    expect(kv.exposedAs).toBe('vllm:gpu_cache_usage_perc');
    expect(kv.points).toHaveLength(a.scrapesOk);
    expect(kv.points.slice(0, 4).map((p) => p[1])).toEqual([0.1, 0.3, 0.05, 0.02]);
    for (let i = 1; i < kv.points.length; i++) expect(kv.points[i][0]).toBeGreaterThanOrEqual(kv.points[i - 1][0]);
    expect(a.gauges.some((g) => g.metric === 'vllm:num_requests_running')).toBe(true);

    const b = target(ev, 'pod-b');
    expect(b.role).toBe('decode');
    expect(counter(b, 'vllm:request_success')[0]).toMatchObject({ before: 50, after: 58, delta: 8, resets: 0 });
    expect(ev.sources[0].errors).toEqual([]);
    expect(ev.window.endMs).toBeGreaterThanOrEqual(ev.window.startMs);
  });

  it('records a timed-out scrape and a garbage body as scrape errors and keeps the other evidence', async () => {
    const good = await serve((_n, _req, res) => sendText(res, vllmText({ success: 1, prompt: 1, running: 0, kv: 0, ttft: [0, 0, 0], ttftSum: 0 })));
    const hanging = await serve(() => {
      /* never answers */
    });
    const garbage = await serve((_n, _req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>502 Bad Gateway</body></html>');
    });
    const collector = await startCollector({
      sources: [
        {
          kind: 'static',
          timeoutMs: 300,
          targets: [
            { name: 'good', url: `${good.url}/metrics` },
            { name: 'hangs', url: `${hanging.url}/metrics` },
            { name: 'garbage', url: `${garbage.url}/metrics` },
          ],
        },
      ],
      intervalMs: 10_000, // only before/after here
    });
    const ev = await collector.stop();
    const errors = ev.sources[0].errors;
    const hangErrors = errors.filter((e) => e.target === 'hangs');
    expect(hangErrors.map((e) => e.phase)).toEqual(['before', 'after']);
    expect(hangErrors[0].message).toMatch(/timed out after 300 ms/);
    const garbageErrors = errors.filter((e) => e.target === 'garbage');
    expect(garbageErrors.map((e) => e.phase)).toEqual(['before', 'after']);
    expect(garbageErrors[0].message).toMatch(/line 1: expected a metric name/);

    expect(target(ev, 'hangs')).toMatchObject({ complete: false, scrapesOk: 0, scrapesFailed: 2, counters: [] });
    expect(target(ev, 'garbage')).toMatchObject({ complete: false, scrapesFailed: 2 });
    expect(target(ev, 'good')).toMatchObject({ complete: true, scrapesOk: 2, scrapesFailed: 0 });
  });

  it('sends the bearer token only to its URL and never lets it into errors or evidence', async () => {
    const TOKEN = 'tok-9f8e7d6c5b4a-SECRET';
    process.env.RB_TEST_EPP_TOKEN = TOKEN;
    // The EPP wants the token; a second endpoint rejects and (badly) echoes the Authorization header
    // back in its body; a third redirects to another origin, which must not receive the token.
    const epp = await serve((_n, req, res) =>
      req.headers.authorization === `Bearer ${TOKEN}`
        ? sendText(res, '# TYPE inference_pool_ready_pods gauge\ninference_pool_ready_pods{name="pool"} 2\n')
        : sendText(res, 'Unauthorized', 401),
    );
    const echo = await serve((_n, req, res) => sendText(res, `denied for ${req.headers.authorization}`, 403));
    // Worse: a 200 whose body echoes the header, so the parse error would quote it.
    const echo200 = await serve((_n, req, res) => sendText(res, `${req.headers.authorization}\n`));
    const elsewhere = await serve((_n, _req, res) => sendText(res, 'x 1\n'));
    const redirector = await serve((_n, _req, res) => {
      res.writeHead(302, { location: `${elsewhere.url}/metrics` });
      res.end();
    });
    const collector = await startCollector({
      sources: [
        {
          kind: 'static',
          targets: [
            { name: 'epp', url: `${epp.url}/metrics`, bearerTokenEnv: 'RB_TEST_EPP_TOKEN' },
            { name: 'echo', url: `${echo.url}/metrics`, bearerTokenEnv: 'RB_TEST_EPP_TOKEN' },
            { name: 'redirect', url: `${redirector.url}/metrics`, bearerTokenEnv: 'RB_TEST_EPP_TOKEN' },
            { name: 'echo200', url: `${echo200.url}/metrics`, bearerTokenEnv: 'RB_TEST_EPP_TOKEN' },
          ],
        },
      ],
      intervalMs: 10_000,
    });
    const ev = await collector.stop();

    expect(epp.seen.map((s) => s.authorization)).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
    expect(elsewhere.seen).toEqual([]); // redirect not followed, token never left its origin
    const eppEv = target(ev, 'epp');
    expect(eppEv.role).toBe('epp');
    expect(eppEv.gauges[0]).toMatchObject({ metric: 'inference_pool_ready_pods', points: [[expect.any(Number), 2], [expect.any(Number), 2]] });

    const errors = ev.sources[0].errors;
    expect(errors.find((e) => e.target === 'echo')!.message).toMatch(/HTTP 403: denied for Bearer \[REDACTED\]/);
    expect(errors.find((e) => e.target === 'redirect')!.message).toMatch(/HTTP 302 \(redirect to .* not followed\)/);
    expect(errors.find((e) => e.target === 'echo200')!.message).toMatch(/line 1: .*\[REDACTED\]/);
    const serialised = JSON.stringify(ev);
    expect(serialised).not.toContain(TOKEN);
    expect(serialised).not.toContain(Buffer.from(TOKEN).toString('base64'));
    delete process.env.RB_TEST_EPP_TOKEN;
  });

  it('reads OpenMetrics bodies too (counter family without _total, in-family _created)', async () => {
    let n = 3;
    const accepts: Array<string | undefined> = [];
    const om = await serve((_k, req, res) => {
      accepts.push(req.headers.accept);
      res.writeHead(200, { 'content-type': 'application/openmetrics-text; version=1.0.0; charset=utf-8' });
      res.end(
        `# TYPE vllm:request_success counter\nvllm:request_success_total{finished_reason="stop"} ${n}.0\nvllm:request_success_created{finished_reason="stop"} 1.7e9\n# EOF\n`,
      );
    });
    const collector = await startCollector({ sources: [{ kind: 'static', targets: [{ name: 'om', url: `${om.url}/metrics` }] }], intervalMs: 10_000 });
    n = 10;
    const ev = await collector.stop();
    expect(accepts).toEqual(['text/plain;version=0.0.4', 'text/plain;version=0.0.4']);
    expect(target(ev, 'om').counters).toEqual([
      { metric: 'vllm:request_success', exposedAs: 'vllm:request_success_total', labels: { finished_reason: 'stop' }, before: 3, after: 10, delta: 7, resets: 0 },
    ]);
  });

  it('rejects a bad config naming the field', async () => {
    await expect(startCollector({ sources: [{ kind: 'static', targets: [{ name: 'p', url: 'ftp://x' }] }] })).rejects.toThrow(
      'invalid metrics collector config: sources.0.targets.0.url: expected an http(s) URL',
    );
    await expect(startCollector({ sources: [], intervalMs: 5 })).rejects.toThrow(/intervalMs: sampling faster than every 50 ms/);
    await expect(
      startCollector({ sources: [{ kind: 'static', targets: [{ name: 'p', url: 'http://127.0.0.1:1/m', token: 'x' } as never] }] }),
    ).rejects.toThrow(/token/);
    await expect(startCollector({ sources: [{ kind: 'static', targets: [{ name: 'p', url: 'http://u:pw@127.0.0.1:1/m' }] }] })).rejects.toThrow(
      /credentials in the URL/,
    );
  });
});
