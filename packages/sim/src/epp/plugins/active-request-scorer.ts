// active-request-scorer (SCHED v0.4.0 pkg/plugins/scorer/active_request.go): the EPP counts its own
// in-flight requests per pod (PreRequest +1, ResponseComplete −1, entries expire after requestTimeout,
// default 2m); score = (maxCount − count)/maxCount over the candidates, 1.0 when the pod has none.
import { parseGoDuration } from '../config.ts';
import type { ScorerPlugin } from '../scheduling-types.ts';

export function createActiveRequestScorer(name: string, params: { requestTimeout?: string }, now: () => number = Date.now): ScorerPlugin {
  const ttlMs = params.requestTimeout ? parseGoDuration(params.requestTimeout) : 120_000;
  // requestId → {pods, expires}: the TTL stands in for responses the EPP never sees complete.
  const inflight = new Map<string, { pods: string[]; expires: number }>();
  const counts = new Map<string, number>();
  const dec = (pods: string[]) => {
    for (const p of pods) counts.set(p, Math.max(0, (counts.get(p) ?? 0) - 1));
  };
  const expire = () => {
    const t = now();
    for (const [id, e] of inflight) if (e.expires <= t) (dec(e.pods), inflight.delete(id));
  };
  return {
    kind: 'scorer',
    type: 'active-request-scorer',
    name,
    score(_req, endpoints) {
      expire();
      const max = Math.max(0, ...endpoints.map((e) => counts.get(e.name) ?? 0));
      return new Map(endpoints.map((e) => {
        const c = counts.get(e.name) ?? 0;
        return [e.name, c === 0 || max === 0 ? 1 : (max - c) / max];
      }));
    },
    preRequest(req, result) {
      const pods = Object.values(result.profileResults).flatMap((r) => r?.targets.map((t) => t.name) ?? []);
      for (const p of pods) counts.set(p, (counts.get(p) ?? 0) + 1);
      inflight.set(req.requestId, { pods, expires: now() + ttlMs });
    },
    responseComplete(req) {
      const e = inflight.get(req.requestId);
      if (!e) return;
      inflight.delete(req.requestId);
      dec(e.pods);
    },
  };
}
