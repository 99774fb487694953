// Which models each pod serves, learned from real loopback servers: vLLM-shaped GET /v1/models on static pod
// targets, and a fake Kubernetes API server (pod list + pod proxy) for the kubernetes source with its
// llm-d.ai/model label fallback. The /v1/models bodies are the seed's captured pod answers
// (richajoy/llm-d-lambda-deployment b0fc0dfd docs/multi-model-test-results.md) plus vLLM's list envelope
// (vllm-project/vllm vllm/entrypoints/openai/serving_models.py show_available_models).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectServedModels, modelsUrlFor } from '../../../src/evidence/sources/served-models.ts';
import { sendText, startExpositionServer, type ExpositionServer } from '../exposition-server.ts';
import { writeFakeKubeconfig } from '../../fixtures/kubeconfig.ts';

const B7 = 'Qwen/Qwen2.5-7B-Instruct';
const B05 = 'Qwen/Qwen2.5-0.5B-Instruct';
const list = (id: string, maxLen: number) => JSON.stringify({ object: 'list', data: [{ id, object: 'model', max_model_len: maxLen }] });
const json = (res: import('node:http').ServerResponse, body: string, status = 200) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body);
};

let pod7: ExpositionServer;
let pod05: ExpositionServer;
let broken: ExpositionServer;
let api: ExpositionServer;
let dir: string;
let kubeconfig: string;

beforeAll(async () => {
  pod7 = await startExpositionServer((_n, req, res) => (req.url === '/v1/models' ? json(res, list(B7, 8192)) : sendText(res, '', 404)));
  pod05 = await startExpositionServer((_n, req, res) => (req.url === '/v1/models' ? json(res, list(B05, 4096)) : sendText(res, '', 404)));
  broken = await startExpositionServer((_n, _req, res) => json(res, '{"models":[]}'));
  api = await startExpositionServer((_n, req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path === '/api/v1/namespaces/llm-d/pods') {
      const pod = (name: string, labels: Record<string, string>) => ({ metadata: { name, namespace: 'llm-d', labels }, status: { phase: 'Running', podIP: '10.0.0.1' } });
      return json(
        res,
        JSON.stringify({
          kind: 'PodList',
          apiVersion: 'v1',
          metadata: {},
          items: [
            pod('vllm-7b', { 'llm-d.ai/model': 'Qwen2.5-7B-Instruct' }),
            pod('vllm-05b', { 'llm-d.ai/model': 'Qwen2.5-0.5B-Instruct' }),
            pod('vllm-nolabel', {}),
          ],
        }),
      );
    }
    if (path === '/api/v1/namespaces/llm-d/pods/vllm-7b:8000/proxy/v1/models') return json(res, list(B7, 8192));
    json(res, '{"kind":"Status","message":"not found"}', 404);
  });
  dir = mkdtempSync(join(tmpdir(), 'rb-served-'));
  kubeconfig = writeFakeKubeconfig(dir, api.url, 't');

});

afterAll(async () => {
  await Promise.all([pod7, pod05, broken, api].map((s) => s?.close()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('collectServedModels', () => {
  it('derives the /v1/models URL from a metrics URL', () => {
    expect(modelsUrlFor('http://10.0.0.5:8000/metrics')).toBe('http://10.0.0.5:8000/v1/models');
    expect(modelsUrlFor('https://h/vllm/metrics/')).toBe('https://h/vllm/v1/models');
    expect(modelsUrlFor('http://h:9/custom')).toBe('http://h:9/custom/v1/models');
  });

  it('asks every static pod target (not the EPP) and reports the ones that do not answer a model list', async () => {
    const r = await collectServedModels([
      {
        kind: 'static',
        targets: [
          { name: 'qwen-7b', url: `${pod7.url}/metrics` },
          { name: 'qwen-05b', url: `${pod05.url}/metrics` },
          { name: 'odd', url: `${broken.url}/metrics` },
          { name: 'epp', url: `${broken.url}/metrics`, role: 'epp' },
        ],
      },
    ]);
    expect(r.podModels).toEqual({ 'qwen-7b': [B7], 'qwen-05b': [B05] });
    expect(r.via['qwen-7b']).toBe('GET /v1/models');
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatch(/^odd: not a \/v1\/models list: data: /);
    expect(broken.seen.map((s) => s.url)).toEqual(['/v1/models']);
  });

  it('kubernetes: /v1/models through the pod proxy, else the llm-d.ai/model label, else a problem', async () => {
    const r = await collectServedModels([{ kind: 'kubernetes', namespace: 'llm-d', kubeconfig, pods: { selector: 'app=vllm', port: 8000 } }]);
    expect(r.podModels).toEqual({ 'vllm-7b': [B7], 'vllm-05b': ['Qwen2.5-0.5B-Instruct'] });
    expect(r.via).toEqual({ 'vllm-7b': 'GET /v1/models', 'vllm-05b': 'label llm-d.ai/model' });
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatch(/^vllm-nolabel: .*no llm-d\.ai\/model label either/);
  });
});
