// llm-d-benchmark Benchmark Reports (v0.2, v0.2.1: the schema's own examples, fixtures/import/README.md) → run
// folders with an aggregate-only summary; YAML or JSON, unknown fields tolerated, wrong known fields named.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { importLlmdReport, isoDurationSeconds } from '../../src/import/llmd-report-run.ts';
import { importInferencePerfRun } from '../../src/import/inference-perf-run.ts';
import { parseSummary } from '../../src/record/summary.ts';
import { isRoutebenchError } from '../../src/errors.ts';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'import', 'llmd-report');
const tmp = () => mkdtempSync(join(tmpdir(), 'rb-import-llmd-'));
const yaml = (name: string) => parseYaml(readFileSync(join(FIX, name), 'utf8')) as Record<string, any>;
const summaryAt = (dir: string) => parseSummary(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')));

describe('importLlmdReport', () => {
  for (const name of ['br_v0_2_example.yaml', 'br_v0_2_1_example.yaml']) {
    it(`${name}: the report's aggregate figures, in ms, marked aggregate-only`, async () => {
      const out = join(tmp(), 'run');
      const r = await importLlmdReport(join(FIX, name), out);
      const rep = yaml(name);
      const agg = rep.results.request_performance.aggregate;
      const s = summaryAt(out);
      expect(r.records).toBe(0);
      expect(s.extra).toMatchObject({ aggregateOnly: true, importedFrom: { tool: 'llm-d-benchmark', format: `benchmark report v${rep.version}`, perRequest: false } });
      expect(s.counts).toMatchObject({ sent: agg.requests.total, error: agg.requests.failures ?? 0 });
      const o = s.dimensions.overall!;
      const ttft = agg.latency.time_to_first_token;
      expect(ttft.units).toBe('s');
      for (const [ours, theirs] of [['p50', 'p50'], ['p90', 'p90'], ['p99', 'p99'], ['p999', 'p99p9'], ['mean', 'mean'], ['min', 'min'], ['max', 'max']] as const) {
        expect(o.ttft[ours]).toBeCloseTo(ttft[theirs] * 1000, 9);
      }
      expect(o.e2e.mean).toBeCloseTo(agg.latency.request_latency.mean * 1000, 9);
      expect(o.e2e.p50).toBeNull();
      expect(s.rates.requestsPerS).toBe(agg.throughput.request_rate.mean);
      expect(s.rates.outputTokensPerS).toBe(agg.throughput.output_token_rate.mean);
      expect(s.rates.durationS).toBeCloseTo(isoDurationSeconds(rep.run.time.duration)!, 9);
      expect(s.meta.startedAt).toBe(new Date(rep.run.time.start).toISOString());
      expect(s.extra.llmdReport).toMatchObject({ uid: rep.run.uid, loadGenerator: { tool: rep.scenario.load.standardized.tool } });
    });
  }

  it('a report llm-d-benchmark\'s own converter made from an inference-perf stage report gives the figures of importing that stage report directly', async () => {
    const viaReport = join(tmp(), 'via-report');
    const direct = join(tmp(), 'direct');
    const r = await importLlmdReport(join(FIX, 'br_v0_2_1_from_inference_perf_kubecon_stage_3.yaml'), viaReport);
    await importInferencePerfRun(join(FIX, '..', 'inference-perf-kubecon-vllm'), direct);
    const a = summaryAt(viaReport).dimensions.overall!;
    const b = summaryAt(direct).dimensions['stage:3']!;
    expect(a.count).toBe(b.count);
    for (const m of ['ttft', 'itl', 'tpot', 'e2e'] as const) {
      for (const st of ['p50', 'p90', 'p99', 'p999', 'mean', 'min', 'max'] as const) expect(a[m][st], `${m} ${st}`).toBeCloseTo(b[m][st]!, 9);
    }
    expect(r.source.notes.join('\n')).toMatch(/no run.time.start/);
  });

  it('reads the same report as JSON with fields it does not know, and latency given in ms', async () => {
    const rep = yaml('br_v0_2_1_example.yaml');
    rep.results.some_future_section = { x: 1 };
    rep.results.request_performance.aggregate.latency.some_new_metric = { units: 's', mean: 1 };
    const ttft = rep.results.request_performance.aggregate.latency.time_to_first_token;
    for (const k of Object.keys(ttft)) if (typeof ttft[k] === 'number') ttft[k] *= 1000;
    ttft.units = 'ms';
    const file = join(tmp(), 'report.json');
    writeFileSync(file, JSON.stringify(rep));
    const out = join(tmp(), 'run');
    await importLlmdReport(file, out);
    expect(summaryAt(out).dimensions.overall!.ttft.p90).toBeCloseTo(ttft.p90, 9);
  });

  it('refuses other versions, a wrongly typed field and a non-time latency unit, naming the field', async () => {
    const cases: [string, (r: Record<string, any>) => void, string][] = [
      ['version', (r) => (r.version = '0.1'), 'version'],
      ['total', (r) => (r.results.request_performance.aggregate.requests.total = 'many'), 'results.request_performance.aggregate.requests.total'],
      ['units', (r) => (r.results.request_performance.aggregate.latency.request_latency.units = 'count'), 'results.request_performance.aggregate.latency.request_latency.units'],
    ];
    for (const [what, mutate, field] of cases) {
      const rep = yaml('br_v0_2_example.yaml');
      mutate(rep);
      const file = join(tmp(), `${what}.json`);
      writeFileSync(file, JSON.stringify(rep));
      const err = await importLlmdReport(file, join(tmp(), 'run')).catch((e: unknown) => e);
      expect(isRoutebenchError(err, 'RB_INPUT_INVALID'), what).toBe(true);
      expect((err as { field: string }).field).toBe(`${file}:${field}`);
    }
  });

  it('ISO 8601 durations as pydantic writes them', () => {
    expect(isoDurationSeconds('PT49.97206788184121S')).toBeCloseTo(49.97206788184121, 12);
    expect(isoDurationSeconds('P1DT2H3M4.5S')).toBe(86400 + 7200 + 180 + 4.5);
    expect(isoDurationSeconds('49.9')).toBeNull();
  });
});
