import { describe, expect, it } from 'vitest';
import { countTokens, type RequestSpec } from '@routebench/core';
import { MultiTurnParamsSchema, multiTurnWorkload, take } from '../../src/workloads/index.ts';

const make = (extra: Record<string, unknown> = {}, seed = 5) =>
  multiTurnWorkload(
    MultiTurnParamsSchema.parse({ type: 'multi-turn', num_sessions: 4, turns_per_session: 3, system_prompt_len: 40, user_len: 12, output_len: 20, ...extra }),
    { seed, model: 'm' },
  );

describe('multi-turn workload', () => {
  it('each later turn carries the earlier conversation, with synthetic replies of the earlier output length', () => {
    const rs = take(make(), 12);
    const bySession = new Map<string, RequestSpec[]>();
    for (const r of rs) bySession.set(r.sessionId!, [...(bySession.get(r.sessionId!) ?? []), r]);
    expect(bySession.size).toBe(4);
    for (const turns of bySession.values()) {
      expect(turns.map((t) => t.turn)).toEqual([1, 2, 3]);
      for (let k = 1; k < turns.length; k++) {
        const prev = turns[k - 1]!.messages!;
        const cur = turns[k]!.messages!;
        expect(cur.slice(0, prev.length)).toEqual(prev);
        const reply = cur[prev.length]!;
        expect(reply.role).toBe('assistant');
        expect(countTokens(reply.content)).toBe(turns[k - 1]!.maxTokens);
        expect(cur).toHaveLength(prev.length + 2);
      }
      expect(turns.every((t) => t.groupId === t.sessionId)).toBe(true);
    }
  });

  it('interleaves sessions, deterministically per seed', () => {
    const ids = take(make(), 12).map((r) => r.sessionId);
    let switches = 0;
    for (let i = 1; i < ids.length; i++) if (ids[i] !== ids[i - 1]) switches++;
    expect(switches).toBeGreaterThan(3);
    expect(JSON.stringify(take(make(), 24))).toBe(JSON.stringify(take(make(), 24)));
    expect(take(make({}, 6), 12).map((r) => r.sessionId)).not.toEqual(ids);
  });

  it('a second pass starts new sessions', () => {
    const rs = take(make({ interleave: false }), 24);
    expect(new Set(rs.map((r) => r.sessionId)).size).toBe(8);
  });
});
