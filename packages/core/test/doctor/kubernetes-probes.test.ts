// runDoctor with a `kubernetes` source against a small fake API server on loopback (pod list, pod proxy,
// pods/log at the real API paths, as in test/evidence/sources/kubernetes.test.ts) and a fixture gateway.
// The gateway appends a "Request handled" line (GIE v1.4.0 pkg/epp/requestcontrol/director.go:304) to the
// EPP pod's log for each request it gets, with the request's x-request-id.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDoctor, type DoctorReport } from '../../src/index.ts';
import { sendText, startExpositionServer, type ExpositionServer } from '../evidence/exposition-server.ts';
import { writeFakeKubeconfig } from '../fixtures/kubeconfig.ts';

const NS = 'llm-d';
const KUBE_TOKEN = 'kube-token-doctor-SECRET-0987';
const MODEL = 'm-1';
const eppLog: string[] = [];
let api: ExpositionServer;
let gateway: ExpositionServer;
let dir: string;
let kubeconfig: string;

beforeAll(async () => {
  gateway = await startExpositionServer((_n, req, res) => {
    if (req.url === '/v1/models') return void res.writeHead(200).end(JSON.stringify({ data: [{ id: MODEL }] }));
    const rid = String(req.headers['x-request-id']);
    eppLog.push(JSON.stringify({ level: 'Level(-3)', msg: 'Request handled', 'x-request-id': rid, endpoint: '10.0.0.11:8000' }));
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'chatcmpl-x', choices: [] }) + '\ndata: {}\n'));
  });
  api = await startExpositionServer((_n, req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname);
    if (req.headers.authorization !== `Bearer ${KUBE_TOKEN}`) return sendText(res, '{"kind":"Status","message":"Unauthorized"}', 401);
    if (path === `/api/v1/namespaces/${NS}/pods`) {
      const sel = url.searchParams.get('labelSelector');
      const pod = (name: string, ip: string) => ({ metadata: { name, namespace: NS, labels: {} }, status: { phase: 'Running', podIP: ip } });
      const items = sel === 'app=vllm' ? [pod('vllm-0', '10.0.0.11')] : sel === 'app=epp' ? [pod('epp-0', '10.0.0.2')] : [];
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items }));
    }
    if (path === `/api/v1/namespaces/${NS}/pods/vllm-0:8000/proxy/metrics`) return sendText(res, '# TYPE vllm:num_requests_waiting gauge\nvllm:num_requests_waiting 0\n');
    if (path === `/api/v1/namespaces/${NS}/pods/vllm-0:8000/proxy/v1/models`) return sendText(res, JSON.stringify({ data: [{ id: MODEL }] }));
    if (path === `/api/v1/namespaces/${NS}/pods/epp-0:9090/proxy/metrics`) return sendText(res, '# TYPE inference_pool_ready_pods gauge\ninference_pool_ready_pods{name="p"} 1\n');
    if (path === `/api/v1/namespaces/${NS}/pods/epp-0/log`) return sendText(res, eppLog.join('\n') + '\n');
    res.writeHead(404).end('{"kind":"Status","message":"not found"}');
  });
  dir = mkdtempSync(join(tmpdir(), 'rb-doctor-kube-'));
  kubeconfig = writeFakeKubeconfig(dir, api.url, KUBE_TOKEN);
});

afterAll(async () => {
  await gateway?.close();
  await api?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const kube = (metricsAuth = true) => ({ kind: 'kubernetes' as const, namespace: NS, kubeconfig, pods: { selector: 'app=vllm', port: 8000 }, epp: { selector: 'app=epp', metricsAuth } });
const check = (r: DoctorReport, id: string) => r.checks.find((c) => c.id === id)!;

describe('runDoctor with a kubernetes source (fake API server)', () => {
  it('pods through the API proxy, attribution through pods/log; the EPP /metrics is refused by default with the port-forward fix', async () => {
    const r = await runDoctor({ target: gateway.url, kubernetes: kube(), logWaitMs: 2000 });
    expect(check(r, 'pod-metrics')).toMatchObject({ reachable: true });
    expect(check(r, 'pod-models')).toMatchObject({ reachable: true });
    expect(check(r, 'epp-log-handled')).toMatchObject({ reachable: true });
    expect(check(r, 'epp-metrics').reachable).toBe(false);
    expect(check(r, 'epp-metrics').fix).toMatch(/--epp-token-file.*port-forward/);
    // Refused before any request to the EPP's proxy path.
    expect(api.seen.some((s) => decodeURIComponent(s.url).includes('epp-0:9090/proxy'))).toBe(false);
    expect(JSON.stringify(r)).not.toContain(KUBE_TOKEN);
  });

  it('with the EPP running auth off, its /metrics is read through the proxy', async () => {
    const r = await runDoctor({ target: gateway.url, kubernetes: kube(false), logWaitMs: 500 });
    expect(check(r, 'epp-ready-pods')).toMatchObject({ reachable: true });
  });

  it('a selector matching nothing is a finding naming the selector', async () => {
    const r = await runDoctor({ target: gateway.url, kubernetes: { ...kube(), pods: { selector: 'app=none', port: 8000 } }, logWaitMs: 200 });
    expect(check(r, 'pod-metrics')).toMatchObject({ reachable: false });
    expect(check(r, 'pod-metrics').detail).toContain('app=none');
  });
});
