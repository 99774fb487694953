import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { COMPARE_CSV_COLUMNS, COMPARE_WIDE_CSV_KEY_COLUMNS, compareRuns, compareToCsv, compareToWideCsv, formatCompareTable } from '../../src/output/compare.ts';
import type { Summary } from '../../src/record/summary.ts';
import type { MetricsEvidence, TargetEvidence } from '../../src/evidence/metrics-evidence.ts';
import type { Verdict } from '../../src/claims/verdict.ts';
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

/** A scraped vLLM pod as the collector records it: request and prompt-token counters and a TTFT histogram. */
function vllmTarget(name: string, role: string | null, requests: number, promptTokens: number, ttftBuckets: [string, number][], ttftSum: number, labelSets = 1): TargetEvidence {
  const count = ttftBuckets[ttftBuckets.length - 1][1];
  const labels = (i: number) => ({ engine: '0', model_name: `m${i}` });
  return {
    name,
    role,
    address: null,
    url: null,
    scrapesOk: 4,
    scrapesFailed: 0,
    complete: true,
    counters: Array.from({ length: labelSets }, (_, i) => [
      { metric: 'vllm:request_success', exposedAs: 'vllm:request_success_total', labels: labels(i), before: 0, after: requests, delta: requests, resets: 0 },
      { metric: 'vllm:prompt_tokens', exposedAs: 'vllm:prompt_tokens_total', labels: labels(i), before: 0, after: promptTokens, delta: promptTokens, resets: 0 },
    ]).flat(),
    histograms: Array.from({ length: labelSets }, (_, i) => ({
      metric: 'vllm:time_to_first_token_seconds',
      exposedAs: 'vllm:time_to_first_token_seconds',
      labels: labels(i),
      buckets: ttftBuckets.map(([le, delta]) => ({ le, delta })),
      countDelta: count,
      sumDelta: ttftSum,
      resets: 0,
      // The collector's interpolation of these buckets (p50: rank 10 of 20 lands in (0.02, 0.05], which holds
      // ranks 6–17; with two label sets the summed buckets must give the same quantiles).
      quantiles: { p50: 0.02 + 0.03 * ((10 - 5) / 12), p90: 0.05 + 0.05 * ((18 - 17) / 3), p99: 0.05 + 0.05 * ((19.8 - 17) / 3) },
    })),
    gauges: [],
  };
}

const TTFT_BUCKETS: [string, number][] = [['0.02', 5], ['0.05', 17], ['0.1', 20], ['+Inf', 20]];

function withPrefillPod(summary: Summary, labelSets: number): Summary {
  const s = structuredClone(summary);
  const metrics: MetricsEvidence = {
    schemaVersion: 1,
    startedAtEpochMs: 0,
    window: { startMs: 0, endMs: 10_000 },
    intervalMs: 500,
    sources: [
      {
        name: 'sim',
        kind: 'static',
        targets: [vllmTarget('prefill-0', 'prefill', 20, 9000, TTFT_BUCKETS, 0.9, labelSets), vllmTarget('decode-0', 'decode', 40, 100, TTFT_BUCKETS, 0.3)],
        errors: [],
      },
    ],
  };
  s.extra.metrics = metrics;
  return s;
}

const verdict = (claim: string, status: Verdict['status'], feature = 'Aggregated vs P/D latency'): Verdict => ({
  claim, feature, mode: 'P/D', status, details: '', sources: [], evidence: {}, thresholds: {},
});

describe('compareRuns for agg-vs-P/D', () => {
  let tagged: { agg: Summary; pd: Summary };
  beforeAll(async () => {
    tagged = {
      agg: await syntheticSummary({ ...AGG_SPEC, longShare: 0.5 }, 'agg'),
      pd: await syntheticSummary({ ...PD_SPEC, longShare: 0.5 }, 'pd'),
    };
  });

  it('has the short/long tag rows by default, long-prompt TTFT above short', () => {
    const rows = compareRuns([{ name: 'agg', summary: tagged.agg }, { name: 'pd', summary: tagged.pd }]);
    for (const cls of ['short', 'long']) {
      const row = rows.find((r) => r.metric === 'ttft' && r.dimension === `tag:class=${cls}` && r.stat === 'p90')!;
      expect(row.cells.map((c) => c.value)).toEqual([tagged.agg.dimensions[`tag:class=${cls}`].ttft.p90, tagged.pd.dimensions[`tag:class=${cls}`].ttft.p90]);
    }
    const p50 = (cls: string) => rows.find((r) => r.metric === 'ttft' && r.dimension === `tag:class=${cls}` && r.stat === 'p50')!.cells[1].value!;
    expect(p50('long')).toBeGreaterThan(2 * p50('short'));
  });

  it('adds server-side rows for prefill pods from the scraped metrics, none for the aggregated run', () => {
    for (const labelSets of [1, 2]) {
      const pd = withPrefillPod(tagged.pd, labelSets);
      const rows = compareRuns([{ name: 'agg', summary: tagged.agg }, { name: 'pd', summary: pd }]);
      const prefill = rows.filter((r) => r.dimension.startsWith('prefill:'));
      // Only the prefill pod: the decode pod's figures are the client's own pod:decode-0 rows.
      expect(new Set(prefill.map((r) => r.dimension))).toEqual(new Set(['prefill:prefill-0']));
      const h = (pd.extra.metrics as MetricsEvidence).sources[0].targets[0].histograms[0];
      const cell = (metric: string, stat: string) => prefill.find((r) => r.metric === metric && r.stat === stat)!.cells;
      expect(cell('server_ttft', 'p50')[1].value).toBeCloseTo(h.quantiles.p50! * 1000, 6);
      expect(cell('server_ttft', 'p90')[1].value).toBeCloseTo(h.quantiles.p90! * 1000, 6);
      expect(cell('server_ttft', 'mean')[1].value).toBeCloseTo((1000 * h.sumDelta) / h.countDelta, 6);
      expect(cell('server_ttft', 'p50')[0].value).toBeNull();
      expect(cell('server_requests', 'count')[1].value).toBe(20 * labelSets);
      expect(cell('server_prompt_tokens', 'count')[1].value).toBe(9000 * labelSets);
    }
  });

  it('names the run and the field when extra.metrics is malformed', () => {
    const bad = structuredClone(tagged.pd);
    bad.extra.metrics = { schemaVersion: 1, sources: 'x' };
    expect(() => compareRuns([{ name: 'agg', summary: tagged.agg }, { name: 'pd-bad', summary: bad }])).toThrow(/run pd-bad: extra\.metrics/);
  });

  it("shows each run's own verdict status, not its controls'", () => {
    const agg = structuredClone(tagged.agg);
    const pd = structuredClone(tagged.pd);
    agg.extra.verdicts = [verdict('latency-slo', 'Pass'), verdict('latency-slo', 'Fail', 'Aggregated vs P/D latency [control: random]')];
    pd.extra.verdicts = [verdict('latency-slo', 'Fail'), verdict('pd-transfer', 'Inconclusive')];
    const rows = compareRuns([{ name: 'agg', summary: agg }, { name: 'pd', summary: pd }]).filter((r) => r.metric === 'verdict');
    expect(rows.map((r) => [r.dimension, r.cells.map((c) => c.status)])).toEqual([
      ['claim:latency-slo', ['Pass', 'Fail']],
      ['claim:pd-transfer', [null, 'Inconclusive']],
    ]);
    const long = csvLines(compareToCsv(rows));
    expect(find(long, 'verdict', 'claim:latency-slo', 'status', 'pd')).toMatchObject({ value: 'Fail', baseline: 'Pass', delta: '' });
    const table = formatCompareTable(rows, { color: false });
    expect(table.split('\n').find((l) => l.startsWith('verdict'))).toMatch(/claim:latency-slo\s+status\s+status\s+Pass\s+Fail$/);
  });

  it('writes the wide CSV: one line per row, one column per run, then Δ% per other run', () => {
    const pd = withPrefillPod(tagged.pd, 1);
    pd.extra.verdicts = [verdict('latency-slo', 'Pass')];
    const rows = compareRuns([{ name: 'agg', summary: tagged.agg }, { name: '=pd', summary: pd }]);
    const wide = parse(compareToWideCsv(rows), { columns: true }) as Record<string, string>[];
    const header = compareToWideCsv(rows).split('\n')[0];
    expect(header).toBe([...COMPARE_WIDE_CSV_KEY_COLUMNS, 'agg', "'=pd", 'delta_pct:=pd'].join(','));
    expect(wide).toHaveLength(rows.length);
    rows.forEach((row, i) => {
      const line = wide[i];
      expect([line.metric, line.dimension, line.stat, line.unit]).toEqual([row.metric, row.dimension, row.stat, row.unit]);
      if (row.unit === 'status') {
        expect([line.agg, line["'=pd"]]).toEqual(row.cells.map((c) => c.status ?? ''));
      } else {
        row.cells.forEach((c, k) => {
          const text = line[k === 0 ? 'agg' : "'=pd"];
          if (c.value === null) expect(text).toBe('');
          else expect(Number(text)).toBeCloseTo(c.value, 5);
        });
        if (row.cells[1].deltaPct === null) expect(line['delta_pct:=pd']).toBe('');
        else expect(Number(line['delta_pct:=pd'])).toBeCloseTo(row.cells[1].deltaPct, 3);
      }
    });
    expect(wide.some((l) => l.dimension === 'tag:class=long')).toBe(true);
    expect(wide.some((l) => l.dimension === 'prefill:prefill-0')).toBe(true);
  });
});
