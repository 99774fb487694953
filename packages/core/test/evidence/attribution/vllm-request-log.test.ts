// Fixture lines: see packages/core/test/upstream/vllm-logs.test.ts for the sources of each shape (vllm-project/vllm
// vllm/entrypoints/logger.py @ 63c2b7ab and @ 01ff1262, vllm/v1/engine/async_llm.py "Added request %s.",
// vllm/utils _add_prefix "(APIServer pid=N) " in cyan), plus `kubectl logs --prefix` "[pod/<name>/<container>] ".
import { describe, expect, it } from 'vitest';
import { parseVllmLogLine, parseVllmRequestLogs, placeFromVllmLog, vllmRequestIdWarning } from '../../../src/evidence/attribution/vllm-request-log.ts';
import { formatReceivedRequest, formatSamplingParams, formatVllmLogLine } from '../../../src/upstream/vllm-logs.ts';

const CYAN = '\u001b[36m';
const RESET = '\u001b[0m';
const received = (id: string, kv?: Record<string, unknown>) =>
  formatVllmLogLine({ processName: 'APIServer', pid: 1, message: formatReceivedRequest(id, formatSamplingParams({ maxTokens: kv ? 1 : 32, kvTransferParams: kv })) });
const LEGACY =
  "INFO 06-16 21:29:16 [logger.py:43] Received request chatcmpl-rb-t-3: prompt: '<|im_start|>user\\nHello<|im_end|>\\n', params: SamplingParams(n=1, temperature=0.6, max_tokens=16), prompt_token_ids: [1, 2, 3], prompt_embeds shape: None, lora_request: None, prompt_adapter_request: None.";

describe('parseVllmLogLine', () => {
  it('reads the current shape under the APIServer prefix, in colour', () => {
    const line = `${CYAN}(APIServer pid=1)${RESET} ${received('chatcmpl-rb-t-1').replace('(APIServer pid=1) ', '')}`;
    expect(parseVllmLogLine(line, 'decode-0')).toEqual({ pod: 'decode-0', loggedId: 'chatcmpl-rb-t-1', kind: 'received', leg: null });
  });
  it('reads the legacy shape (prompt before params)', () => {
    expect(parseVllmLogLine(LEGACY, 'p')?.loggedId).toBe('chatcmpl-rb-t-3');
  });
  it('takes the pod name from a kubectl --prefix', () => {
    const e = parseVllmLogLine(`[pod/vllm-decode-7f9/vllm] ${received('cmpl-rb-t-2-0')}`, 'caller-name');
    expect(e).toMatchObject({ pod: 'vllm-decode-7f9', loggedId: 'cmpl-rb-t-2-0' });
  });
  it('marks the P/D prefill leg from kv_transfer_params in the params', () => {
    expect(parseVllmLogLine(received('chatcmpl-x', { do_remote_decode: true, do_remote_prefill: false }), 'p')?.leg).toBe('prefill');
    expect(parseVllmLogLine(received('chatcmpl-x', { do_remote_decode: false, do_remote_prefill: true }), 'd')?.leg).toBe('decode');
  });
  it('reads Added and Generated lines; ignores everything else', () => {
    expect(parseVllmLogLine('(APIServer pid=1) INFO 12-02 14:15:02 [async_llm.py:300] Added request chatcmpl-rb-t-4-0a1b2c3d.', 'p')).toMatchObject({ kind: 'added', loggedId: 'chatcmpl-rb-t-4-0a1b2c3d' });
    expect(parseVllmLogLine("INFO 12-02 14:15:02 [logger.py:70] Generated response chatcmpl-rb-t-5 (streaming complete): output: 'hi', output_token_ids: None, finish_reason: stop", 'p')).toMatchObject({ kind: 'generated', loggedId: 'chatcmpl-rb-t-5' });
    expect(parseVllmLogLine('INFO:     10.0.0.1:4242 - "POST /v1/chat/completions HTTP/1.1" 200 OK', 'p')).toBeNull();
    expect(parseVllmLogLine('(APIServer pid=1) INFO 12-02 14:15:12 [loggers.py:123] Engine 000: Avg prompt throughput: 1.0 tokens/s', 'p')).toBeNull();
  });
});

describe('placeFromVllmLog', () => {
  it('places a request logged on one pod there', () => {
    const log = parseVllmRequestLogs({ a: received('chatcmpl-rb-t-1'), b: [received('cmpl-rb-t-2-0')] });
    expect(placeFromVllmLog('rb-t-1', log)).toEqual({ kind: 'placed', pod: 'a' });
    expect(placeFromVllmLog('rb-t-2', log)).toEqual({ kind: 'placed', pod: 'b' });
    expect(placeFromVllmLog('rb-t-9', log)).toEqual({ kind: 'absent' });
  });
  it('P/D: the pod whose line is not the prefill leg serves; the other is the prefill pod', () => {
    const log = parseVllmRequestLogs({
      p0: received('chatcmpl-rb-t-1', { do_remote_decode: true, do_remote_prefill: false }),
      d0: received('chatcmpl-rb-t-1', { do_remote_decode: false, do_remote_prefill: true }),
    });
    expect(placeFromVllmLog('rb-t-1', log)).toEqual({ kind: 'placed', pod: 'd0', prefillPod: 'p0' });
  });
  it('a request seen only as a prefill leg is not placed (the decode log is missing or not read yet)', () => {
    const log = parseVllmRequestLogs({ p0: received('chatcmpl-rb-t-1', { do_remote_decode: true, do_remote_prefill: false }) });
    expect(placeFromVllmLog('rb-t-1', log)).toEqual({ kind: 'prefill-only', prefillPod: 'p0' });
    expect(placeFromVllmLog('rb-t-1', parseVllmRequestLogs({ p0: received('chatcmpl-rb-t-1') }), { p0: 'prefill' })).toEqual({ kind: 'prefill-only', prefillPod: 'p0' });
  });
  it('two pods without markers: roles decide, else the request is ambiguous', () => {
    const log = parseVllmRequestLogs({ p0: received('chatcmpl-rb-t-1'), d0: received('chatcmpl-rb-t-1') });
    expect(placeFromVllmLog('rb-t-1', log, { p0: 'prefill', d0: 'decode' })).toEqual({ kind: 'placed', pod: 'd0', prefillPod: 'p0' });
    expect(placeFromVllmLog('rb-t-1', log)).toEqual({ kind: 'ambiguous', pods: ['p0', 'd0'] });
  });
});

describe('vllmRequestIdWarning', () => {
  it('fires when the logs name requests but none of ours, and only then', () => {
    const log = parseVllmRequestLogs({ a: received('chatcmpl-0f424b063d494ec2899cc58944aa79d7') });
    expect(vllmRequestIdWarning(['rb-t-1'], log)).toMatch(/gateway replaced x-request-id/);
    expect(vllmRequestIdWarning(['rb-t-1'], parseVllmRequestLogs({ a: received('chatcmpl-rb-t-1') }))).toBeNull();
    expect(vllmRequestIdWarning(['rb-t-1'], parseVllmRequestLogs({ a: '' }))).toBeNull();
  });
});
