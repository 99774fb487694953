// kv-cache-utilization-scorer (GIE v1.2.0 plugins/scorer/kvcache_utilization.go): score = 1 − KV usage.
import type { ScorerPlugin } from '../scheduling-types.ts';

export function createKvCacheUtilizationScorer(name: string): ScorerPlugin {
  return {
    kind: 'scorer',
    type: 'kv-cache-utilization-scorer',
    name,
    score: (_req, endpoints) => new Map(endpoints.map((e) => [e.name, 1 - e.metrics.kvUsage])),
  };
}
