// The verdict-stability section's bookkeeping: K from the environment, and tables compared against the
// most common one (the seed tables themselves run only in `pnpm bench`).
import { describe, expect, it } from 'vitest';
import { compareTables, stabilityK, type TableStatuses } from '../stability.ts';

const t = (...statuses: string[]): TableStatuses => ({ rows: statuses.map((s, i) => [`row ${i}`, s]), seconds: 1, exitCode: 0 });

describe('verdict stability', () => {
  it('reads K from ROUTEBENCH_STABILITY_K, else the default; rejects nonsense', () => {
    expect(stabilityK({}, 2)).toBe(2);
    expect(stabilityK({ ROUTEBENCH_STABILITY_K: '10' }, 2)).toBe(10);
    expect(() => stabilityK({ ROUTEBENCH_STABILITY_K: '0' })).toThrow(/positive integer/);
    expect(() => stabilityK({ ROUTEBENCH_STABILITY_K: 'ten' })).toThrow(/positive integer/);
  });

  it('counts tables identical to the most common table over both series and names the rows that flipped', () => {
    const r = compareTables(3, [
      { hog: false, tables: [t('Pass', 'Fail'), t('Pass', 'Fail'), t('Pass', 'Fail')] },
      { hog: true, tables: [t('Pass', 'Fail'), t('Inconclusive', 'Fail'), t('Pass', 'Pass')] },
    ]);
    expect(r.reference).toEqual([
      ['row 0', 'Pass'],
      ['row 1', 'Fail'],
    ]);
    expect(r.series.map((s) => s.identical)).toEqual([3, 1]);
    expect(r.series[0]!.flipped).toEqual({});
    expect(r.series[1]!.flipped).toEqual({ 'row 0': ['Pass', 'Inconclusive'], 'row 1': ['Fail', 'Pass'] });
  });
});
