import { describe, expect, it } from 'vitest';
import { bunchedTokens, itlMeanMs, itlSamples, tpotMs, type Chunk } from '../../src/record/itl.ts';

describe('itlSamples (per token)', () => {
  it('one token per chunk: each gap is one sample', () => {
    const chunks: Chunk[] = [
      [0, 1],
      [10, 1],
      [25, 1],
      [27, 1],
    ];
    expect(itlSamples(chunks)).toEqual([10, 15, 2]);
  });

  it('a chunk of k tokens after a gap g contributes k samples of g/k', () => {
    // gaps: 40 ms carrying 4 tokens → 4 × 10; 9 ms carrying 3 → 3 × 3; 5 ms carrying 1 → 1 × 5
    const chunks: Chunk[] = [
      [0, 1],
      [40, 4],
      [49, 3],
      [54, 1],
    ];
    expect(itlSamples(chunks)).toEqual([10, 10, 10, 10, 3, 3, 3, 5]);
  });

  it('extra tokens inside the first chunk yield no sample (TTFT covers them)', () => {
    const chunks: Chunk[] = [
      [0, 5],
      [12, 2],
    ];
    expect(itlSamples(chunks)).toEqual([6, 6]);
    expect(itlSamples([[0, 7]])).toEqual([]);
    expect(itlSamples([])).toEqual([]);
  });

  it('0-token chunks are skipped and the next gap runs from the last token-bearing chunk', () => {
    const chunks: Chunk[] = [
      [0, 0], // role-only frame before any token
      [3, 1],
      [8, 0], // empty frame mid-stream
      [13, 2],
    ];
    expect(itlSamples(chunks)).toEqual([5, 5]);
  });

  it('events read together (one stamp) are one arrival: the gap is spread over their tokens, never 0 ms samples', () => {
    const chunks: Chunk[] = [
      [0, 1],
      [30, 1], // three events in one read, 30 ms after the first token
      [30, 1],
      [30, 1],
      [40, 1],
      [40, 0], // a usage-only frame in the same read carries no token
    ];
    expect(itlSamples(chunks)).toEqual([10, 10, 10, 10]);
    expect(bunchedTokens(chunks)).toEqual({ itlTokens: 4, bunched: 3 });
    // Events bunched with the FIRST token add to TTFT's arrival, not to ITL.
    expect(itlSamples([[0, 1], [0, 1], [20, 1]])).toEqual([20]);
    expect(bunchedTokens([[0, 1], [0, 1], [20, 1]])).toEqual({ itlTokens: 1, bunched: 0 });
  });

  it('the token-weighted mean equals TPOT when the first chunk has one token and the last ends the request', () => {
    const chunks: Chunk[] = [
      [0, 1],
      [30, 3],
      [33, 1],
      [60, 5],
    ];
    // 9 tokens after the first arrive over 60 ms
    expect(itlMeanMs(chunks)).toBeCloseTo(60 / 9, 12);
    expect(tpotMs(100 + 60, 100, 10)).toBeCloseTo(60 / 9, 12);
    expect(itlMeanMs([[0, 3]])).toBeNull();
  });
});

describe('tpotMs', () => {
  it('is (E2E − TTFT)/(out − 1) and null when out < 2 or a time is missing', () => {
    expect(tpotMs(1100, 100, 101)).toBe(10);
    expect(tpotMs(1100, 100, 1)).toBeNull();
    expect(tpotMs(1100, 100, 0)).toBeNull();
    expect(tpotMs(null, 100, 10)).toBeNull();
    expect(tpotMs(1100, null, 10)).toBeNull();
    expect(tpotMs(1100, 100, null)).toBeNull();
  });
});
