// max-score-picker, random-picker, weighted-random-picker.
import { createRng } from '@routebench/core';
import { describe, expect, it } from 'vitest';
import { createMaxScorePicker } from '../../../src/epp/plugins/max-score-picker.ts';
import { createRandomPicker } from '../../../src/epp/plugins/random-picker.ts';
import { createWeightedRandomPicker } from '../../../src/epp/plugins/weighted-random-picker.ts';
import { ep } from '../endpoints.ts';

const count = (picks: string[]) => picks.reduce<Record<string, number>>((m, p) => ((m[p] = (m[p] ?? 0) + 1), m), {});

describe('pickers', () => {
  it('max-score-picker takes the max and breaks ties at random (seeded)', () => {
    const p = createMaxScorePicker('m', {}, createRng(1));
    const scored = [{ endpoint: ep('a'), score: 1 }, { endpoint: ep('b'), score: 3 }, { endpoint: ep('c'), score: 3 }];
    const picks = Array.from({ length: 400 }, () => p.pick(scored)[0]!.name);
    const c = count(picks);
    expect(c.a).toBeUndefined();
    expect(c.b).toBeGreaterThan(150);
    expect(c.c).toBeGreaterThan(150);
    expect(createMaxScorePicker('m', { maxNumOfEndpoints: 2 }, createRng(1)).pick(scored).map((e) => e.name).sort()).toEqual(['b', 'c']);
  });

  it('random-picker spreads uniformly', () => {
    const p = createRandomPicker('r', {}, createRng(2));
    const scored = [{ endpoint: ep('a'), score: 100 }, { endpoint: ep('b'), score: 0 }];
    const c = count(Array.from({ length: 400 }, () => p.pick(scored)[0]!.name));
    expect(c.a).toBeGreaterThan(150);
    expect(c.b).toBeGreaterThan(150);
  });

  it('weighted-random-picker: proportional to score, zero never picked, all-zero → random', () => {
    const p = createWeightedRandomPicker('w', {}, createRng(3));
    const scored = [{ endpoint: ep('a'), score: 3 }, { endpoint: ep('b'), score: 1 }, { endpoint: ep('c'), score: 0 }];
    const c = count(Array.from({ length: 2000 }, () => p.pick(scored)[0]!.name));
    expect(c.c).toBeUndefined();
    expect(c.a! / 2000).toBeGreaterThan(0.68);
    expect(c.a! / 2000).toBeLessThan(0.82);
    const z = count(Array.from({ length: 400 }, () => p.pick([{ endpoint: ep('a'), score: 0 }, { endpoint: ep('b'), score: 0 }])[0]!.name));
    expect(z.a).toBeGreaterThan(150);
    expect(z.b).toBeGreaterThan(150);
  });
});
