// queue-scorer, kv-cache-utilization-scorer, load-aware-scorer: the exact §1.3 formulas.
import { describe, expect, it } from 'vitest';
import { createKvCacheUtilizationScorer } from '../../../src/epp/plugins/kv-cache-utilization-scorer.ts';
import { loadAwareScore } from '../../../src/epp/plugins/load-aware-scorer.ts';
import { createQueueScorer } from '../../../src/epp/plugins/queue-scorer.ts';
import { chatReq, ep } from '../endpoints.ts';

describe('queue-scorer', () => {
  it('min-max: (max − q)/(max − min), all equal → 1', () => {
    const s = createQueueScorer('q').score(chatReq('x'), [ep('a', { waiting: 0 }), ep('b', { waiting: 4 }), ep('c', { waiting: 1 })], new Map());
    expect([...s]).toEqual([['a', 1], ['b', 0], ['c', 0.75]]);
    const eq = createQueueScorer('q').score(chatReq('x'), [ep('a', { waiting: 3 }), ep('b', { waiting: 3 })], new Map());
    expect([...eq.values()]).toEqual([1, 1]);
  });
});

describe('kv-cache-utilization-scorer', () => {
  it('1 − usage', () => {
    const s = createKvCacheUtilizationScorer('k').score(chatReq('x'), [ep('a', { kvUsage: 0.25 }), ep('b', { kvUsage: 1 })], new Map());
    expect([...s]).toEqual([['a', 0.75], ['b', 0]]);
  });
});

describe('load-aware-scorer', () => {
  it('0.5 when idle, 0.5×(1 − min(q,t)/t) otherwise', () => {
    expect(loadAwareScore(0, 128)).toBe(0.5);
    expect(loadAwareScore(64, 128)).toBe(0.25);
    expect(loadAwareScore(500, 128)).toBe(0);
  });
});
