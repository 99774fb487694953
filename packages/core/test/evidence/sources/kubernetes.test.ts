// The Kubernetes source against a small fake API server on loopback: it serves a pod list, the pod
// proxy path and a pod log exactly at the paths the real API server uses.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector } from '../../../src/evidence/collector.ts';
import { createKubernetesSource, KubernetesSourceSchema } from '../../../src/evidence/sources/kubernetes.ts';
import { sendText, startExpositionServer, type ExpositionServer } from '../exposition-server.ts';
import { writeFakeKubeconfig } from '../../fixtures/kubeconfig.ts';

const NS = 'llm-d';
const TOKEN = 'kube-token-abc123-SECRET';

const pod = (name: string, ip: string, phase: string, labels: Record<string, string>) => ({
  metadata: { name, namespace: NS, labels },
  status: { phase, podIP: ip },
});

const EPP_LOG = [
  '{"level":"info","ts":"2026-01-01T00:00:00Z","msg":"Request handled","x-request-id":"r1","endpoint":"10.0.0.11:8000"}',
  '',
].join('\n');

// vLLM request lines as RequestLogger.log_inputs prints them (vllm-project/vllm vllm/entrypoints/logger.py @ 63c2b7ab).
const vllmLine = (pod: string) => `(APIServer pid=1) INFO 12-02 14:15:02 [logger.py:49] Received request chatcmpl-r-${pod}: params: SamplingParams(n=1, max_tokens=8), lora_request: None.\n`;

let api: ExpositionServer;
let dir: string;
let kubeconfig: string;
let successA = 40;

beforeAll(async () => {
  api = await startExpositionServer((_n, req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname);
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return sendText(res, '{"kind":"Status","message":"Unauthorized"}', 401);
    if (path === `/api/v1/namespaces/${NS}/pods`) {
      const sel = url.searchParams.get('labelSelector');
      const items =
        sel === 'llm-d.ai/inferenceServing=true'
          ? [
              pod('vllm-decode-0', '10.0.0.11', 'Running', { 'llm-d.ai/inferenceServing': 'true', 'llm-d.ai/role': 'decode' }),
              pod('vllm-prefill-0', '10.0.0.12', 'Running', { 'llm-d.ai/inferenceServing': 'true', 'llm-d.ai/role': 'prefill' }),
              pod('vllm-decode-1', '10.0.0.13', 'Pending', { 'llm-d.ai/inferenceServing': 'true', 'llm-d.ai/role': 'decode' }),
            ]
          : sel === 'app=epp'
            ? [pod('epp-7c9d', '10.0.0.2', 'Running', { app: 'epp' })]
            : [];
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items }));
    }
    const proxy = /^\/api\/v1\/namespaces\/llm-d\/pods\/([^/:]+):(\d+)\/proxy\/metrics$/.exec(path);
    if (proxy) {
      const [, name, port] = proxy;
      if (name === 'vllm-decode-0' && port === '8000') return sendText(res, `# TYPE vllm:request_success_total counter\nvllm:request_success_total{finished_reason="stop"} ${successA}\n`);
      if (name === 'vllm-prefill-0' && port === '8000') return sendText(res, '# TYPE vllm:request_success_total counter\nvllm:request_success_total{finished_reason="length"} 7\n');
      if (name === 'epp-7c9d' && port === '9090') return sendText(res, '# TYPE inference_pool_ready_pods gauge\ninference_pool_ready_pods{name="pool"} 2\n');
      res.writeHead(404, { 'content-type': 'application/json' });
      return res.end('{"kind":"Status","message":"pod not found"}');
    }
    if (path === `/api/v1/namespaces/${NS}/pods/epp-7c9d/log`) return sendText(res, EPP_LOG);
    // vLLM pods: the log of the named container only (a decode pod also runs the routing sidecar).
    const vllmLog = /^\/api\/v1\/namespaces\/llm-d\/pods\/(vllm-[a-z]+-\d)\/log$/.exec(path);
    if (vllmLog && url.searchParams.get('container') === 'vllm') return sendText(res, vllmLine(vllmLog[1]!));
    if (vllmLog) return sendText(res, '{"kind":"Status","message":"a container name must be specified for pod, choose one of: [routing-proxy vllm]"}', 400);
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"kind":"Status","message":"not found"}');
  });
  dir = mkdtempSync(join(tmpdir(), 'rb-kube-'));
  kubeconfig = writeFakeKubeconfig(dir, api.url, TOKEN);
});

afterAll(async () => {
  await api?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const config = () =>
  KubernetesSourceSchema.parse({
    kind: 'kubernetes',
    namespace: NS,
    kubeconfig,
    timeoutMs: 5000,
    pods: { selector: 'llm-d.ai/inferenceServing=true', port: 8000 },
    // This fake API server passes the scrape through; a real one strips Authorization, and the EPP's
    // default --metrics-endpoint-auth rejects it. These tests model an EPP with auth off.
    epp: { selector: 'app=epp', metricsAuth: false },
  });

describe('kubernetes source (fake API server on loopback)', () => {
  it('with EPP metrics auth on (the upstream default) it refuses the proxied EPP scrape and says why', async () => {
    const c = KubernetesSourceSchema.parse({ ...config(), epp: { selector: 'app=epp' } });
    expect(c.epp!.metricsAuth).toBe(true);
    const source = createKubernetesSource(c);
    const targets = await source.discover();
    const epp = targets.find((t) => t.role === 'epp')!;
    const before = api.seen.length;
    await expect(source.scrape(epp)).rejects.toThrow(/EPP \/metrics needs a token .*the API-server proxy strips Authorization; pass --epp-token-file and a direct URL/);
    expect(api.seen.slice(before).some((s) => s.url.includes('epp-7c9d:9090/proxy'))).toBe(false);
    expect(await source.scrape(targets[0])).toContain('vllm:request_success_total');
  });

  it('discovers running pods with roles and addresses, scrapes through the pod proxy, reads EPP logs', async () => {
    const source = createKubernetesSource(config());
    const targets = await source.discover();
    expect(targets.map((t) => [t.name, t.role, t.address])).toEqual([
      ['vllm-decode-0', 'decode', '10.0.0.11:8000'],
      ['vllm-prefill-0', 'prefill', '10.0.0.12:8000'],
      ['epp-7c9d', 'epp', '10.0.0.2:9090'],
    ]);
    expect(await source.scrape(targets[0])).toContain('vllm:request_success_total{finished_reason="stop"} 40');
    expect(await source.scrape(targets[2])).toContain('inference_pool_ready_pods');
    expect(await source.fetchEppLogs()).toEqual([{ pod: 'epp-7c9d', text: EPP_LOG }]);
    const proxied = api.seen.filter((s) => s.url.includes('/proxy/')).map((s) => decodeURIComponent(s.url));
    expect(proxied).toContain(`/api/v1/namespaces/${NS}/pods/vllm-decode-0:8000/proxy/metrics`);
  });

  it('reads the vLLM pods\' container logs through the pods/log API when requestLogs is on (and only then)', async () => {
    expect(await createKubernetesSource(config()).fetchPodLogs()).toEqual([]);
    const c = KubernetesSourceSchema.parse({ ...config(), pods: { selector: 'llm-d.ai/inferenceServing=true', port: 8000, requestLogs: true, container: 'vllm' } });
    expect(await createKubernetesSource(c).fetchPodLogs()).toEqual([
      { pod: 'vllm-decode-0', text: vllmLine('vllm-decode-0') },
      { pod: 'vllm-prefill-0', text: vllmLine('vllm-prefill-0') },
    ]);
    const noContainer = KubernetesSourceSchema.parse({ ...config(), pods: { selector: 'llm-d.ai/inferenceServing=true', port: 8000, requestLogs: true } });
    await expect(createKubernetesSource(noContainer).fetchPodLogs()).rejects.toThrow(/read log of vllm-decode-0: HTTP 400: a container name must be specified/);
    const collector = await startCollector({ sources: [c], intervalMs: 10_000 });
    expect(collector.hasPodLogs).toBe(true);
    expect((await collector.fetchPodLogs()).map((l) => l.pod)).toEqual(['vllm-decode-0', 'vllm-prefill-0']);
    await collector.stop();
  });

  it('feeds the collector: per-pod deltas through the proxy, and API errors become scrape errors', async () => {
    successA = 40;
    const collector = await startCollector({
      sources: [{ ...config(), pods: { selector: 'llm-d.ai/inferenceServing=true', port: 8000 } }],
      intervalMs: 10_000,
    });
    successA = 46;
    const ev = await collector.stop();
    const src = ev.sources[0];
    expect(src.kind).toBe('kubernetes');
    const decode = src.targets.find((t) => t.name === 'vllm-decode-0')!;
    expect(decode.counters[0]).toMatchObject({ metric: 'vllm:request_success', delta: 6 });
    expect(src.targets.find((t) => t.name === 'epp-7c9d')!.gauges[0].points.map((p) => p[1])).toEqual([2, 2]);
    expect(src.errors).toEqual([]);
    expect((await collector.fetchEppLogs())[0].pod).toBe('epp-7c9d');

    // A port nobody serves: the proxy's 404 is recorded per target, not thrown.
    const bad = await startCollector({ sources: [{ ...config(), epp: undefined, pods: { selector: 'llm-d.ai/inferenceServing=true', port: 9999 } }], intervalMs: 10_000 });
    const badEv = await bad.stop();
    expect(badEv.sources[0].errors.map((e) => [e.target, e.phase])).toEqual([
      ['vllm-decode-0', 'before'],
      ['vllm-prefill-0', 'before'],
      ['vllm-decode-0', 'after'],
      ['vllm-prefill-0', 'after'],
    ]);
    expect(badEv.sources[0].errors[0].message).toMatch(/HTTP 404: pod not found/);
    expect(JSON.stringify([ev, badEv])).not.toContain(TOKEN);
  });
});
