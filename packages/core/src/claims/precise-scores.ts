// The precise prefix scorer's per-endpoint scores, from EPP log lines at V(4) (upstream/epp-logs.ts cites them):
//   {"msg":"Calculated score","plugin":"<name>/precise-prefix-cache-scorer","endpoint":{"name":…},"score":1}
//       (every generation; the scheduler's generic per-endpoint line)
//   {"msg":"Got endpoint scores","scores":{"10.42.0.98:8000":2}}   (raw block counts; SCHED ≤ v0.7.1 / ROUTER v0.8.0 only)
// Either zap encoding (JSON or console) and the `kubectl logs --prefix` prefix are accepted.
import { CALCULATED_SCORE, GOT_ENDPOINT_SCORES, parseZapLine, pluginMatches } from '../upstream/epp-logs.ts';
// The seed's failure shows as every score 0 (or null / {} maps) for every request.

export interface PreciseScores {
  /** Score observations read. */
  observations: number;
  nonZero: number;
  /** Lines that reported an empty or null score map. */
  emptyMaps: number;
}

/** v0.7's scorer (SCHED v0.7.1 pkg/plugins/scorer/precise_prefix_cache.go). */
export const PRECISE_SCORER_V07 = 'precise-prefix-cache-scorer';
/**
 * llm-d-router: precise routing is `precise-prefix-cache-producer` feeding a `prefix-cache-scorer`
 * (prefixMatchInfoProducerName), so the score lines carry the prefix scorer's TypedName (ROUTER ebab68792
 * deploy/config/epp-precise-prefix-cache-config.yaml).
 */
export const PRECISE_SCORER_ROUTER = 'prefix-cache-scorer';

/** @param plugin the scorer whose "Calculated score" lines to read (type or name; default v0.7's precise scorer). */
export function readPreciseScores(log: string | readonly string[] | undefined, plugin: string = PRECISE_SCORER_V07): PreciseScores | null {
  const PLUGIN = plugin;
  if (log === undefined) return null;
  const texts = typeof log === 'string' ? [log] : log;
  const out: PreciseScores = { observations: 0, nonZero: 0, emptyMaps: 0 };
  let seen = false;
  for (const text of texts) {
    for (const line of text.split(/\r?\n/)) {
      if (!line.includes(PLUGIN) && !line.includes(GOT_ENDPOINT_SCORES.msg)) continue;
      const obj = parseZapLine(line);
      if (!obj) continue;
      if ((obj.msg === CALCULATED_SCORE.msg || obj.msg === undefined) && pluginMatches(obj.plugin, PLUGIN) && typeof obj.score === 'number') {
        seen = true;
        out.observations++;
        if (obj.score !== 0) out.nonZero++;
      } else if (obj.msg === GOT_ENDPOINT_SCORES.msg) {
        seen = true;
        const scores = obj.scores;
        if (scores === null || typeof scores !== 'object' || Object.keys(scores).length === 0) {
          out.emptyMaps++;
          continue;
        }
        for (const v of Object.values(scores as Record<string, unknown>)) {
          if (typeof v !== 'number') continue;
          out.observations++;
          if (v !== 0) out.nonZero++;
        }
      }
    }
  }
  return seen ? out : null;
}
