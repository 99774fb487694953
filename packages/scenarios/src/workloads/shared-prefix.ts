// Shared-prefix workload, with inference-perf's parameter names: `num_groups` system prompts, each shared by
// `num_prompts_per_group` different questions. One pass sends every (group, question) once, in a seeded
// shuffle so a group's requests are spread out (a router has to remember the prefix, not just repeat the
// last pick). `zipf_s` skews group popularity; `zero_reuse` is the control: same lengths, every prefix unique.
import { z } from 'zod';
import { shuffle, type RequestSpec } from '@routebench/core';
import { getPromptTokenizer } from '../prompt-tokenizer.ts';
import { nonNegInt, posInt, posNum } from '../schema-parts.ts';
import { buildRequest, CommonWorkloadFields, LengthSchema, sampleLength, subRng, type WorkloadContext, type WorkloadStream } from './common.ts';

export const SharedPrefixParamsSchema = z.strictObject({
  type: z.literal('shared-prefix'),
  num_groups: posInt(),
  num_prompts_per_group: posInt(),
  /** Tokens of the shared system prompt. */
  system_prompt_len: nonNegInt(),
  /** Tokens of each request's own question. */
  question_len: LengthSchema,
  output_len: LengthSchema,
  /** Zipf exponent for group popularity (group 0 most popular); absent = every group equally often. */
  zipf_s: posNum().optional(),
  /** Control: every request gets its own system prompt of the same length, so nothing is shareable. */
  zero_reuse: z.boolean().default(false),
  /** Send each group's prompts back to back instead of shuffled (inference-perf's materialized order). */
  ordered: z.boolean().default(false),
  ...CommonWorkloadFields,
});
export type SharedPrefixParams = z.infer<typeof SharedPrefixParamsSchema>;

interface Question {
  text: string;
  outputLen: number;
}

export function sharedPrefixWorkload(params: SharedPrefixParams, ctx: WorkloadContext): WorkloadStream {
  const p = params;
  const tok = getPromptTokenizer(p.tokenizer);
  const model = p.model ?? ctx.model;
  const seed = ctx.seed;

  // Content is drawn per (group, question) from its own sub-stream, so it does not depend on send order,
  // and made on first use, so a 512-group profile does not pay for every prompt before the first request.
  const systemPrompts = new Map<number, string>();
  const systemPrompt = (g: number) => {
    let text = systemPrompts.get(g);
    if (text === undefined) systemPrompts.set(g, (text = tok.words(p.system_prompt_len, subRng(seed, 'sp', 'system', g))));
    return text;
  };
  const questions = new Map<number, Question>();
  const question = (g: number, q: number): Question => {
    const key = g * p.num_prompts_per_group + q;
    let made = questions.get(key);
    if (!made) {
      const rng = subRng(seed, 'sp', 'question', g, q);
      const len = sampleLength(p.question_len, rng);
      questions.set(key, (made = { text: tok.words(len, rng), outputLen: sampleLength(p.output_len, rng) }));
    }
    return made;
  };
  const passSize = p.num_groups * p.num_prompts_per_group;

  const zipfCdf = p.zipf_s === undefined ? null : zipfCumulative(p.num_groups, p.zipf_s);

  function passOrder(pass: number): [number, number][] {
    if (zipfCdf) {
      // Popular groups get more requests; a group's questions are used in turn (cycling if it gets more).
      const rng = subRng(seed, 'sp', 'zipf', pass);
      const used = new Array<number>(p.num_groups).fill(0);
      return Array.from({ length: passSize }, () => {
        const g = pickCumulative(zipfCdf, rng());
        return [g, used[g]!++ % p.num_prompts_per_group] as [number, number];
      });
    }
    const order: [number, number][] = [];
    for (let g = 0; g < p.num_groups; g++) for (let q = 0; q < p.num_prompts_per_group; q++) order.push([g, q]);
    return p.ordered ? order : shuffle(order, subRng(seed, 'sp', 'order', pass));
  }

  function* requests(): IterableIterator<RequestSpec> {
    for (let pass = 0; ; pass++) {
      const order = passOrder(pass);
      for (let i = 0; i < order.length; i++) {
        const [g, q] = order[i]!;
        const { text, outputLen } = question(g, q);
        const system = p.zero_reuse ? tok.words(p.system_prompt_len, subRng(seed, 'sp', 'unique', pass, i)) : systemPrompt(g);
        const messages =
          p.system_prompt_len > 0
            ? [
                { role: 'system' as const, content: system },
                { role: 'user' as const, content: text },
              ]
            : [{ role: 'user' as const, content: text }];
        yield buildRequest(
          {
            api: p.api,
            model,
            messages,
            maxTokens: outputLen,
            groupId: p.zero_reuse ? `unique-${pass}-${i}` : `group-${g}`,
            tags: { reuse: p.zero_reuse ? 'none' : 'shared' },
          },
          tok,
        );
      }
    }
  }

  return { type: 'shared-prefix', tokenizer: tok.name, passSize, requests };
}

/** Cumulative Zipf weights 1/k^s for ranks 1..n, normalized to end at 1. */
export function zipfCumulative(n: number, s: number): number[] {
  const w = Array.from({ length: n }, (_, k) => 1 / Math.pow(k + 1, s));
  const total = w.reduce((a, b) => a + b, 0);
  let acc = 0;
  return w.map((x) => (acc += x / total));
}

export function pickCumulative(cdf: readonly number[], u: number): number {
  for (let i = 0; i < cdf.length; i++) if (u < cdf[i]!) return i;
  return cdf.length - 1;
}
