// decode-filter (SCHED v0.4.0): keeps pods labelled llm-d.ai/role ∈ {decode, both} or unlabelled
// (our role 'both' stands for both of those).
import type { FilterPlugin } from '../scheduling-types.ts';
import { roleFilter } from './role-filter.ts';

export function createDecodeFilter(name: string): FilterPlugin {
  return roleFilter('decode-filter', name, (e) => e.role === 'decode' || e.role === 'both');
}
