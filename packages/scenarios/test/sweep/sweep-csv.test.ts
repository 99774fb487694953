// sweep.csv and slo-max.csv cells: RFC 4180 quoting, empty cells for "no data", numbers to 4 decimals; and the
// slo-max.csv rows (per target, the comparison, each crossing). Whole sweeps writing these files run in
// run-sweep.test.ts.
import { describe, expect, it } from 'vitest';
import { csvLine, sloMaxCsv, SLO_MAX_CSV_COLUMNS } from '../../src/sweep/sweep-csv.ts';
import type { SweepResult } from '../../src/sweep/run-sweep.ts';
import type { SloMax } from '../../src/sweep/slo.ts';

describe('csvLine', () => {
  it('quotes commas, quotes and newlines; null and non-finite numbers are empty', () => {
    expect(csvLine(['a,b', 'say "hi"', 'x\ny', null, Number.NaN, 1 / 3, true, 7])).toBe('"a,b","say ""hi""","x\ny",,,0.3333,true,7');
  });
});

describe('sloMaxCsv', () => {
  const slo = { metric: 'ttft' as const, percentile: 90, maxMs: 500 };
  const max = (value: number | null, basis: SloMax['basis'], lastPass: number | null, firstFail: number | null, text: string): SloMax => ({
    value,
    basis,
    lastPass,
    firstFail,
    binding: null,
    bindingKey: basis === 'interpolated' ? 'served-rate' : null,
    passConfidence: [],
    text,
  });
  const r = {
    unit: 'req/s',
    slos: [slo],
    targets: [
      { name: 'a', sloMax: max(22.5, 'interpolated', 20, 25, '≈ 22.5 req/s (…)') },
      { name: 'b', sloMax: max(null, 'below-lowest', null, 10, '< 10 req/s') },
    ],
    verdicts: [{ claim: 'slo-max-compare', status: 'Pass', details: 'a serves more, b < 10', evidence: { winner: 'a' } }],
    crossings: [{ slo, at: [12.5] }],
  } as unknown as SweepResult;

  it('one row per target, then the winner and each crossing', () => {
    const lines = sloMaxCsv(r).trim().split('\n');
    expect(lines[0]).toBe(SLO_MAX_CSV_COLUMNS.join(','));
    expect(lines.slice(1)).toEqual([
      'slo-max,a,ttft.p90<=500,22.5,req/s,interpolated,20,25,served-rate,≈ 22.5 req/s (…)',
      'slo-max,b,ttft.p90<=500,,req/s,below-lowest,,10,,< 10 req/s',
      'winner,a,ttft.p90<=500,,req/s,Pass,,,,"a serves more, b < 10"',
      'crossing,,ttft.p90<=500,12.5,req/s,interpolated,,,,a and b swap order on ttft p90 here (linear between the levels either side)',
    ]);
  });
});
