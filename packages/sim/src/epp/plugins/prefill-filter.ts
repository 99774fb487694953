// prefill-filter (SCHED v0.4.0): keeps pods labelled llm-d.ai/role=prefill.
import type { FilterPlugin } from '../scheduling-types.ts';
import { roleFilter } from './role-filter.ts';

export function createPrefillFilter(name: string): FilterPlugin {
  return roleFilter('prefill-filter', name, (e) => e.role === 'prefill');
}
