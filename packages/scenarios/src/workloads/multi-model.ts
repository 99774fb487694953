// A weighted mix of model names, optionally with a slice addressed to a model nobody serves (the seed
// study's `NonExistentModel`, which must come back as a 404 from vLLM, not be served by some other pod).
import { z } from 'zod';
import type { RequestSpec } from '@routebench/core';
import { getPromptTokenizer } from '../prompt-tokenizer.ts';
import { nonEmptyString, posInt, posNum } from '../schema-parts.ts';
import { buildRequest, CommonWorkloadFields, LengthSchema, sampleLength, subRng, type WorkloadContext, type WorkloadStream } from './common.ts';
import { proportionalPass } from './proportions.ts';

const ModelWeightSchema = z.strictObject({ name: nonEmptyString(), weight: posNum().default(1) });

export const MultiModelParamsSchema = z
  .strictObject({
    type: z.literal('multi-model'),
    models: z.array(ModelWeightSchema).min(1, { error: 'expected at least one model' }),
    /** A slice of requests to a model that is not served (expect HTTP 404). */
    unknown_model: z.strictObject({ name: nonEmptyString().default('NonExistentModel'), weight: posNum().default(1) }).optional(),
    prompt_len: LengthSchema.default(16),
    output_len: LengthSchema.default(16),
    /** Requests per pass; the weights are exact within each pass. */
    pass_size: posInt().default(20),
    ...CommonWorkloadFields,
  })
  .superRefine((p, ctx) => {
    const names = p.models.map((m) => m.name);
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i) ctx.addIssue({ code: 'custom', path: ['models', i, 'name'], message: `model "${n}" is listed twice` });
    });
    if (p.unknown_model && names.includes(p.unknown_model.name))
      ctx.addIssue({ code: 'custom', path: ['unknown_model', 'name'], message: `"${p.unknown_model.name}" is also in models` });
    if (p.model !== undefined)
      ctx.addIssue({ code: 'custom', path: ['model'], message: 'multi-model takes its model names from `models`' });
  });
export type MultiModelParams = z.infer<typeof MultiModelParamsSchema>;

export function multiModelWorkload(params: MultiModelParams, ctx: WorkloadContext): WorkloadStream {
  const p = params;
  const tok = getPromptTokenizer(p.tokenizer);
  const entries = [
    ...p.models.map((m) => ({ name: m.name, weight: m.weight, known: true })),
    ...(p.unknown_model ? [{ name: p.unknown_model.name, weight: p.unknown_model.weight, known: false }] : []),
  ];

  function* requests(): IterableIterator<RequestSpec> {
    for (let pass = 0; ; pass++) {
      const order = proportionalPass(
        entries.map((e) => e.weight),
        p.pass_size,
        subRng(ctx.seed, 'mm', 'order', pass),
      );
      for (let i = 0; i < order.length; i++) {
        const e = entries[order[i]!]!;
        const rng = subRng(ctx.seed, 'mm', 'prompt', pass, i);
        yield buildRequest(
          {
            api: p.api,
            model: e.name,
            messages: [{ role: 'user', content: tok.words(sampleLength(p.prompt_len, rng), rng) }],
            maxTokens: sampleLength(p.output_len, rng),
            tags: { model: e.name, expect: e.known ? 'served' : 'not-found' },
          },
          tok,
        );
      }
    }
  }
  return { type: 'multi-model', tokenizer: tok.name, passSize: p.pass_size, requests };
}
