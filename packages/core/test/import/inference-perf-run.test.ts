// inference-perf report folders → routebench run folders, on reports inference-perf itself wrote (fixtures/import/
// README.md): the imported records must reproduce inference-perf's own summary statistics, carry the request ids the
// EPP logged, and a summary-only folder must give inference-perf's figures as an aggregate-only summary.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importInferencePerfRun } from '../../src/import/inference-perf-run.ts';
import { readJsonl } from '../../src/output/jsonl.ts';
import { RequestRecordSchema, type RequestRecord } from '../../src/record/request-record.ts';
import { parseSummary } from '../../src/record/summary.ts';
import { isRoutebenchError } from '../../src/errors.ts';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'import');
const tmp = () => mkdtempSync(join(tmpdir(), 'rb-import-ip-'));
const json = (p: string) => JSON.parse(readFileSync(p, 'utf8'));

async function records(dir: string): Promise<RequestRecord[]> {
  const out: RequestRecord[] = [];
  for await (const r of readJsonl<RequestRecord>(join(dir, 'requests.jsonl'), { schema: RequestRecordSchema })) out.push(r);
  return out;
}

/** x-request-ids of the EPP log's "Request handled" lines (one per request the gateway routed). */
function eppRequestIds(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"Request handled"'))
    .map((l) => (JSON.parse(l) as Record<string, string>)['x-request-id']!);
}

type Dist = Record<string, number>;

describe('importInferencePerfRun: per-request report', () => {
  it('reproduces inference-perf\'s own summary statistics, keeps its stages and takes the request ids the EPP logged', async () => {
    const src = join(FIX, 'inference-perf-sim-run');
    const out = join(tmp(), 'run');
    const r = await importInferencePerfRun(src, out, { startedAt: '2026-01-01T00:00:00Z' });
    const entries = json(join(src, 'per_request_lifecycle_metrics.json')) as unknown[];
    const theirs = json(join(src, 'summary_lifecycle_metrics.json'));
    const recs = await records(out);
    const summary = parseSummary(json(join(out, 'summary.json')));

    expect(r.source).toMatchObject({ tool: 'inference-perf', perRequest: true, requestIds: 'response-id' });
    expect(recs).toHaveLength(entries.length);
    expect(summary.counts).toMatchObject({ sent: theirs.load_summary.count, ok: theirs.successes.count, error: theirs.failures.count });
    expect(summary.extra.importedFrom).toEqual(r.source);
    expect(summary.meta).toMatchObject({ target: 'http://127.0.0.1:18555', startedAt: '2026-01-01T00:00:00.000Z' });

    // Same requests, same timings: the means of TTFT, ITL (per token) and E2E match inference-perf's to HDR precision
    // (1e-3 relative) — percentiles are defined differently (numpy interpolation vs nearest rank), means are not.
    const lat = theirs.successes.latency as Record<string, Dist>;
    const o = summary.dimensions.overall!;
    expect(o.ttft.mean! / (lat.time_to_first_token!.mean! * 1000)).toBeCloseTo(1, 2);
    expect(o.e2e.mean! / (lat.request_latency!.mean! * 1000)).toBeCloseTo(1, 2);
    expect(o.itl.mean! / (lat.inter_token_latency!.mean! * 1000)).toBeCloseTo(1, 2);
    expect(o.ttft.min! / (lat.time_to_first_token!.min! * 1000)).toBeCloseTo(1, 2);
    expect(o.e2e.max! / (lat.request_latency!.max! * 1000)).toBeCloseTo(1, 2);
    expect(summary.rates.durationS).toBeCloseTo(theirs.benchmark_time_seconds, 3);
    expect(summary.counters.tokens.completion).toBe(theirs.successes.output_tokens.total);
    expect(summary.counters.tokens.prompt).toBe(theirs.successes.prompt_tokens.total);
    expect(recs.every((x) => x.tokenSource === 'final_usage' && x.chunks.length > 0 && x.times.firstToken !== null)).toBe(true);

    // Stages: each stage report's request count.
    for (const s of [0, 1]) {
      const stage = json(join(src, `stage_${s}_lifecycle_metrics.json`));
      expect(summary.dimensions[`stage:${s}`]!.count).toBe(stage.load_summary.count);
    }
    // Request ids: the x-request-id the gateway gave each request (logged by the EPP, echoed by the pod in the
    // response id), so the EPP log joins on them; pods stay unknown until attributed.
    const ids = new Set(eppRequestIds(`${src}.epp.log`));
    expect(recs.every((x) => ids.has(x.requestId) && x.responseId === `chatcmpl-${x.requestId}`)).toBe(true);
    expect(new Set(recs.map((x) => x.requestId)).size).toBe(recs.length);
    expect(recs.every((x) => x.pod === null)).toBe(true);
  });

  it('maps inference-perf\'s errors to routebench error classes and keeps its success/failure split', async () => {
    const src = join(FIX, 'inference-perf-sim-run-errors');
    const out = join(tmp(), 'run');
    await importInferencePerfRun(src, out);
    const entries = json(join(src, 'per_request_lifecycle_metrics.json')) as { error: { error_type: string } | null }[];
    const theirs = json(join(src, 'summary_lifecycle_metrics.json'));
    const summary = parseSummary(json(join(out, 'summary.json')));
    const recs = await records(out);
    const refused = entries.filter((e) => e.error?.error_type === 'ClientConnectorError').length;
    expect(refused).toBeGreaterThan(0);
    expect(summary.counts).toMatchObject({ ok: theirs.successes.count, error: entries.filter((e) => e.error).length });
    expect(summary.counters.errorsByClass).toEqual({ connect: refused });
    expect(recs.filter((x) => x.status === 'error').every((x) => x.errorMessage!.startsWith('ClientConnectorError: ') && x.responseId === null)).toBe(true);
    // Requests that never reached a pod have no response id: their ids are made up, and say so.
    expect(recs.filter((x) => x.status === 'error').every((x) => /^inference-perf-\d+$/.test(x.requestId))).toBe(true);
    expect(summary.extra.importedFrom).toMatchObject({ requestIds: 'mixed' });
  });

  it('requestIds synthesized: inference-perf-<index in the per-request file>', async () => {
    const out = join(tmp(), 'run');
    await importInferencePerfRun(join(FIX, 'inference-perf-sim-run'), out, { requestIds: 'synthesized' });
    const recs = await records(out);
    const entries = json(join(FIX, 'inference-perf-sim-run', 'per_request_lifecycle_metrics.json')) as { start_time: number }[];
    for (const x of recs) {
      const i = Number(/^inference-perf-(\d+)$/.exec(x.requestId)![1]);
      expect(x.times.sent).toBeCloseTo((entries[i]!.start_time - Math.min(...entries.map((e) => e.start_time))) * 1000, 2);
    }
  });
});

describe('importInferencePerfRun: summary reports only', () => {
  it('gives inference-perf\'s figures as an aggregate-only summary with a stage dimension per stage report', async () => {
    const src = join(FIX, 'inference-perf-kubecon-vllm');
    const out = join(tmp(), 'run');
    const r = await importInferencePerfRun(src, out);
    const theirs = json(join(src, 'summary_lifecycle_metrics.json'));
    const summary = parseSummary(json(join(out, 'summary.json')));
    expect(r.records).toBe(0);
    expect(summary.extra).toMatchObject({ aggregateOnly: true, importedFrom: { perRequest: false, tool: 'inference-perf' } });
    const lat = theirs.successes.latency as Record<string, Dist>;
    const o = summary.dimensions.overall!;
    expect(o.count).toBe(theirs.load_summary.count);
    expect(o.ttft.p50).toBeCloseTo(lat.time_to_first_token!.median! * 1000, 6);
    expect(o.ttft.p999).toBeCloseTo(lat.time_to_first_token!['p99.9']! * 1000, 6);
    expect(o.e2e.p90).toBeCloseTo(lat.request_latency!.p90! * 1000, 6);
    expect(o.tpot.mean).toBeCloseTo(lat.time_per_output_token!.mean! * 1000, 6);
    expect(summary.rates.outputTokensPerS).toBeCloseTo(theirs.successes.throughput.output_tokens_per_sec, 6);
    for (let s = 0; s < 7; s++) {
      const stage = json(join(src, `stage_${s}_lifecycle_metrics.json`));
      expect(summary.dimensions[`stage:${s}`]!.ttft.p50).toBeCloseTo(stage.successes.latency.time_to_first_token.median * 1000, 6);
    }
    expect(() => readFileSync(join(out, 'requests.jsonl'))).toThrow();
  });
});

describe('importInferencePerfRun: bad input', () => {
  it('a wrongly typed field is RB_INPUT_INVALID naming the file and the field', async () => {
    const src = join(tmp(), 'ip');
    cpSync(join(FIX, 'inference-perf-sim-run-errors'), src, { recursive: true });
    const file = join(src, 'per_request_lifecycle_metrics.json');
    const entries = json(file);
    entries[3].start_time = 'soon';
    writeFileSync(file, JSON.stringify(entries));
    const err = await importInferencePerfRun(src, join(tmp(), 'run')).catch((e: unknown) => e);
    expect(isRoutebenchError(err, 'RB_INPUT_INVALID')).toBe(true);
    expect((err as { field: string }).field).toBe(`${file}:3.start_time`);
  });

  it('a folder without inference-perf reports, and an --out that holds a run, are refused', async () => {
    const empty = tmp();
    mkdirSync(join(empty, 'x'));
    expect(isRoutebenchError(await importInferencePerfRun(empty, join(tmp(), 'run')).catch((e: unknown) => e), 'RB_INPUT_INVALID')).toBe(true);
    const out = join(tmp(), 'run');
    await importInferencePerfRun(join(FIX, 'inference-perf-sim-run-errors'), out);
    expect(isRoutebenchError(await importInferencePerfRun(join(FIX, 'inference-perf-sim-run-errors'), out).catch((e: unknown) => e), 'RB_OUTPUT_EXISTS')).toBe(true);
    await expect(importInferencePerfRun(join(FIX, 'inference-perf-sim-run-errors'), out, { force: true })).resolves.toMatchObject({ records: 16 });
  });
});
