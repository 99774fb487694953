import { describe, expect, it } from 'vitest';
import { readScorerPicks } from '../../src/claims/scorer-picks.ts';

const scored = (id: string, scores: Record<string, number>, plugin = 'kv-cache-utilization-scorer') =>
  JSON.stringify({ level: 'debug', msg: 'Calculated score', plugin, 'x-request-id': id, scores });
const handled = (id: string, pod: string) => JSON.stringify({ level: 'info', msg: 'Request handled', 'x-request-id': id, pod, endpoint: '127.0.0.1:1' });

describe('scorer picks from the EPP debug log', () => {
  it('counts requests sent to the pod the scorer preferred, ignoring ties and other scorers', () => {
    const log = [
      scored('a', { p0: 0.9, p1: 0.5 }),
      handled('a', 'p0'), // toward max
      scored('b', { p0: 0.4, p1: 0.8 }),
      handled('b', 'p0'), // against
      scored('c', { p0: 0.7, p1: 0.705 }),
      handled('c', 'p1'), // tie within epsilon: not decisive
      scored('d', { p0: 1, p1: 0 }, 'queue-scorer'),
      handled('d', 'p1'), // other plugin: ignored
      'not json at all',
      scored('e', { p0: 0.2, p1: 0.9 }), // no handled line: ignored
    ].join('\n');
    expect(readScorerPicks(log, 'kv-cache-utilization-scorer', 0.02)).toEqual({ decisive: 2, towardMax: 1, share: 0.5 });
  });

  it('returns null when the log has no lines for the scorer', () => {
    expect(readScorerPicks(handled('a', 'p0'), 'kv-cache-utilization-scorer', 0.02)).toBeNull();
    expect(readScorerPicks(undefined, 'kv-cache-utilization-scorer', 0.02)).toBeNull();
  });
});
