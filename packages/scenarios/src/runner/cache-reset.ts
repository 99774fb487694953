// Cold prefix caches before a prefix-cache claim is measured: a rerun against the same pods would otherwise
// start with the previous run's prefixes cached and report hits the routing did not earn. vLLM resets its
// prefix cache on POST /reset_prefix_cache, served only with VLLM_SERVER_DEV_MODE=1 (vllm/entrypoints/openai/
// api_server.py; 404 without it), so the outcome per pod is evidence: reset, not allowed, or unreachable.
// The simulated pods serve the endpoint. vLLM's --api-key guards only /v1 paths, so no credentials are sent.
import type { CacheState, MetricsSourceInput } from '@routebench/core';
import type { Scenario } from '../scenario.ts';

/** Claims whose verdict depends on what the pods had cached before the run. */
const CACHE_CLAIMS = new Set(['prefix-cache-hit-rate']);

export function needsCacheReset(scenario: Pick<Scenario, 'claims'>): boolean {
  return scenario.claims.some((c) => CACHE_CLAIMS.has(c.id));
}

/** Pod name → server base URL, from the static metrics targets that are pods (not the EPP): the pod's /metrics URL minus its path. */
export function podBaseUrls(sources: readonly MetricsSourceInput[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of sources) {
    if (s.kind !== 'static') continue;
    for (const t of s.targets) {
      if (t.role === 'epp' || (!t.role && t.name === 'epp')) continue;
      try {
        const u = new URL(t.url);
        out[t.name] = u.origin;
      } catch {
        // an unparseable URL fails at scrape time with its own error; nothing to reset here
      }
    }
  }
  return out;
}

/** POST /reset_prefix_cache to every pod, in parallel; never throws. */
export async function resetPrefixCaches(pods: Record<string, string>, opts: { timeoutMs?: number } = {}): Promise<CacheState> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const entries = await Promise.all(
    Object.entries(pods).map(async ([name, base]) => {
      try {
        const r = await fetch(`${base}/reset_prefix_cache`, { method: 'POST', signal: AbortSignal.timeout(timeoutMs) });
        await r.arrayBuffer().catch(() => undefined);
        const outcome = r.ok ? 'reset' : r.status === 404 || r.status === 405 ? 'not-allowed' : 'failed';
        return [name, { outcome, httpStatus: r.status }] as const;
      } catch {
        return [name, { outcome: 'unreachable', httpStatus: null }] as const;
      }
    }),
  );
  const podsOut: CacheState['pods'] = Object.fromEntries(entries);
  return { pods: podsOut, cold: entries.length > 0 && entries.every(([, v]) => v.outcome === 'reset') };
}

/** One line for summaries and logs: "reset: a, b" / "not-allowed: c (404)". */
export function describeCacheState(c: CacheState): string {
  if (Object.keys(c.pods).length === 0) return 'no pod URLs known: cache state unknown';
  const by = new Map<string, string[]>();
  for (const [name, v] of Object.entries(c.pods)) by.set(v.outcome, [...(by.get(v.outcome) ?? []), v.httpStatus && v.outcome !== 'reset' ? `${name} (${v.httpStatus})` : name]);
  return [...by].map(([o, ns]) => `${o}: ${ns.join(', ')}`).join('; ');
}
