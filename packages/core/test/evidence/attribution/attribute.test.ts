import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyAttribution, attributeRecords } from '../../../src/evidence/attribution/attribute.ts';
import { parseEppLog } from '../../../src/evidence/attribution/epp-log.ts';
import { startCollector } from '../../../src/evidence/collector.ts';
import { aliasesFromStaticTargets } from '../../../src/evidence/sources/static.ts';
import { formatReceivedRequest, formatSamplingParams, formatVllmLogLine, loggedRequestId } from '../../../src/upstream/vllm-logs.ts';
import { RequestRecordSchema, type RequestRecord } from '../../../src/record/request-record.ts';
import { sendText, startExpositionServer, type ExpositionServer } from '../exposition-server.ts';

function record(requestId: string, headers: Record<string, string> = {}, status: RequestRecord['status'] = 'ok'): RequestRecord {
  return RequestRecordSchema.parse({
    seq: 0,
    requestId,
    phase: 'measure',
    stage: 0,
    api: 'chat',
    model: 'm',
    servedModel: 'm',
    responseId: null,
    groupId: null,
    sessionId: null,
    tags: {},
    status,
    httpStatus: status === 'ok' ? 200 : 500,
    errorClass: status === 'ok' ? null : 'http_5xx',
    errorMessage: null,
    finishReason: 'length',
    times: { intended: 0, sent: 0, headers: 1, firstToken: 2, end: 3 },
    ttftMs: 2,
    e2eMs: 3,
    tpotMs: null,
    scheduleDelayMs: 0,
    latencyFromIntendedMs: 3,
    chunks: [],
    tokenSource: null,
    promptTokens: 10,
    completionTokens: 1,
    cachedTokens: null,
    headers,
    pod: null,
    podSource: null,
  });
}

const servers: ExpositionServer[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('attribution from response headers', () => {
  it('names the pod per request from the first configured header present, mapping ip:port via aliases', () => {
    const aliases = aliasesFromStaticTargets([
      { name: 'pod-a', url: 'http://127.0.0.1:18001/metrics' },
      { name: 'pod-b', url: 'http://127.0.0.1:18002/metrics' },
    ]);
    const records = [
      record('r1', { 'x-inference-pod': 'pod-a', 'x-gateway-destination-endpoint-served': '127.0.0.1:18002' }),
      record('r2', { 'X-Gateway-Destination-Endpoint-Served': '127.0.0.1:18002,127.0.0.1:18001' }),
      record('r3', { 'x-conformance-test-served-endpoint': '127.0.0.1:18001' }),
    ];
    const res = attributeRecords(records, { aliases });
    expect([...res.perRequest]).toEqual([
      ['r1', { pod: 'pod-a', source: 'header:x-inference-pod' }],
      ['r2', { pod: 'pod-b', source: 'header:x-gateway-destination-endpoint-served' }],
      ['r3', { pod: 'pod-a', source: 'header:x-conformance-test-served-endpoint' }],
    ]);
    expect(res.unattributed).toEqual([]);
    expect(res.split).toEqual({
      counts: { 'pod-a': 2, 'pod-b': 1 },
      source: 'header:x-inference-pod+header:x-gateway-destination-endpoint-served+header:x-conformance-test-served-endpoint',
      complete: true,
    });
    expect(applyAttribution(records, res).map((r) => [r.pod, r.podSource])).toEqual([
      ['pod-a', 'header:x-inference-pod'],
      ['pod-b', 'header:x-gateway-destination-endpoint-served'],
      ['pod-a', 'header:x-conformance-test-served-endpoint'],
    ]);
  });

  it('decodes the llm-d session-affinity token (base64 "ns/pod") when it reaches the client', () => {
    const tok = (s: string) => Buffer.from(s).toString('base64');
    const res = attributeRecords([record('s1', { 'x-session-token': tok('llm-d/vllm-decode-3') }), record('s2', { 'x-session-token': tok('garbage') })]);
    expect(res.perRequest.get('s1')).toEqual({ pod: 'vllm-decode-3', source: 'header:x-session-token' });
    expect(res.unattributed).toEqual(['s2']);
  });

  it('follows a configured header order and leaves requests without headers unattributed', () => {
    const records = [record('r1', { 'x-inference-pod': 'pod-a', 'x-my-pod': 'pod-z' }), record('r2')];
    const res = attributeRecords(records, { headers: ['X-My-Pod'] });
    expect(res.perRequest.get('r1')).toEqual({ pod: 'pod-z', source: 'header:x-my-pod' });
    expect(res.unattributed).toEqual(['r2']);
    expect(res.split).toBeNull(); // no complete per-request source and no evidence
  });
});

// Real EPP (GIE director.go / llm-d-benchmark process_epp_logs.py field names) as `kubectl logs --prefix`
// writes it, with per-candidate lines that must not count as picks, klog text and a torn line.
const REAL_EPP_LOG = [
  'I0101 00:00:00.000000       1 main.go:100] starting EPP',
  '[pod/epp-7c9d/epp] {"level":"info","ts":"2026-01-01T00:00:01.000000001Z","msg":"LLM request assembled","x-request-id":"req-1"}',
  '[pod/epp-7c9d/epp] {"level":"debug","ts":"2026-01-01T00:00:01.1Z","msg":"Calculated score","x-request-id":"req-1","endpoint":{"name":"vllm-1","namespace":"llm-d"},"score":0.4}',
  '[pod/epp-7c9d/epp] {"level":"debug","ts":"2026-01-01T00:00:01.2Z","msg":"Completed running picker plugin successfully","x-request-id":"req-1","result":{"TargetEndpoints":[{"Endpoint":{"Address":"10.0.0.11","Port":"8000","PodName":"vllm-0"},"Score":0.9}]}}',
  '[pod/epp-7c9d/epp] {"level":"info","ts":"2026-01-01T00:00:01.3Z","msg":"Request handled","x-request-id":"req-1","objectiveKey":"","incomingModelName":"m","targetModel":"m","endpoint":"10.0.0.11:8000"}',
  '[pod/epp-7c9d/epp] {"level":"info","ts":"2026-01-01T00:00:02Z","msg":"Request handled","x-request-id":"req-2","endpoint":"10.0.0.12:8000,10.0.0.11:8000"}',
  '[pod/epp-7c9d/epp] {"level":"debug","ts":"2026-01-01T00:00:03Z","msg":"Calculated score","x-request-id":"req-3","endpoint":{"name":"vllm-1","namespace":"llm-d"},"score":0.9}',
  '[pod/epp-7c9d/epp] {"level":"info","ts":"2026-01-01T00:00:04Z","msg":"Request handl',
  '',
].join('\n');

// The simulator's format: one object per request, no `msg`.
const SIM_EPP_LOG = [
  '{"ts":1767225600000,"x-request-id":"sim-1","endpoint":"127.0.0.1:18001","decision":"decode-only"}',
  '{"ts":1767225600100,"requestId":"sim-2","pod":"pod-b"}',
  '{"ts":1767225600200,"request_id":"sim-3","targetPod":"127.0.0.1:18002"}',
  // packages/sim's actual line shape (zap-like, msg "Request handled", endpoint + pod + prefill fields).
  '{"level":"info","ts":1767225600.3,"logger":"requestcontrol","caller":"requestcontrol/director.go:0","msg":"Request handled","x-request-id":"sim-5","model":"m","targetModel":"m","endpoint":"127.0.0.1:18002","pod":"pod-b","prefillEndpoint":"127.0.0.1:18001","prefillPod":"pod-a","disaggDecision":"prefill-decode","scores":{"pod-a":1,"pod-b":2},"status":200,"durationMs":12.5}',
  '',
].join('\n');

describe('attribution from EPP logs', () => {
  it('reads the real EPP format: picks only, primary endpoint first, kubectl prefixes and junk skipped', () => {
    const parsed = parseEppLog(REAL_EPP_LOG);
    expect([...parsed.picks]).toEqual([
      ['req-1', '10.0.0.11:8000'],
      ['req-2', '10.0.0.12:8000'], // the primary of "ip:port,ip:port"
    ]);
    expect(parsed.unparsableLines).toBe(1);
    expect(parsed.jsonLines).toBe(6);
  });

  it('joins records on x-request-id from log files in both formats and says so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rb-epp-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'epp.log'), REAL_EPP_LOG);
    writeFileSync(join(dir, 'sim-epp.jsonl'), SIM_EPP_LOG);
    const aliases = { '10.0.0.11:8000': 'vllm-0', '10.0.0.12:8000': 'vllm-1', ...aliasesFromStaticTargets([
      { name: 'pod-a', url: 'http://127.0.0.1:18001/metrics' },
      { name: 'pod-b', url: 'http://127.0.0.1:18002/metrics' },
    ]) };
    const records = ['req-1', 'req-2', 'req-3', 'sim-1', 'sim-2', 'sim-3', 'sim-5'].map((id) => record(id));
    // One record also has a header: headers win over the log.
    records.push(record('sim-4', { 'x-inference-pod': 'pod-a' }));
    const res = attributeRecords(records, {
      eppLog: [readFileSync(join(dir, 'epp.log'), 'utf8'), readFileSync(join(dir, 'sim-epp.jsonl'), 'utf8')],
      aliases,
    });
    expect(Object.fromEntries(res.perRequest)).toEqual({
      'req-1': { pod: 'vllm-0', source: 'epp-log' },
      'req-2': { pod: 'vllm-1', source: 'epp-log' },
      'sim-1': { pod: 'pod-a', source: 'epp-log' },
      'sim-2': { pod: 'pod-b', source: 'epp-log' },
      'sim-3': { pod: 'pod-b', source: 'epp-log' },
      'sim-5': { pod: 'pod-b', source: 'epp-log', prefillPod: 'pod-a' },
      'sim-4': { pod: 'pod-a', source: 'header:x-inference-pod' },
    });
    expect(res.unattributed).toEqual(['req-3']); // only a candidate score was logged for it
    expect(res.sourcesUsed).toEqual(['header:x-inference-pod', 'epp-log']);
  });

  it('uses configured field names for a custom log format', () => {
    const log = '{"rid":"a","chosen":"pod-x"}\n{"rid":"b","chosen":{"address":"10.1.1.1","port":8000}}\n';
    const res = attributeRecords([record('a'), record('b')], {
      eppLog: log,
      eppLogFormat: { requestIdKeys: ['rid'], endpointKeys: ['chosen'] },
      aliases: { '10.1.1.1:8000': 'pod-y' },
    });
    expect(Object.fromEntries(res.perRequest)).toEqual({ a: { pod: 'pod-x', source: 'epp-log' }, b: { pod: 'pod-y', source: 'epp-log' } });
    expect(res.split).toEqual({ counts: { 'pod-x': 1, 'pod-y': 1 }, source: 'epp-log', complete: true });
    expect(() => attributeRecords([], { eppLogFormat: { requestIdKeys: [] } })).toThrow(/requestIdKeys/);
  });
});

describe('attribution from counter deltas (collected from loopback pods)', () => {
  const vllm = (success: number, prompt: number) =>
    [
      '# TYPE vllm:request_success_total counter',
      `vllm:request_success_total{engine="0",finished_reason="length",model_name="m"} ${success}.0`,
      `vllm:request_success_total{engine="0",finished_reason="stop",model_name="m"} 1.0`,
      '# TYPE vllm:prompt_tokens_total counter',
      `vllm:prompt_tokens_total{engine="0",model_name="m"} ${prompt}.0`,
      '',
    ].join('\n');

  it('splits requests per pod from vllm:request_success deltas, leaving out prefill pods and the EPP', async () => {
    const state = { a: [10, 100], b: [20, 100], p: [5, 100] };
    const mk = async (k: keyof typeof state) => {
      const s = await startExpositionServer((_n, _req, res) => sendText(res, vllm(state[k][0], state[k][1])));
      servers.push(s);
      return s;
    };
    const [a, b, p] = [await mk('a'), await mk('b'), await mk('p')];
    const epp = await startExpositionServer((_n, _req, res) =>
      sendText(res, '# TYPE inference_extension_scheduler_attempts_total counter\ninference_extension_scheduler_attempts_total{pod_name="decode-a",status="success"} 0\n'),
    );
    servers.push(epp);
    const collector = await startCollector({
      sources: [
        {
          kind: 'static',
          targets: [
            { name: 'decode-a', url: `${a.url}/metrics`, role: 'decode' },
            { name: 'decode-b', url: `${b.url}/metrics`, role: 'decode' },
            { name: 'prefill-0', url: `${p.url}/metrics`, role: 'prefill' },
            { name: 'epp', url: `${epp.url}/metrics` },
          ],
        },
      ],
      intervalMs: 10_000,
    });
    // 9 requests: 6 served by decode-a, 3 by decode-b; the prefill pod also counts 9 prefill-only requests.
    state.a = [16, 700];
    state.b = [23, 400];
    state.p = [14, 1000];
    const evidence = await collector.stop();
    const records = Array.from({ length: 9 }, (_, i) => record(`r${i}`));

    const res = attributeRecords(records, { evidence });
    expect(res.perRequest.size).toBe(0);
    expect(res.split).toEqual({ counts: { 'decode-a': 6, 'decode-b': 3 }, source: 'counter:vllm:request_success', complete: true });
    expect(res.sourcesUsed).toEqual(['counter:vllm:request_success']);

    // Without request_success (older/other servers): prompt-token shares scaled to finished requests.
    const noSuccess = structuredClone(evidence);
    for (const s of noSuccess.sources) for (const t of s.targets) t.counters = t.counters.filter((c) => c.metric !== 'vllm:request_success');
    const byTokens = attributeRecords([...records, record('failed', {}, 'error')], { evidence: noSuccess });
    expect(byTokens.split?.source).toBe('counter:vllm:prompt_tokens');
    expect(byTokens.split?.counts['decode-a']).toBeCloseTo(6); // 600 of 900 tokens × 9 finished requests
    expect(byTokens.split?.counts['decode-b']).toBeCloseTo(3);
  });

  it('falls back to the EPP per-pod scheduling attempts (GIE ≥ 1.5), mapping pod_name through aliases', async () => {
    let attempts = { a: 2, b: 2 };
    const epp = await startExpositionServer((_n, _req, res) =>
      sendText(
        res,
        [
          '# HELP inference_extension_scheduler_attempts_total [ALPHA] Total number of scheduling attempts.',
          '# TYPE inference_extension_scheduler_attempts_total counter',
          `inference_extension_scheduler_attempts_total{namespace="llm-d",pod_name="vllm-a",port="8000",status="success",target_model_name="m"} ${attempts.a}`,
          `inference_extension_scheduler_attempts_total{namespace="llm-d",pod_name="vllm-b",port="8000",status="success",target_model_name="m"} ${attempts.b}`,
          `inference_extension_scheduler_attempts_total{namespace="",pod_name="",port="",status="failure",target_model_name="m"} 4`,
          '',
        ].join('\n'),
      ),
    );
    servers.push(epp);
    const collector = await startCollector({ sources: [{ kind: 'static', targets: [{ name: 'epp', url: `${epp.url}/metrics` }] }], intervalMs: 10_000 });
    attempts = { a: 9, b: 3 };
    const evidence = await collector.stop();
    const res = attributeRecords([record('x'), record('y')], { evidence, aliases: { 'vllm-b': 'decode-b' } });
    expect(res.split).toEqual({
      counts: { 'vllm-a': 7, 'decode-b': 1 },
      source: 'epp-metric:inference_extension_scheduler_attempts',
      complete: true,
    });
    expect(res.unattributed).toEqual(['x', 'y']);
  });
});

describe('attribution paths from upstream sources', () => {
  const handled = (rid: string, ep: string) =>
    JSON.stringify({ level: 'Level(-3)', ts: 1, caller: 'requestcontrol/director.go:304', msg: 'Request handled', 'x-request-id': rid, objectiveKey: '', incomingModelName: 'm', targetModel: 'm', endpoint: ep });

  it('places by the served-endpoint verifier header and rejects its failure value', () => {
    const aliases = { '10.0.0.1:8000': 'pod-a' };
    const ok = attributeRecords([record('r1', { 'x-conformance-test-served-endpoint': '10.0.0.1:8000' })], { aliases });
    expect(ok.perRequest.get('r1')).toEqual({ pod: 'pod-a', source: 'header:x-conformance-test-served-endpoint' });
    const bad = attributeRecords([record('r2', { 'x-conformance-test-served-endpoint': 'fail: missing envoy lb metadata' })], { aliases });
    expect(bad.perRequest.size).toBe(0);
    expect(bad.unattributed).toEqual(['r2']);
  });

  it('warns "gateway replaced x-request-id" when the log has picks for other ids only', () => {
    const aliases = { '10.0.0.1:8000': 'pod-a' };
    const replaced = attributeRecords([record('ours-1'), record('ours-2')], { aliases, eppLog: [handled('envoy-uuid-1', '10.0.0.1:8000'), handled('envoy-uuid-2', '10.0.0.1:8000')].join('\n') });
    expect(replaced.warnings?.[0]).toMatch(/gateway replaced x-request-id/);
    const kept = attributeRecords([record('ours-1')], { aliases, eppLog: handled('ours-1', '10.0.0.1:8000') });
    expect(kept.warnings).toBeUndefined();
    expect(kept.perRequest.get('ours-1')).toEqual({ pod: 'pod-a', source: 'epp-log' });
  });
});

// vLLM request log lines in the shape of vllm-project/vllm vllm/entrypoints/logger.py @ 63c2b7ab (see
// test/upstream/vllm-logs.test.ts for the sources).
describe('attribution from vLLM request logs (path d)', () => {
  const line = (api: 'chat' | 'completions', rid: string, kv?: Record<string, unknown>) =>
    formatVllmLogLine({ processName: 'APIServer', pid: 1, message: formatReceivedRequest(loggedRequestId(api, rid), formatSamplingParams({ maxTokens: 8, kvTransferParams: kv })) });

  it('places each request on the pod whose log has its id, after headers and the EPP log', () => {
    const res = attributeRecords([record('r1'), record('r2'), record('r3', { 'x-inference-pod': 'pod-h' })], {
      podLogs: { 'pod-a': line('chat', 'r1'), 'pod-b': [line('completions', 'r2'), line('chat', 'r3')] },
    });
    expect(res.perRequest.get('r1')).toEqual({ pod: 'pod-a', source: 'vllm-log' });
    expect(res.perRequest.get('r2')).toEqual({ pod: 'pod-b', source: 'vllm-log' });
    // The header is trusted first even when a log names another pod.
    expect(res.perRequest.get('r3')).toEqual({ pod: 'pod-h', source: 'header:x-inference-pod' });
    expect(res.sourcesUsed).toEqual(['header:x-inference-pod', 'vllm-log']);
    expect(res.split).toMatchObject({ counts: { 'pod-a': 1, 'pod-b': 1, 'pod-h': 1 }, complete: true });
    expect(res.warnings).toBeUndefined();
  });

  it('P/D: an id on two pods goes to the decode pod, with the prefill pod from the leg marker or the roles', () => {
    const marked = attributeRecords([record('r1')], {
      podLogs: { 'p-0': line('chat', 'r1', { do_remote_decode: true, do_remote_prefill: false }), 'd-0': line('chat', 'r1', { do_remote_decode: false, do_remote_prefill: true }) },
    });
    expect(marked.perRequest.get('r1')).toEqual({ pod: 'd-0', source: 'vllm-log', prefillPod: 'p-0' });
    const unmarked = { 'p-0': line('chat', 'r1'), 'd-0': line('chat', 'r1') };
    const byRole = attributeRecords([record('r1')], { podLogs: unmarked, podRoles: { 'p-0': 'prefill', 'd-0': 'decode' } });
    expect(byRole.perRequest.get('r1')).toEqual({ pod: 'd-0', source: 'vllm-log', prefillPod: 'p-0' });
    const unknown = attributeRecords([record('r1')], { podLogs: unmarked });
    expect(unknown.unattributed).toEqual(['r1']);
    expect(unknown.warnings?.[0]).toMatch(/several pods/);
  });

  it('warns "gateway replaced x-request-id" when the pod logs have ids but none are ours', () => {
    const res = attributeRecords([record('ours-1')], { podLogs: { 'pod-a': line('chat', '8e0cadf6a2e64563a1e5a8f914c96fdf') } });
    expect(res.unattributed).toEqual(['ours-1']);
    expect(res.warnings?.[0]).toMatch(/gateway replaced x-request-id: the vLLM pod logs/);
  });
});
