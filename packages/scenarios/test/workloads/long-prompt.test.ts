import { describe, expect, it } from 'vitest';
import { countTokens } from '@routebench/core';
import { LongPromptParamsSchema, longPromptWorkload, take } from '../../src/workloads/index.ts';

const ctx = { seed: 3, model: 'm' };
const make = (extra: Record<string, unknown> = {}) =>
  longPromptWorkload(LongPromptParamsSchema.parse({ type: 'long-prompt', threshold_tokens: 256, ...extra }), ctx);

describe('long-prompt workload', () => {
  it('short prompts sit well below the threshold, long ones well above, tagged by class', () => {
    const rs = take(make(), 40);
    for (const r of rs) {
      const n = countTokens(r.messages![0]!.content);
      if (r.tags.class === 'short') expect(n).toBe(64);
      else expect(n).toBe(1024);
    }
  });

  it('the long/short ratio is exact within each pass and the order is shuffled', () => {
    const rs = take(make({ long_ratio: 0.25, pass_size: 20 }), 40);
    for (const pass of [rs.slice(0, 20), rs.slice(20)]) expect(pass.filter((r) => r.tags.class === 'long')).toHaveLength(5);
    const firstLong = rs.findIndex((r) => r.tags.class === 'long');
    expect(rs.slice(0, 20).map((r) => r.tags.class)).not.toEqual([...Array(15).fill('short'), ...Array(5).fill('long')].slice(0, 20));
    expect(firstLong).toBeGreaterThanOrEqual(0);
    expect(take(make({ long_ratio: 0 }), 20).every((r) => r.tags.class === 'short')).toBe(true);
  });

  it('every prompt is unique (no prefix cache hit can make a long prompt short)', () => {
    const rs = take(make(), 60);
    expect(new Set(rs.map((r) => r.messages![0]!.content.split(' ').slice(0, 12).join(' '))).size).toBe(60);
  });

  it('is deterministic per seed', () => {
    expect(JSON.stringify(take(make(), 30))).toBe(JSON.stringify(take(make(), 30)));
  });

  it('explicit lengths must straddle the threshold', () => {
    const r = LongPromptParamsSchema.safeParse({ type: 'long-prompt', threshold_tokens: 100, short_len: 150 });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['short_len']);
  });
});
