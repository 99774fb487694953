// Reads upstream-shaped EPP lines (fixtures/upstream-epp-logs, see SOURCE.md there for the log calls).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { endpointFromString, parseEppLog } from '../../../src/evidence/attribution/epp-log.ts';
import { readScorerPicks } from '../../../src/claims/scorer-picks.ts';
import { readPreciseScores } from '../../../src/claims/precise-scores.ts';

const fixture = (f: string) => readFileSync(join(import.meta.dirname, '../fixtures/upstream-epp-logs', f), 'utf8');

describe('upstream EPP log readers', () => {
  it('joins "Request handled" (V3) on x-request-id, JSON and console encodings, with kubectl --prefix', () => {
    const json = parseEppLog(fixture('v07-json.log'));
    expect(json.picks.get('req-1')).toBe('10.0.0.1:8000');
    const console = parseEppLog(fixture('router-console.log'));
    expect(console.picks.get('req-2')).toBe('10.0.0.2:8000');
    // "Calculated score" lines name candidates, not the pick: they must not become picks.
    expect(console.picks.size).toBe(1);
  });

  it('reads per-endpoint "Calculated score" lines with plugin name/type and NamespacedName endpoints', () => {
    // v0.7: the picker line names decode-a, which had the kv scorer's max (0.9).
    expect(readScorerPicks(fixture('v07-json.log'), 'kv-cache-utilization-scorer', 0.01)).toEqual({ decisive: 1, towardMax: 1, share: 1 });
    // router console form: no picker line; the Request handled address resolves through the alias map.
    expect(readScorerPicks(fixture('router-console.log'), 'kv-cache-utilization-scorer', 0.01, { '10.0.0.2:8000': 'decode-b' })).toEqual({ decisive: 1, towardMax: 1, share: 1 });
    // Unresolvable address → the request is not counted (it must not be guessed).
    expect(readScorerPicks(fixture('router-console.log'), 'kv-cache-utilization-scorer', 0.01)).toEqual({ decisive: 0, towardMax: 0, share: 0 });
  });

  it('reads precise-prefix scores from "Got endpoint scores" and the generic per-endpoint lines', () => {
    // 2 raw block counts (3, 0) + 2 Calculated score lines (1, 0).
    expect(readPreciseScores(fixture('v07-json.log'))).toEqual({ observations: 4, nonZero: 2, emptyMaps: 0 });
    expect(readPreciseScores(fixture('router-console.log'))).toBeNull();
  });
});

describe('EPP log lines captured on real deployments (fixtures/captured-epp-logs, see SOURCE.md)', () => {
  const captured = (f: string) => readFileSync(join(import.meta.dirname, '../fixtures/captured-epp-logs', f), 'utf8');

  it('an older GIE "Request handled" with a %+v endpoint struct and duplicate keys names the pod', () => {
    const p = parseEppLog(captured('kserve-gie-director251.log'));
    expect(p.jsonLines).toBe(3);
    expect(p.unparsableLines).toBe(0);
    expect([...p.picks]).toEqual([
      ['4a3f6247-d02f-4a57-9a90-9b25b2daa18c', 'qwen-instruct-kserve-6899dd5fb8-tqwn8'],
      ['bea219be-aa44-443a-be27-75000338caf8', 'qwen-instruct-kserve-6899dd5fb8-tqwn8'],
      ['a6085a71-774b-4f48-89fb-79f44c212605', 'qwen-instruct-kserve-6899dd5fb8-tqwn8'],
    ]);
  });

  it('endpoint strings: the primary of a comma list, a struct with a nested NamespacedName, an address-only struct', () => {
    expect(endpointFromString('10.0.0.1:8000,10.0.0.2:8000')).toBe('10.0.0.1:8000');
    expect(endpointFromString('{NamespacedName:{Namespace:ns Name:pod-a-rank-0} PodName:pod-a Address:10.0.0.9 Port:8000}')).toBe('pod-a');
    expect(endpointFromString('{Address:10.0.0.9 Port:8000}')).toBe('10.0.0.9:8000');
    expect(endpointFromString('decode-0')).toBe('decode-0');
  });

  it('precise-prefix-cache-scorer lines from the llm-d guide: a cold request scores 0 everywhere, a warm one does not', () => {
    expect(readPreciseScores(captured('llmd-precise-guide-cold.log'))).toEqual({ observations: 8, nonZero: 0, emptyMaps: 0 });
    expect(readPreciseScores(captured('llmd-precise-guide-warm.log'))).toEqual({ observations: 2, nonZero: 1, emptyMaps: 0 });
    // Not picks: "Calculated score" names candidates.
    expect(parseEppLog(captured('llmd-precise-guide-warm.log')).picks.size).toBe(0);
  });
});
