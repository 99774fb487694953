import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLiveAttribution, fileTail, podFileTails, podSnapshotTail, snapshotTail } from '../../../src/evidence/attribution/live-attribution.ts';
import { RequestRecordSchema, type RequestRecord } from '../../../src/record/request-record.ts';
import { formatReceivedRequest, formatSamplingParams, formatVllmLogLine, loggedRequestId } from '../../../src/upstream/vllm-logs.ts';

describe('fileTail', () => {
  it('returns only complete new lines, keeping a half-written line for the next read', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'rb-tail-')), 'epp.log');
    const tail = fileTail(path);
    expect(await tail.read()).toBe(''); // not there yet
    writeFileSync(path, '{"a":1}\n{"b":');
    expect(await tail.read()).toBe('{"a":1}\n');
    appendFileSync(path, '2}\n');
    expect(await tail.read()).toBe('{"b":2}\n');
    expect(await tail.read()).toBe('');
  });

  it('starts over when the file was truncated (rotated)', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'rb-tail-')), 'epp.log');
    writeFileSync(path, 'line one is long\n');
    const tail = fileTail(path);
    expect(await tail.read()).toBe('line one is long\n');
    writeFileSync(path, 'new\n');
    expect(await tail.read()).toBe('new\n');
  });
});

describe('snapshotTail', () => {
  it('returns what each pod log gained since the last fetch, and a restarted (shorter) log whole', async () => {
    let logs = [{ pod: 'epp-0', text: 'a\nb\n' }];
    const tail = snapshotTail(async () => logs);
    expect(await tail.read()).toBe('a\nb\n');
    logs = [{ pod: 'epp-0', text: 'a\nb\nc\npartial' }, { pod: 'epp-1', text: 'x\n' }];
    expect(await tail.read()).toBe('c\nx\n');
    logs = [{ pod: 'epp-0', text: 'fresh\n' }, { pod: 'epp-1', text: 'x\n' }];
    expect(await tail.read()).toBe('fresh\n');
  });

  it('reads as empty when the fetch fails (missing evidence, not a failed run)', async () => {
    const tail = snapshotTail(async () => {
      throw new Error('403');
    });
    expect(await tail.read()).toBe('');
  });
});

// vLLM request lines as RequestLogger.log_inputs prints them (vllm-project/vllm vllm/entrypoints/logger.py @ 63c2b7ab).
const vllmLine = (rid: string, kv?: Record<string, unknown>) =>
  formatVllmLogLine({ processName: 'APIServer', pid: 1, message: formatReceivedRequest(loggedRequestId('chat', rid), formatSamplingParams({ maxTokens: 8, kvTransferParams: kv })) }) + '\n';

function rec(requestId: string): RequestRecord {
  return RequestRecordSchema.parse({
    seq: 0, requestId, phase: 'measure', stage: 0, api: 'chat', model: 'm', servedModel: 'm', responseId: null, groupId: null, sessionId: null, tags: {},
    status: 'ok', httpStatus: 200, errorClass: null, errorMessage: null, finishReason: 'length',
    times: { intended: 0, sent: 0, headers: 1, firstToken: 2, end: 3 }, ttftMs: 2, e2eMs: 3, tpotMs: null, scheduleDelayMs: 0, latencyFromIntendedMs: 3,
    chunks: [], tokenSource: null, promptTokens: 10, completionTokens: 1, cachedTokens: null, headers: {}, pod: null, podSource: null,
  });
}

describe('podSnapshotTail / podFileTails', () => {
  it('return per pod what each log gained since the last read', async () => {
    let logs = [{ pod: 'd0', text: 'a\n' }];
    const tail = podSnapshotTail(async () => logs);
    expect(await tail.read()).toEqual({ d0: 'a\n' });
    logs = [{ pod: 'd0', text: 'a\nb\n' }, { pod: 'p0', text: 'x\n' }];
    expect(await tail.read()).toEqual({ d0: 'b\n', p0: 'x\n' });
    const dir = mkdtempSync(join(tmpdir(), 'rb-tail-'));
    writeFileSync(join(dir, 'd0.log'), 'one\n');
    const files = podFileTails({ d0: join(dir, 'd0.log'), p0: join(dir, 'missing.log') });
    expect(await files.read()).toEqual({ d0: 'one\n', p0: '' });
  });
});

describe('live attribution from vLLM pod logs', () => {
  it('holds a record until its serving pod is logged: a prefill leg alone does not place it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rb-vllm-'));
    const paths = { p0: join(dir, 'p0.log'), d0: join(dir, 'd0.log') };
    writeFileSync(paths.p0, vllmLine('r1', { do_remote_decode: true, do_remote_prefill: false }));
    writeFileSync(paths.d0, '');
    const live = createLiveAttribution({ podLogs: podFileTails(paths), pollMs: 10, holdMs: 2000 });
    const placed: RequestRecord[] = [];
    live.place(rec('r1'), (r) => placed.push(r));
    await new Promise((r) => setTimeout(r, 60));
    expect(placed).toEqual([]); // only the prefill leg is in the logs so far
    appendFileSync(paths.d0, vllmLine('r1', { do_remote_decode: false, do_remote_prefill: true }));
    await live.flush();
    expect(placed.map((r) => [r.pod, r.podSource])).toEqual([['d0', 'vllm-log']]);
    expect(live.summarize(null)).toMatchObject({ placedBy: { 'vllm-log': 1 }, unattributed: 0 });
  });

  it('warns "gateway replaced x-request-id" when the pod logs name only other ids', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rb-vllm-'));
    writeFileSync(join(dir, 'a.log'), vllmLine('8e0cadf6a2e64563a1e5a8f914c96fdf'));
    const live = createLiveAttribution({ podLogs: podFileTails({ a: join(dir, 'a.log') }), pollMs: 10, holdMs: 50 });
    live.place(rec('ours-1'), () => {});
    await live.flush();
    const s = live.summarize(null);
    expect(s.unattributed).toBe(1);
    expect(s.warnings?.[0]).toMatch(/gateway replaced x-request-id: the vLLM pod logs had 1 request lines/);
  });
});

describe('live attribution: endpoints the EPP log names (#18 item 3)', () => {
  // "Request handled" as GIE v1.4.0 director.go:304 logs it at V(3) (fixtures/upstream-epp-logs/v07-json.log's shape).
  const handled = (rid: string, endpoint: string) =>
    JSON.stringify({ level: 'Level(-3)', ts: 1, caller: 'requestcontrol/director.go:304', msg: 'Request handled', 'x-request-id': rid, objectiveKey: '', incomingModelName: 'm', targetModel: 'm', endpoint }) + '\n';

  it('places an address a metrics target has, and leaves one nobody has unattributed, saying so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rb-epp-'));
    const log = join(dir, 'epp.log');
    writeFileSync(log, handled('r-known', '10.0.0.5:8000,10.0.0.6:8000') + handled('r-unknown', '10.9.9.9:8000'));
    const live = createLiveAttribution({ tails: [fileTail(log)], addresses: () => ({ '10.0.0.5:8000': 'decode-a', '10.0.0.6:8000': 'decode-b' }), pollMs: 10, holdMs: 100 });
    const placed: RequestRecord[] = [];
    live.place(rec('r-known'), (r) => placed.push(r));
    live.place(rec('r-unknown'), (r) => placed.push(r));
    await live.flush();
    expect(placed.map((r) => [r.requestId, r.pod, r.podSource])).toEqual([
      ['r-known', 'decode-a', 'epp-log'],
      ['r-unknown', null, null],
    ]);
    const s = live.summarize(null);
    expect(s.unattributed).toBe(1);
    expect(s.warnings).toContain('1 EPP pick(s) name an endpoint no pod is known by, left unattributed (e.g. 10.9.9.9:8000: unresolved: no metrics target has address 10.9.9.9:8000)');
  });
});
