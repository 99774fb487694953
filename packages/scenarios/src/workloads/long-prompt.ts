// Prompts on both sides of a P/D threshold: short ones well below `threshold_tokens` (should stay
// decode-only), long ones well above (should be split into prefill + decode). Every prompt is unique, so
// no prefix-cache hit can turn a long prompt into a "short" one. `long_ratio` mixes the two classes.
// Lengths are in tokens of the workload's tokenizer; llm-d's prefix-based-pd-decider estimates tokens as
// bytes/4 of the request's messages JSON, so keep a wide margin (the pd presets' test checks that estimate).
import { z } from 'zod';
import type { RequestSpec } from '@routebench/core';
import { getPromptTokenizer } from '../prompt-tokenizer.ts';
import { posInt } from '../schema-parts.ts';
import { buildRequest, CommonWorkloadFields, LengthSchema, sampleLength, subRng, type WorkloadContext, type WorkloadStream } from './common.ts';
import { proportionalPass } from './proportions.ts';

export const LongPromptParamsSchema = z
  .strictObject({
    type: z.literal('long-prompt'),
    threshold_tokens: posInt(),
    /** Short prompt length; default a quarter of the threshold. */
    short_len: posInt().optional(),
    /** Long prompt length; default four times the threshold. */
    long_len: posInt().optional(),
    /** Share of long prompts, 0..1 (0 = all short, 1 = all long). */
    long_ratio: z.number({ error: 'expected a number from 0 to 1' }).min(0, { error: 'expected a number from 0 to 1' }).max(1, { error: 'expected a number from 0 to 1' }).default(0.5),
    /** Requests per pass; the ratio is exact within each pass. */
    pass_size: posInt().default(20),
    output_len: LengthSchema.default(32),
    ...CommonWorkloadFields,
  })
  .superRefine((p, ctx) => {
    if (p.short_len !== undefined && p.short_len >= p.threshold_tokens)
      ctx.addIssue({ code: 'custom', path: ['short_len'], message: `must be below threshold_tokens (${p.threshold_tokens})` });
    if (p.long_len !== undefined && p.long_len <= p.threshold_tokens)
      ctx.addIssue({ code: 'custom', path: ['long_len'], message: `must be above threshold_tokens (${p.threshold_tokens})` });
  });
export type LongPromptParams = z.infer<typeof LongPromptParamsSchema>;

export function promptLengths(p: LongPromptParams): { short: number; long: number } {
  return {
    short: p.short_len ?? Math.max(1, Math.floor(p.threshold_tokens / 4)),
    long: p.long_len ?? p.threshold_tokens * 4,
  };
}

export function longPromptWorkload(params: LongPromptParams, ctx: WorkloadContext): WorkloadStream {
  const p = params;
  const tok = getPromptTokenizer(p.tokenizer);
  const model = p.model ?? ctx.model;
  const lens = promptLengths(p);

  function* requests(): IterableIterator<RequestSpec> {
    for (let pass = 0; ; pass++) {
      const classes = proportionalPass([1 - p.long_ratio, p.long_ratio], p.pass_size, subRng(ctx.seed, 'lp', 'order', pass));
      for (let i = 0; i < classes.length; i++) {
        const cls = classes[i] === 1 ? 'long' : 'short';
        const rng = subRng(ctx.seed, 'lp', 'prompt', pass, i);
        const text = tok.words(cls === 'long' ? lens.long : lens.short, rng);
        yield buildRequest(
          {
            api: p.api,
            model,
            messages: [{ role: 'user', content: text }],
            maxTokens: sampleLength(p.output_len, rng),
            tags: { class: cls },
          },
          tok,
        );
      }
    }
  }
  return { type: 'long-prompt', tokenizer: tok.name, passSize: p.pass_size, requests };
}
