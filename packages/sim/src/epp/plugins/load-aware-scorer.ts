// load-aware-scorer (SCHED v0.4.0 pkg/plugins/scorer/load_aware.go): an idle queue scores 0.5, a
// queue at or above `threshold` (default 128) scores 0, linear in between.
import type { ScorerPlugin } from '../scheduling-types.ts';

export function loadAwareScore(waiting: number, threshold: number): number {
  if (waiting === 0) return 0.5;
  return 0.5 * (1 - Math.min(waiting, threshold) / threshold);
}

export function createLoadAwareScorer(name: string, params: { threshold?: number }): ScorerPlugin {
  const threshold = params.threshold ?? 128;
  return {
    kind: 'scorer',
    type: 'load-aware-scorer',
    name,
    score: (_req, endpoints) => new Map(endpoints.map((e) => [e.name, loadAwareScore(e.metrics.waiting, threshold)])),
  };
}
