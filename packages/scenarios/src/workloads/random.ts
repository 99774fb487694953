// Independent random prompts: input and output lengths from fixed, uniform or normal distributions
// (inference-perf's `data.type: random`). No structure, so no pass: every request is fresh.
import { z } from 'zod';
import type { RequestSpec } from '@routebench/core';
import { getPromptTokenizer } from '../prompt-tokenizer.ts';
import { buildRequest, CommonWorkloadFields, LengthSchema, sampleLength, subRng, type WorkloadContext, type WorkloadStream } from './common.ts';

export const RandomParamsSchema = z.strictObject({
  type: z.literal('random'),
  input_len: LengthSchema,
  output_len: LengthSchema,
  ...CommonWorkloadFields,
});
export type RandomParams = z.infer<typeof RandomParamsSchema>;

export function randomWorkload(params: RandomParams, ctx: WorkloadContext): WorkloadStream {
  const p = params;
  const tok = getPromptTokenizer(p.tokenizer);
  const model = p.model ?? ctx.model;
  function* requests(): IterableIterator<RequestSpec> {
    for (let i = 0; ; i++) {
      const rng = subRng(ctx.seed, 'random', i);
      const inLen = Math.max(1, sampleLength(p.input_len, rng));
      yield buildRequest(
        { api: p.api, model, messages: [{ role: 'user', content: tok.words(inLen, rng) }], maxTokens: sampleLength(p.output_len, rng) },
        tok,
      );
    }
  }
  return { type: 'random', tokenizer: tok.name, passSize: null, requests };
}
