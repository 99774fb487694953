// Decision-time evidence from the EPP's debug log: for each request, one scorer's raw per-pod scores
// ({"msg":"Calculated score","plugin":…,"x-request-id":…,"scores":{pod: s}}) joined with the pod the
// request was sent to ("Request handled" … "pod"/"endpoint"). Answers "did this scorer's preference
// decide the pick?" without the blur of a metrics scrape interval.

export interface ScorerPicks {
  /** Requests whose scorer scores differed by more than the tie epsilon. */
  decisive: number;
  /** …of which the picked pod had this scorer's highest score. */
  towardMax: number;
  share: number;
}

interface ParsedLine {
  msg?: unknown;
  plugin?: unknown;
  scores?: unknown;
  pod?: unknown;
  endpoint?: unknown;
  [k: string]: unknown;
}

export function readScorerPicks(log: string | readonly string[] | undefined, plugin: string, tieEpsilon: number): ScorerPicks | null {
  if (log === undefined) return null;
  const texts = typeof log === 'string' ? [log] : log;
  const scoresById = new Map<string, Record<string, number>>();
  const pickById = new Map<string, string>();
  for (const text of texts) {
    for (const line of text.split(/\r?\n/)) {
      if (!line.includes('Calculated score') && !line.includes('Request handled')) continue;
      const start = line.indexOf('{');
      if (start < 0) continue;
      let obj: ParsedLine;
      try {
        obj = JSON.parse(line.slice(start)) as ParsedLine;
      } catch {
        continue;
      }
      const id = obj['x-request-id'];
      if (typeof id !== 'string') continue;
      if (obj.msg === 'Calculated score' && obj.plugin === plugin && obj.scores && typeof obj.scores === 'object') {
        scoresById.set(id, obj.scores as Record<string, number>);
      } else if (obj.msg === 'Request handled' && typeof obj.pod === 'string') {
        pickById.set(id, obj.pod);
      }
    }
  }
  if (scoresById.size === 0) return null;
  let decisive = 0;
  let towardMax = 0;
  for (const [id, scores] of scoresById) {
    const pod = pickById.get(id);
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
