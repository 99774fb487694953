// Fixture lines. SOURCES:
// - CURRENT: the format string "Received request %s: params: %s, lora_request: %s." of
//   vllm-project/vllm vllm/entrypoints/logger.py @ 63c2b7abcd705edb754604f83ac72a4269c05a52 (RequestLogger.log_inputs),
//   with the `(APIServer pid=N) ` prefix of vllm/utils `_add_prefix` and the line format of vllm/logger.py
//   (`%(levelname)s %(asctime)s [%(fileinfo)s:%(lineno)d] %(message)s`, date `%m-%d %H:%M:%S`).
// - LEGACY: "Received request %s: prompt: %r, params: %s, prompt_token_ids: %s, …" of vllm/entrypoints/logger.py
//   @ 01ff1262941ab5fce2c75eefa6443f53f4a4732d; its shape matches the vLLM ≤0.10 server logs users quote in public
//   issue threads (`INFO 06-16 21:29:16 [logger.py:43] Received request chatcmpl-<32 hex>: prompt: '…', params: SamplingParams(n=1, …`).
// - ADDED: "Added request %s." of vllm/v1/engine/async_llm.py AsyncLLM._add_request (when log_requests).
import { describe, expect, it } from 'vitest';
import {
  formatReceivedRequest,
  formatSamplingParams,
  formatVllmLogLine,
  loggedRequestId,
  PD_LEG_MARKERS,
  requestIdCandidates,
} from '../../src/upstream/vllm-logs.ts';

const CURRENT = "(APIServer pid=1) INFO 12-02 14:15:02 [logger.py:49] Received request chatcmpl-rb-t1-7: params: SamplingParams(n=1, presence_penalty=0.0, frequency_penalty=0.0, repetition_penalty=1.0, temperature=1.0, top_p=1.0, top_k=0, min_p=0.0, seed=None, stop=[], stop_token_ids=[], bad_words=[], include_stop_str_in_output=False, ignore_eos=False, max_tokens=64, min_tokens=0, logprobs=None, prompt_logprobs=None, skip_special_tokens=True, spaces_between_special_tokens=True, structured_outputs=None, extra_args=None), lora_request: None.";

describe('vLLM request log line shapes', () => {
  it('formats a Received line exactly like RequestLogger.log_inputs under the APIServer prefix', () => {
    const msg = formatReceivedRequest(loggedRequestId('chat', 'rb-t1-7'), formatSamplingParams({ maxTokens: 64 }));
    const line = formatVllmLogLine({ processName: 'APIServer', pid: 1, at: new Date(2026, 11, 2, 14, 15, 2), line: 49, message: msg });
    expect(line).toBe(CURRENT);
  });

  it('prints kv_transfer_params in extra_args as a Python dict, so the P/D leg markers appear', () => {
    const prefill = formatSamplingParams({ maxTokens: 1, kvTransferParams: { do_remote_decode: true, do_remote_prefill: false, remote_engine_id: null } });
    expect(prefill).toContain("extra_args={'kv_transfer_params': {'do_remote_decode': True, 'do_remote_prefill': False, 'remote_engine_id': None}}");
    expect(prefill).toContain(PD_LEG_MARKERS.prefill);
    expect(prefill).not.toContain(PD_LEG_MARKERS.decode);
  });

  it('forms ids as the OpenAI server does: chatcmpl-<id>, and cmpl-<id>-<prompt index> for completions', () => {
    expect(loggedRequestId('chat', 'abc')).toBe('chatcmpl-abc');
    expect(loggedRequestId('completions', 'abc')).toBe('cmpl-abc-0');
  });
});

describe('requestIdCandidates', () => {
  it('strips the chat prefix', () => {
    expect(requestIdCandidates('chatcmpl-rb-t1-7')[0]).toBe('rb-t1-7');
  });
  it('strips the completions prefix and prompt index, keeping the un-stripped form as a fallback', () => {
    expect(requestIdCandidates('cmpl-rb-t1-7-0')).toEqual(['rb-t1-7', 'rb-t1-7-0', 'cmpl-rb-t1-7-0']);
  });
  it('takes an unprefixed id as is', () => {
    expect(requestIdCandidates('rb-t1-7')).toEqual(['rb-t1-7']);
  });
  it('undoes the engine internal -<8 hex> suffix and the n>1 child prefix on Added lines only', () => {
    expect(requestIdCandidates('chatcmpl-rb-t1-7-1a2b3c4d', 'added')[0]).toBe('rb-t1-7');
    expect(requestIdCandidates('0_chatcmpl-rb-t1-7', 'added')[0]).toBe('rb-t1-7');
    expect(requestIdCandidates('chatcmpl-rb-t1-deadbeef', 'received')).toEqual(['rb-t1-deadbeef', 'chatcmpl-rb-t1-deadbeef']);
  });
});
