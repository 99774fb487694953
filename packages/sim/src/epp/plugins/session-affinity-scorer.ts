// session-affinity-scorer (SCHED v0.4.0 pkg/plugins/scorer/session_affinity.go): request header
// x-session-token = base64("<namespace>/<pod>") → that pod scores 1, others 0; the response carries
// the token of the pod that served. The simulator sets it at response-header time (SCHED ≤v0.3 and
// llm-d-router after PR #1597), so clients can actually see it.
import type { ScorerPlugin } from '../scheduling-types.ts';

export const SESSION_TOKEN_HEADER = 'x-session-token';

export function encodeSessionToken(namespace: string, pod: string): string {
  return Buffer.from(`${namespace}/${pod}`).toString('base64');
}

export function createSessionAffinityScorer(name: string): ScorerPlugin {
  return {
    kind: 'scorer',
    type: 'session-affinity-scorer',
    name,
    score(req, endpoints) {
      const token = req.headers[SESSION_TOKEN_HEADER];
      const wanted = token ? Buffer.from(token, 'base64').toString('utf8') : '';
      return new Map(endpoints.map((e) => [e.name, wanted === `${e.namespace}/${e.name}` ? 1 : 0]));
    },
    responseHeaders(_req, result): Record<string, string> {
      const t = result.profileResults[result.primaryProfileName]?.targets[0];
      return t ? { [SESSION_TOKEN_HEADER]: encodeSessionToken(t.namespace, t.name) } : {};
    },
  };
}
