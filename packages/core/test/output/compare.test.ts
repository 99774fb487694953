import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { COMPARE_CSV_COLUMNS, compareRuns, compareToCsv, formatCompareTable } from '../../src/output/compare.ts';
import type { Summary } from '../../src/record/summary.ts';
import { AGG_SPEC, PD_SPEC, syntheticSummary } from './synthetic-runs.ts';

let agg: Summary;
let pd: Summary;

beforeAll(async () => {
  agg = await syntheticSummary(AGG_SPEC, 'agg');
  pd = await syntheticSummary(PD_SPEC, 'pd');
});

type CsvLine = Record<(typeof COMPARE_CSV_COLUMNS)[number], string>;

function csvLines(csv: string): CsvLine[] {
  return parse(csv, { columns: true, skip_empty_lines: true }) as CsvLine[];
}

function find(lines: CsvLine[], metric: string, dimension: string, stat: string, run: string): CsvLine {
  const hit = lines.filter((l) => l.metric === metric && l.dimension === dimension && l.stat === stat && l.run === run);
  expect(hit, `${metric}/${dimension}/${stat}/${run}`).toHaveLength(1);
  return hit[0];
}

describe('compareRuns → CSV', () => {
  it('writes the documented columns and one line per row and run', () => {
    const rows = compareRuns([{ name: 'agg', summary: agg }, { name: 'pd', summary: pd }]);
    const csv = compareToCsv(rows);
    expect(csv.split('\n')[0]).toBe(COMPARE_CSV_COLUMNS.join(','));
    expect(csvLines(csv)).toHaveLength(rows.length * 2);
  });

  it('carries the summaries’ values and deltas against the first run', () => {
    const lines = csvLines(compareToCsv(compareRuns([{ name: 'agg', summary: agg }, { name: 'pd', summary: pd }])));
    for (const metric of ['ttft', 'itl', 'tpot', 'e2e'] as const) {
      for (const stat of ['p50', 'p90', 'p99', 'mean'] as const) {
        const a = agg.dimensions.overall[metric][stat]!;
        const b = pd.dimensions.overall[metric][stat]!;
        const lb = find(lines, metric, 'overall', stat, 'pd');
        expect(Number(lb.value)).toBeCloseTo(b, 5);
        expect(Number(lb.baseline)).toBeCloseTo(a, 5);
        expect(Number(lb.delta)).toBeCloseTo(b - a, 5);
        expect(Number(lb.delta_pct)).toBeCloseTo((100 * (b - a)) / a, 3);
        const la = find(lines, metric, 'overall', stat, 'agg');
        expect(Number(la.value)).toBeCloseTo(a, 5);
        expect(Number(la.delta)).toBe(0);
      }
    }
    // The P/D run was generated with half the TTFT: the comparison must say so.
    const ttftP50 = find(lines, 'ttft', 'overall', 'p50', 'pd');
    expect(Number(ttftP50.delta_pct)).toBeLessThan(-40);
    expect(Number(ttftP50.delta_pct)).toBeGreaterThan(-60);

    // Per-pod rows: a pod only one run has shows an empty value (and delta) for the other.
    const d2 = find(lines, 'ttft', 'pod:decode-2', 'p99', 'pd');
    expect(d2.value).toBe('');
    expect(d2.delta).toBe('');
    expect(Number(find(lines, 'ttft', 'pod:decode-2', 'p99', 'agg').value)).toBeCloseTo(agg.dimensions['pod:decode-2'].ttft.p99!, 5);
    expect(Number(find(lines, 'ttft', 'pod:prefill-0', 'p50', 'pd').value)).toBeCloseTo(pd.dimensions['pod:prefill-0'].ttft.p50!, 5);
    expect(Number(find(lines, 'requests', 'pod:decode-0', 'count', 'pd').value)).toBe(pd.dimensions['pod:decode-0'].count);
    const modelDim = `model:${AGG_SPEC.model}`;
    expect(Number(find(lines, 'e2e', modelDim, 'p90', 'agg').value)).toBeCloseTo(agg.dimensions[modelDim].e2e.p90!, 5);

    // Throughput and error rate.
    const rps = find(lines, 'throughput', 'overall', 'requests_per_s', 'pd');
    expect(Number(rps.value)).toBeCloseTo(pd.rates.requestsPerS, 5);
    expect(Number(rps.delta)).toBeCloseTo(pd.rates.requestsPerS - agg.rates.requestsPerS, 5);
    const tok = find(lines, 'throughput', 'overall', 'output_tokens_per_s', 'agg');
    expect(Number(tok.value)).toBeCloseTo(agg.rates.outputTokensPerS, 5);
    const err = find(lines, 'errors', 'overall', 'error_rate', 'pd');
    expect(pd.counts.error).toBeGreaterThan(0);
    expect(Number(err.value)).toBeCloseTo(pd.counts.error / pd.counts.finished, 6);
    expect(Number(err.baseline)).toBeCloseTo(agg.counts.error / agg.counts.finished, 6);
  });

  it('quotes awkward names and defuses spreadsheet formulas in text cells', () => {
    const rows = compareRuns([
      { name: 'agg, "v1"', summary: agg },
      { name: '=HYPERLINK("http://x")', summary: pd },
    ]);
    const lines = csvLines(compareToCsv(rows));
    const runs = new Set(lines.map((l) => l.run));
    expect(runs).toEqual(new Set(['agg, "v1"', `'=HYPERLINK("http://x")`]));
    // Negative numbers are numbers, not formulas: no apostrophe.
    expect(lines.find((l) => l.metric === 'ttft' && l.run !== 'agg, "v1"')!.delta).toMatch(/^-\d/);
  });

  it('rejects bad input with the field named', () => {
    expect(() => compareRuns([])).toThrow(/invalid runs/);
    expect(() => compareRuns([{ name: 'a', summary: agg }, { name: 'a', summary: pd }])).toThrow(/unique/);
    expect(() => compareRuns([{ name: 'a', summary: agg }], { stats: ['p42' as never] })).toThrow(/stats/);
    expect(() => compareRuns([{ name: 'a', summary: agg }], { colour: true } as never)).toThrow(/colour/);
  });

  it('includes stage dimensions only when asked', () => {
    const plain = compareRuns([{ name: 'agg', summary: agg }]);
    expect(plain.some((r) => r.dimension.startsWith('stage:'))).toBe(false);
    const staged = compareRuns([{ name: 'agg', summary: agg }], { dimensions: ['stage'], stats: ['p99'] });
    expect(staged.filter((r) => r.metric === 'ttft').map((r) => r.dimension)).toEqual(['stage:0']);
  });
});

describe('formatCompareTable', () => {
  it('aligns columns and has no colour unless asked', () => {
    const rows = compareRuns([{ name: 'agg', summary: agg }, { name: 'pd', summary: pd }]);
    const text = formatCompareTable(rows, { color: false });
    expect(text).not.toMatch(/\x1b\[/);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^metric\s+dimension\s+stat\s+unit\s+agg\s+pd\s+Δ pd\s+Δ% pd$/);
    expect(lines).toHaveLength(rows.length + 2);
    // Right-aligned numeric columns: every data line ends at the same column as the header.
    const width = lines[0].length;
    for (const l of lines.slice(2)) expect(l.length).toBe(width);
    const ttft = lines.find((l) => /^ttft\s+overall\s+p50/.test(l))!;
    expect(ttft).toContain(agg.dimensions.overall.ttft.p50!.toFixed(1));
    expect(ttft).toMatch(/-\d+\.\d%$/);
    // Error rates differ in percentage points.
    const pdErrPct = (100 * pd.counts.error) / pd.counts.finished;
    const aggErrPct = (100 * agg.counts.error) / agg.counts.finished;
    expect(lines.find((l) => /^errors\s+overall/.test(l))).toContain(`+${(pdErrPct - aggErrPct).toFixed(2)}pp`);

    const coloured = formatCompareTable(rows, { color: true });
    // Lower TTFT is better → green; higher error rate is worse → red.
    expect(coloured.split('\n').find((l) => l.startsWith('ttft'))).toContain('\x1b[32m');
    expect(coloured.split('\n').find((l) => /^errors\s+overall/.test(l))).toContain('\x1b[31m');
  });

  it('does not pass control characters from names to the terminal', () => {
    const rows = compareRuns([{ name: 'a\x1b[2Jb', summary: agg }]);
    expect(formatCompareTable(rows, { color: false })).not.toContain('\x1b');
  });
});
