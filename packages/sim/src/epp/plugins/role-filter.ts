// Shared body of decode-filter and prefill-filter (llm-d.ai/role label).
import type { Endpoint, FilterPlugin } from '../scheduling-types.ts';

export function roleFilter(type: string, name: string, keep: (e: Endpoint) => boolean): FilterPlugin {
  return { kind: 'filter', type, name, filter: (_req, endpoints) => endpoints.filter(keep) };
}
