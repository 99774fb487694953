// Writes datasets/sharegpt-sample.json: a small ShareGPT-format dataset made up here from templates and a
// seeded PRNG (no downloaded text), so tests and demos have real-shaped data with varied lengths.
// Licence: the project's own, Apache-2.0. Run: ./node_modules/.bin/tsx packages/scenarios/scripts/make-sharegpt-sample.ts
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRng, type Rng } from '@routebench/core';

const OUT = fileURLToPath(new URL('../../../datasets/sharegpt-sample.json', import.meta.url));
const rng = createRng('routebench-sharegpt-sample-v1');

const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const TOPICS = ['prefix caching', 'KV cache eviction', 'load balancing', 'request routing', 'batch scheduling', 'tensor parallelism',
  'speculative decoding', 'quantization', 'autoscaling', 'streaming responses', 'token budgets', 'rate limiting', 'garden design',
  'river ecology', 'bread baking', 'mountain hiking', 'chess openings', 'home networking', 'sourdough starters', 'bicycle repair'];
const ASKS = ['Can you explain {t} in simple terms?', 'What are the trade-offs of {t}?', 'Give me three tips about {t}.',
  'How would you teach {t} to a new engineer?', 'Write a short checklist for {t}.', 'What is a common mistake with {t}, and how do I avoid it?',
  'Summarize the history of {t} in a paragraph.', 'Compare two approaches to {t} and say which you prefer.'];
const OPENERS = ['Sure.', 'Good question.', 'Here is a short answer.', 'Let me break it down.', 'Happy to help.'];
const CLAUSES = ['the first step is to measure before changing anything', 'small changes compound over time',
  'the cost shows up under load rather than in a quick test', 'it helps to write down what you expect to see',
  'most problems come from a mismatch between two settings', 'a simple baseline is worth keeping for comparison',
  'the numbers only mean something next to a control', 'latency and throughput pull in different directions',
  'you should check the defaults, because they change between versions', 'a cache only helps when requests repeat',
  'the slowest part decides the pace of the whole system', 'keeping the feedback loop short saves a lot of time'];

function sentence(r: Rng): string {
  const s = pick(r, CLAUSES);
  return s[0]!.toUpperCase() + s.slice(1) + (r() < 0.2 ? ', and ' + pick(r, CLAUSES) : '') + '.';
}
function reply(r: Rng, sentences: number): string {
  const parts = [pick(r, OPENERS)];
  for (let i = 0; i < sentences; i++) parts.push(sentence(r));
  return parts.join(' ');
}
function question(r: Rng): string {
  const q = pick(r, ASKS).replace('{t}', pick(r, TOPICS));
  const context = r() < 0.4 ? ' For context: ' + Array.from({ length: 1 + Math.floor(r() * 6) }, () => sentence(r)).join(' ') : '';
  return q + context;
}

type Turn = { from: 'human' | 'gpt' | 'system'; value: string };
const entries: { id: string; conversations: Turn[] }[] = [];
for (let i = 0; i < 48; i++) {
  const turns: Turn[] = [];
  if (i % 11 === 5) turns.push({ from: 'system', value: 'You are a concise assistant.' });
  const rounds = 1 + Math.floor(rng() * 3);
  for (let k = 0; k < rounds; k++) {
    turns.push({ from: 'human', value: question(rng) });
    turns.push({ from: 'gpt', value: reply(rng, 1 + Math.floor(rng() * 14)) });
  }
  entries.push({ id: `rb-${String(i).padStart(4, '0')}`, conversations: turns });
}
// Shapes real dumps contain and a loader must skip: a conversation that starts with the model, and a
// question with no reply.
entries.push({ id: 'rb-skip-gpt-first', conversations: [{ from: 'gpt', value: reply(rng, 2) }] });
entries.push({ id: 'rb-skip-no-reply', conversations: [{ from: 'human', value: question(rng) }] });

writeFileSync(OUT, JSON.stringify(entries, null, 1) + '\n');
console.log(`wrote ${entries.length} entries to ${OUT}`);
