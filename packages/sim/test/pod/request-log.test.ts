// The simulated pods' vLLM request log (`--enable-log-requests`), read back by core's attribution reader:
// a run through the gateway, then the pods' log files → every request placed on the pod that answered it,
// source `vllm-log`. Ground truth is the x-inference-pod header the client recorded (removed before
// attributing, so only the logs are used).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { attributeRecords, measure, run, type RequestRecord, type RequestSpecInput } from '@routebench/core';
import { startCluster } from '../../src/cluster.ts';
import { presetSpec } from '../../src/presets.ts';
import { startPod } from '../../src/pod/index.ts';
import { text } from '../sim-client.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const MODEL = 'Qwen/Qwen2.5-7B-Instruct';

function* workload(n: number): Generator<RequestSpecInput> {
  for (let i = 0; i < n; i++) {
    // Alternate chat and completions (the id prefixes differ: chatcmpl-<id> vs cmpl-<id>-0); long prompts so P/D splits.
    const content = text(40 + (i % 5) * 20, `rl-${i}`);
    yield i % 2 === 0
      ? { api: 'chat', model: MODEL, messages: [{ role: 'user', content }], maxTokens: 4 }
      : { api: 'completions', model: MODEL, prompt: content, maxTokens: 4 };
  }
}

/** Run through a cluster whose pods log requests; returns the records and the pods' log texts. */
async function runWithPodLogs(preset: 'agg-2' | 'pd-2p2d', enableLogRequests: boolean, n = 24) {
  const dir = mkdtempSync(join(tmpdir(), 'rb-vllm-log-'));
  dirs.push(dir);
  const spec = presetSpec(preset, { seed: 7 });
  const pods = spec.pods!.map((p) => ({ ...p, enableLogRequests, requestLogPath: join(dir, `${p.name}.log`) }));
  const cluster = await startCluster({ ...spec, pods });
  const records: RequestRecord[] = [];
  try {
    await cluster.waitReady();
    await run({ target: cluster.gatewayUrl, workload: workload(n), load: { type: 'constant', rate: 100, requests: n } }).on('request', (r) => records.push(r));
  } finally {
    await cluster.stop(); // closes the pods' log files
  }
  const podLogs = Object.fromEntries(pods.map((p) => [p.name, readFileSync(p.requestLogPath, 'utf8')]));
  return { records, podLogs, roles: Object.fromEntries(pods.map((p) => [p.name, p.role ?? 'both'])) };
}

/** The record as a real cluster would give it: no pod-naming header, no pod. */
const bare = (r: RequestRecord): RequestRecord => ({ ...r, headers: {}, pod: null, podSource: null });

describe('simulated vLLM request log', () => {
  it('writes one Received line per request in vLLM shape on the pod that got it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rb-vllm-log-'));
    dirs.push(dir);
    const path = join(dir, 'p.log');
    const pod = await startPod({ name: 'p', models: ['m'], enableLogRequests: true, requestLogPath: path });
    expect(pod.requestLogPath).toBe(path);
    try {
      const r = await fetch(`${pod.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'abc-1' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 }),
      });
      expect(r.status).toBe(200);
      await r.text();
    } finally {
      await pod.stop();
    }
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\(APIServer pid=1\) INFO \d\d-\d\d \d\d:\d\d:\d\d \[logger\.py:\d+\] Received request chatcmpl-abc-1: params: SamplingParams\(n=1, .*max_tokens=3, .*extra_args=None\), lora_request: None\.$/);
  });

  it('aggregated pods: every request is attributed from the pod logs alone, to the pod that served it', async () => {
    const { records, podLogs } = await runWithPodLogs('agg-2', true);
    expect(records.length).toBe(24);
    expect(records.every((r) => r.status === 'ok' && r.pod)).toBe(true);
    const res = attributeRecords(records.map(bare), { podLogs });
    expect(res.unattributed).toEqual([]);
    expect(res.sourcesUsed).toEqual(['vllm-log']);
    for (const r of records) expect(res.perRequest.get(r.requestId)).toEqual({ pod: r.pod, source: 'vllm-log' });
    expect(res.warnings).toBeUndefined();
  });

  it('P/D: both legs log our id; the decode pod is attributed and the prefill pod named, from the logged kv_transfer_params', async () => {
    const { records, podLogs } = await runWithPodLogs('pd-2p2d', true);
    expect(records.every((r) => r.status === 'ok' && r.pod?.startsWith('decode-'))).toBe(true);
    const res = attributeRecords(records.map(bare), { podLogs }); // no roles given: the markers decide
    expect(res.unattributed).toEqual([]);
    for (const r of records) expect(res.perRequest.get(r.requestId)).toMatchObject({ pod: r.pod, source: 'vllm-log' });
    const split = records.filter((r) => res.perRequest.get(r.requestId)?.prefillPod);
    // Prompts of 40+ uncached tokens exceed the decider's nonCachedTokens (16): P/D happens, and is seen.
    expect(split.length).toBeGreaterThan(0);
    for (const r of split) expect(res.perRequest.get(r.requestId)!.prefillPod).toMatch(/^prefill-/);
    expect(Object.entries(podLogs).filter(([p]) => p.startsWith('prefill-')).some(([, t]) => t.includes('Received request'))).toBe(true);
  });

  it('without --enable-log-requests the logs hold no request lines and nothing is attributed', async () => {
    const { records, podLogs } = await runWithPodLogs('agg-2', false, 6);
    expect(Object.values(podLogs).every((t) => t === '')).toBe(true);
    const res = attributeRecords(records.map(bare), { podLogs });
    expect(res.perRequest.size).toBe(0);
    expect(res.unattributed).toHaveLength(6);
  });

  it('measure() places records live from the pod log files (no pod headers, no EPP log): source vllm-log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rb-vllm-log-'));
    dirs.push(dir);
    const spec = presetSpec('pd-1p1d', { seed: 3, identityHeaders: false });
    const pods = spec.pods!.map((p) => ({ ...p, enableLogRequests: true, requestLogPath: join(dir, `${p.name}.log`) }));
    const cluster = await startCluster({ ...spec, pods });
    const records: RequestRecord[] = [];
    try {
      await cluster.waitReady();
      const result = await measure({
        target: cluster.gatewayUrl,
        workload: workload(12),
        load: { type: 'constant', rate: 50, requests: 12 },
        podLogs: Object.fromEntries(pods.map((p) => [p.name, p.requestLogPath])),
        podRoles: { 'prefill-0': 'prefill', 'decode-0': 'decode' },
      }).on('request', (r: RequestRecord) => records.push(r));
      expect(result.attribution.placedBy).toEqual({ 'vllm-log': 12 });
      expect(result.attribution.unattributed).toBe(0);
      expect(result.attribution.sourcesUsed).toEqual(['vllm-log']);
      expect(result.attribution.split).toMatchObject({ counts: { 'decode-0': 12 }, complete: true });
      expect(records.every((r) => r.pod === 'decode-0' && r.podSource === 'vllm-log')).toBe(true);
    } finally {
      await cluster.stop();
    }
  });
});
