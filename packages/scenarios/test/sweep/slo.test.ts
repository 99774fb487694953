// The SLO-max search over a target's judged levels, and where two curves cross. The levels here are
// written out by hand (what judgeLevel returns for a level); judgeLevel itself is exercised on real runs
// in run-sweep.test.ts.
import { describe, expect, it } from 'vitest';
import type { VerdictStatus } from '@routebench/core';
import { crossings, findSloMax, nextRefineLevel, type SearchPoint } from '../../src/sweep/slo.ts';
import type { Slo } from '../../src/sweep/ladder.ts';

const TTFT: Slo = { metric: 'ttft', percentile: 90, maxMs: 500 };
const ITL: Slo = { metric: 'itl', percentile: 99, maxMs: 50 };

/** A ladder level whose measured percentiles are `values` (one per SLO) and whose status is `status`. */
function level(lv: number, status: VerdictStatus, values: number[], slos: Slo[] = [TTFT], phase: SearchPoint['phase'] = 'ladder', reason = ''): SearchPoint {
  return {
    level: lv,
    phase,
    judgement: {
      status,
      reason: reason || status,
      slos: slos.map((slo, i) => ({ slo, valueMs: values[i] ?? null, status, confidence: null, details: '' })),
    },
  };
}

describe('findSloMax', () => {
  it('interpolates linearly between the last pass and the first fail on the margin', () => {
    // margin at 10: 250/500 − 1 = −0.5; at 20: 750/500 − 1 = +0.5 → zero half way, at 15.
    const m = findSloMax([level(5, 'Pass', [100]), level(10, 'Pass', [250]), level(20, 'Fail', [750]), level(40, 'Fail', [3000])], [TTFT], 'req/s');
    expect(m).toMatchObject({ basis: 'interpolated', value: 15, lastPass: 10, firstFail: 20 });
    expect(m.binding).toEqual(TTFT);
    expect(m.bindingKey).toBe('ttft.p90<=500');
    expect(m.text).toMatch(/≈ 15 req\/s \(TTFT p90 ≤ 500 ms interpolated linearly between 10 req\/s \(last pass\) and 20 req\/s \(first fail\)\)/);
  });

  it('takes the lowest crossing over several SLOs (the binding one)', () => {
    const m = findSloMax([level(10, 'Pass', [250, 25], [TTFT, ITL]), level(20, 'Fail', [750, 100], [TTFT, ITL])], [TTFT, ITL], 'req/s');
    // ITL: −0.5 → +1 crosses at 10 + 10·(0.5/1.5) ≈ 13.3, under TTFT's 15.
    expect(m.value).toBeCloseTo(13.3, 1);
    expect(m.binding).toEqual(ITL);
  });

  it('a rate level short of its rate binds on the served-rate margin when that crosses first', () => {
    const p = level(20, 'Pass', [200]);
    p.judgement.rateMargin = -0.1;
    const f = level(25, 'Fail', [480], [TTFT], 'ladder', 'served 21 req/s < 90% of the 25 requested');
    f.judgement.rateMargin = 0.1;
    const m = findSloMax([p, f], [TTFT], 'req/s');
    // Latency never crosses (480 < 500); the served rate crosses half way.
    expect(m).toMatchObject({ basis: 'interpolated', value: 22.5, bindingKey: 'served-rate', binding: null });
    expect(m.text).toMatch(/served rate ≥ 90% of requested interpolated linearly/);
  });

  it('a pass above the first fail does not count (noise past the knee)', () => {
    const m = findSloMax([level(10, 'Pass', [250]), level(20, 'Fail', [750]), level(30, 'Pass', [400])], [TTFT], 'req/s');
    expect(m.lastPass).toBe(10);
  });

  it('no level failed: "≥ the highest passing level", saying when higher levels were undecided', () => {
    expect(findSloMax([level(10, 'Pass', [100]), level(20, 'Pass', [200])], [TTFT], 'req/s')).toMatchObject({ basis: 'at-least-max', value: 20 });
    const m = findSloMax([level(10, 'Pass', [100]), level(20, 'Inconclusive', [480])], [TTFT], 'req/s');
    expect(m).toMatchObject({ basis: 'at-least-max', value: 10 });
    expect(m.text).toMatch(/levels above it were inconclusive/);
  });

  it('the lowest level failed: "< lowest", no value', () => {
    const m = findSloMax([level(10, 'Fail', [900]), level(20, 'Fail', [2000])], [TTFT], 'req/s');
    expect(m).toMatchObject({ basis: 'below-lowest', value: null, firstFail: 10 });
    expect(m.text).toMatch(/^< 10 req\/s/);
  });

  it('only undecided levels under the first fail: Inconclusive', () => {
    expect(findSloMax([level(10, 'Inconclusive', [300]), level(20, 'Fail', [900])], [TTFT], 'req/s').basis).toBe('inconclusive');
    expect(findSloMax([level(10, 'Inconclusive', [300])], [TTFT], 'req/s').basis).toBe('inconclusive');
  });

  it('a first fail on errors alone (latency under target) gives the middle of the bracket, and says so', () => {
    const m = findSloMax([level(10, 'Pass', [250]), level(20, 'Fail', [400], [TTFT], 'ladder', 'error rate 20% > 5%')], [TTFT], 'req/s');
    expect(m).toMatchObject({ basis: 'bracket-middle', value: 15 });
    expect(m.text).toMatch(/error rate 20% > 5%/);
  });

  it('leaves serial and probe levels out, and counts refine levels', () => {
    const m = findSloMax([level(1, 'Pass', [10], [TTFT], 'serial'), level(32, 'Fail', [5000], [TTFT], 'probe'), level(10, 'Pass', [250]), level(14, 'Pass', [450], [TTFT], 'refine'), level(20, 'Fail', [750])], [TTFT], 'req/s');
    expect(m).toMatchObject({ lastPass: 14, firstFail: 20 });
  });

  it('without SLOs there is nothing to search', () => {
    expect(findSloMax([level(10, 'Pass', [1])], [], 'req/s').basis).toBe('no-slo');
  });
});

describe('crossings', () => {
  it('finds where the order reverses, linearly between the levels either side', () => {
    const a: Array<[number, number]> = [[10, 100], [20, 200], [30, 300]];
    const b: Array<[number, number]> = [[10, 200], [20, 200], [30, 200]];
    expect(crossings(a, b)).toEqual([20]);
    expect(crossings([[10, 100], [30, 500]], [[10, 200], [30, 200]])).toEqual([15]);
  });

  it('curves within 20% of each other are level: a few percent either way is not a crossing', () => {
    // 140 vs 150, then 177 vs 152 (14% apart), then 161 vs 551: b is worse from 16 on; no reversal.
    expect(crossings([[10, 140], [13, 177], [16, 161]], [[10, 150], [13, 152], [16, 551]])).toEqual([]);
    // A reversal between decided points (at 10: +150, at 16: −390) crosses on the line between them: 10 + 6·150/540.
    expect(crossings([[10, 300], [13, 177], [16, 161]], [[10, 150], [13, 170], [16, 551]])).toEqual([11.67]);
  });

  it('none when one curve stays above the other or the ranges do not overlap', () => {
    expect(crossings([[10, 100], [20, 150]], [[10, 200], [20, 300]])).toEqual([]);
    expect(crossings([[1, 1], [2, 2]], [[5, 1], [6, 2]])).toEqual([]);
  });
});

describe('nextRefineLevel', () => {
  const pts = [level(10, 'Pass', [250]), level(20, 'Fail', [750])];
  it('probes the interpolated estimate inside the bracket', () => {
    expect(nextRefineLevel(findSloMax(pts, [TTFT], 'req/s'), pts, 'rate')).toBe(15);
  });

  it('bisects when the estimate is within a tenth of the bracket from either end; whole users for concurrency', () => {
    // margin −0.9 at 10 and +0.05 at 20: the estimate (19.47) is within a tenth of 20 → the middle, 15.
    const near = [level(10, 'Pass', [50]), level(20, 'Fail', [525])];
    expect(nextRefineLevel(findSloMax(near, [TTFT], 'req/s'), near, 'rate')).toBe(15);
    // Flat then a jump (the knee): −0.69 at 4, +11.2 at 8 → the line's root 4.23 hugs the pass → the middle, 6.
    const TTFT2S: Slo = { ...TTFT, maxMs: 2000 };
    const knee = [level(4, 'Pass', [627], [TTFT2S]), level(8, 'Fail', [24363], [TTFT2S])];
    const kneeMax = findSloMax(knee, [TTFT2S], 'req/s');
    expect(kneeMax).toMatchObject({ basis: 'interpolated', value: 4.231 });
    expect(nextRefineLevel(kneeMax, knee, 'rate')).toBe(6);
    const users = [level(2, 'Pass', [250]), level(5, 'Fail', [750])];
    expect(nextRefineLevel(findSloMax(users, [TTFT], 'users'), users, 'concurrency')).toBe(4);
  });

  it('none without a bracket, or when the level already ran', () => {
    const open = [level(10, 'Pass', [250])];
    expect(nextRefineLevel(findSloMax(open, [TTFT], 'req/s'), open, 'rate')).toBeNull();
    const ran = [...pts, level(15, 'Inconclusive', [500], [TTFT], 'refine')];
    expect(nextRefineLevel(findSloMax(ran, [TTFT], 'req/s'), ran, 'rate')).toBeNull();
    const adjacent = [level(3, 'Pass', [250]), level(4, 'Fail', [750])];
    expect(nextRefineLevel(findSloMax(adjacent, [TTFT], 'users'), adjacent, 'concurrency')).toBeNull();
  });
});
