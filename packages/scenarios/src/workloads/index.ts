// The workload union (discriminated by `type`) and the one entry point that turns a validated workload
// into a request stream.
import { z } from 'zod';
import { LongPromptParamsSchema, longPromptWorkload } from './long-prompt.ts';
import { MultiModelParamsSchema, multiModelWorkload } from './multi-model.ts';
import { MultiTurnParamsSchema, multiTurnWorkload } from './multi-turn.ts';
import { RandomParamsSchema, randomWorkload } from './random.ts';
import { ShareGptParamsSchema, shareGptWorkload } from './sharegpt.ts';
import { SharedPrefixParamsSchema, sharedPrefixWorkload } from './shared-prefix.ts';
import type { WorkloadContext, WorkloadStream } from './common.ts';

export const WorkloadSchema = z.discriminatedUnion('type', [
  SharedPrefixParamsSchema,
  LongPromptParamsSchema,
  MultiModelParamsSchema,
  ShareGptParamsSchema,
  RandomParamsSchema,
  MultiTurnParamsSchema,
]);
export type Workload = z.infer<typeof WorkloadSchema>;
export type WorkloadInput = z.input<typeof WorkloadSchema>;
export type WorkloadType = Workload['type'];

export const WORKLOAD_TYPES: readonly WorkloadType[] = ['shared-prefix', 'long-prompt', 'multi-model', 'sharegpt', 'random', 'multi-turn'];

export function createWorkload(workload: Workload, ctx: WorkloadContext): WorkloadStream {
  switch (workload.type) {
    case 'shared-prefix':
      return sharedPrefixWorkload(workload, ctx);
    case 'long-prompt':
      return longPromptWorkload(workload, ctx);
    case 'multi-model':
      return multiModelWorkload(workload, ctx);
    case 'sharegpt':
      return shareGptWorkload(workload, ctx);
    case 'random':
      return randomWorkload(workload, ctx);
    case 'multi-turn':
      return multiTurnWorkload(workload, ctx);
  }
}

export * from './common.ts';
export * from './shared-prefix.ts';
export * from './long-prompt.ts';
export * from './multi-model.ts';
export * from './sharegpt.ts';
export * from './random.ts';
export * from './multi-turn.ts';
export { allocate, proportionalPass } from './proportions.ts';
