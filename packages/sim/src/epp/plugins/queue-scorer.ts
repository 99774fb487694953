// queue-scorer (GIE v1.2.0 plugins/scorer/queue.go): min-max over the candidates' waiting queue,
// score = (max − q)/(max − min); all equal → 1.0.
import type { Endpoint, ScorerPlugin, Scores } from '../scheduling-types.ts';

export function queueScores(endpoints: Endpoint[]): Scores {
  const qs = endpoints.map((e) => e.metrics.waiting);
  const min = Math.min(...qs);
  const max = Math.max(...qs);
  return new Map(endpoints.map((e) => [e.name, max === min ? 1 : (max - e.metrics.waiting) / (max - min)]));
}

export function createQueueScorer(name: string): ScorerPlugin {
  return { kind: 'scorer', type: 'queue-scorer', name, score: (_req, endpoints) => queueScores(endpoints) };
}
