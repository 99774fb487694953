// The shared deterministic tokenizer.
//
// Both the simulator (to count prompt tokens and hash KV blocks) and the scenarios (to size prompts)
// use this one module, so "a 512-token prompt" means the same thing on both sides of the wire.
// It is not a BPE; it is stable, fast and simple enough to reason about:
//   - a special token such as `<|im_start|>` is one token;
//   - an optional single leading space plus a run of letters is one token (" hello");
//   - an optional single leading space plus one digit is one token (" 4");
//   - an optional single leading space plus one other non-space character is one token (" ,");
//   - any other run of whitespace (newlines, several spaces) is one token.
// Token ids are a 31-bit FNV-1a hash of the token text (special tokens get small fixed ids).

export const TOKENIZER_NAME = 'routebench-deterministic-v1';

const SPECIAL_TOKENS = ['<|im_start|>', '<|im_end|>', '<|endoftext|>'] as const;
const SPECIAL_IDS = new Map<string, number>(SPECIAL_TOKENS.map((t, i) => [t, i + 1]));

const TOKEN_RE = /<\|im_start\|>|<\|im_end\|>|<\|endoftext\|>| ?[A-Za-z]+| ?\d| ?[^\sA-Za-z\d]|\s+/g;

/** Split text into token strings. Concatenating the result gives back the input exactly. */
export function tokenizeToStrings(text: string): string[] {
  return text.match(TOKEN_RE) ?? [];
}

/** Token ids for text (deterministic across runs, processes and machines). */
export function encode(text: string): number[] {
  return tokenizeToStrings(text).map(tokenId);
}

/** Number of tokens in text, without allocating the id array. */
export function countTokens(text: string): number {
  let n = 0;
  TOKEN_RE.lastIndex = 0;
  while (TOKEN_RE.exec(text) !== null) n++;
  return n;
}

export function tokenId(token: string): number {
  const special = SPECIAL_IDS.get(token);
  if (special !== undefined) return special;
  let h = 0x811c9dc5;
  for (let i = 0; i < token.length; i++) {
    h ^= token.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // Keep ids clear of the special range.
  return ((h >>> 1) % 0x7fff_fff0) + 16;
}

export interface ChatMessageLike {
  role: string;
  content: string;
}

/**
 * The chat template both sides agree on (ChatML, as Qwen2.5 uses). The prompt the model sees,
 * and so the prompt token count and the KV blocks, include this framing.
 */
export function renderChat(messages: readonly ChatMessageLike[]): string {
  let out = '';
  for (const m of messages) out += `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`;
  return out + '<|im_start|>assistant\n';
}

/** Words used to build prompts: each is exactly one token when preceded by a space. */
export const WORDS: readonly string[] = (
  'the of and to in is that for it as was with be by on not he this are or his from at which but ' +
  'have an they you were her she there one all we their has been if more when will would who so no ' +
  'cache token route pod gateway prefix decode prefill model queue score latency stream request ' +
  'cluster server metric kernel memory block index picker weight filter profile sample batch tensor ' +
  'river mountain forest ocean valley desert island harbor garden bridge castle market village ' +
  'engine signal vector matrix graph network packet socket thread buffer driver module system ' +
  'amber violet silver golden crimson azure ivory scarlet emerald copper cobalt indigo ochre ' +
  'quick quiet brave calm eager gentle happy jolly kind lively merry proud silly witty zesty'
)
  .split(' ')
  .filter(Boolean);

/**
 * Text of exactly `n` tokens (n ≥ 0) drawn from WORDS by `next()`, a PRNG returning [0, 1).
 * Every token is " word", so the text can be appended to any other text without merging tokens.
 */
export function wordsText(n: number, next: () => number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += ' ' + WORDS[Math.floor(next() * WORDS.length) % WORDS.length];
  return out;
}
