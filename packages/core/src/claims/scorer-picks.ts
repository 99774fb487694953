// Decision-time evidence from the EPP's V(4) log: for each request, one scorer's raw per-endpoint
// scores joined with the endpoint the scheduler picked. Answers "did this scorer's preference decide
// the pick?" without the blur of a metrics scrape interval.
//
// Upstream shapes (see upstream/epp-logs.ts for citations):
//   "Calculated score"  one line per endpoint: plugin "name/type", endpoint NamespacedName {name:"<pod>-rank-N",namespace}
//                       (or "ns/name"), score — V(4)
//   "Completed running picker plugin successfully"  result.TargetEndpoints[0] with NamespacedName / Address / Port — V(4)
//   "Request handled"   endpoint "ip:port[,…]" — V(3)
// Older routebench simulator shape (still read): "Calculated score" with a `scores` {pod: s} map, "Request handled" with `pod`.
import { CALCULATED_SCORE, EPP_REQUEST_ID_KEY, PICKER_RESULT, REQUEST_HANDLED, parseZapLine, pluginMatches, podOfScoredEndpoint } from '../upstream/epp-logs.ts';

export interface ScorerPicks {
  /** Requests whose scorer scores differed by more than the tie epsilon. */
  decisive: number;
  /** …of which the picked pod had this scorer's highest score. */
  towardMax: number;
  share: number;
}

/**
 * @param addresses ip:port → pod name, to resolve a "Request handled" endpoint when no picker line names the pod.
 */
export function readScorerPicks(
  log: string | readonly string[] | undefined,
  plugin: string,
  tieEpsilon: number,
  addresses: Record<string, string> = {},
): ScorerPicks | null {
  if (log === undefined) return null;
  const texts = typeof log === 'string' ? [log] : log;
  const scoresById = new Map<string, Record<string, number>>();
  const pickById = new Map<string, string>();
  const handledById = new Map<string, string>();
  for (const text of texts) {
    for (const line of text.split(/\r?\n/)) {
      if (!line.includes(CALCULATED_SCORE.msg) && !line.includes(REQUEST_HANDLED.msg) && !line.includes(PICKER_RESULT.msg)) continue;
      const obj = parseZapLine(line);
      if (!obj) continue;
      const id = obj[EPP_REQUEST_ID_KEY];
      if (typeof id !== 'string') continue;
      if (obj.msg === CALCULATED_SCORE.msg && pluginMatches(obj.plugin, plugin)) {
        const scores = scoresById.get(id) ?? {};
        if (obj.scores && typeof obj.scores === 'object') Object.assign(scores, obj.scores);
        const pod = podOfScoredEndpoint(obj.endpoint);
        if (pod && typeof obj.score === 'number') scores[pod] = obj.score;
        scoresById.set(id, scores);
      } else if (obj.msg === PICKER_RESULT.msg) {
        const pod = pickerPod(obj.result);
        if (pod) pickById.set(id, pod);
      } else if (obj.msg === REQUEST_HANDLED.msg) {
        if (typeof obj.pod === 'string') pickById.set(id, obj.pod);
        else if (typeof obj.endpoint === 'string' && obj.endpoint !== '') handledById.set(id, obj.endpoint.split(',')[0]!);
      }
    }
  }
  if (scoresById.size === 0) return null;
  let decisive = 0;
  let towardMax = 0;
  for (const [id, scores] of scoresById) {
    const handled = handledById.get(id);
    const pod = pickById.get(id) ?? (handled !== undefined ? (addresses[handled] ?? handled) : undefined);
    if (!pod || !(pod in scores)) continue;
    const vals = Object.values(scores).filter((v) => typeof v === 'number');
    if (vals.length < 2) continue;
    const max = Math.max(...vals);
    if (max - Math.min(...vals) <= tieEpsilon) continue;
    decisive++;
    if (scores[pod] === max) towardMax++;
  }
  return { decisive, towardMax, share: decisive > 0 ? towardMax / decisive : 0 };
}

function pickerPod(result: unknown): string | null {
  if (!result || typeof result !== 'object') return null;
  const list = (result as Record<string, unknown>).TargetEndpoints;
  if (!Array.isArray(list) || list.length === 0) return null;
  const first = list[0] as Record<string, unknown>;
  if (typeof first?.PodName === 'string' && first.PodName !== '') return first.PodName;
  return podOfScoredEndpoint(first?.NamespacedName ?? (first?.Endpoint as Record<string, unknown> | undefined)?.NamespacedName);
}
