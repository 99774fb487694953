// The precise prefix scorer's per-endpoint scores, from EPP log lines at verbose level:
//   {"plugin":"precise-prefix-cache-scorer","endpoint":"89bgk","score":1}
//   {"msg":"Got endpoint scores","scores":{"10.42.0.98:8000":2}}   (kv-cache-manager, raw block counts)
// The seed's failure shows as every score 0 (or null / {} maps) for every request.

export interface PreciseScores {
  /** Score observations read. */
  observations: number;
  nonZero: number;
  /** Lines that reported an empty or null score map. */
  emptyMaps: number;
}

const PLUGIN = 'precise-prefix-cache-scorer';

export function readPreciseScores(log: string | readonly string[] | undefined): PreciseScores | null {
  if (log === undefined) return null;
  const texts = typeof log === 'string' ? [log] : log;
  const out: PreciseScores = { observations: 0, nonZero: 0, emptyMaps: 0 };
  let seen = false;
  for (const text of texts) {
    for (const line of text.split(/\r?\n/)) {
      if (!line.includes(PLUGIN) && !line.includes('Got endpoint scores')) continue;
      const start = line.indexOf('{');
      if (start < 0) continue;
      let obj: Record<string, unknown>;
      try {
        obj = JSON.parse(line.slice(start)) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (obj.plugin === PLUGIN && typeof obj.score === 'number') {
        seen = true;
        out.observations++;
        if (obj.score !== 0) out.nonZero++;
      } else if (obj.msg === 'Got endpoint scores') {
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
