// `routebench import` end to end: runs made by inference-perf and an llm-d-benchmark Benchmark Report (fixtures
// from the tools' own code paths, packages/core/test/fixtures/import/README.md) become run folders that `compare`
// puts beside a run made on the embedded simulator, and that `judge` attributes from the run's saved EPP log.
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/exit-codes.ts';
import { runCli } from '../cli-harness.ts';

const FIX = join(import.meta.dirname, '..', '..', '..', 'core', 'test', 'fixtures', 'import');
const dir = mkdtempSync(join(tmpdir(), 'rb-cli-import-'));
const summaryOf = (d: string) => JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8'));
const recordsOf = (d: string) =>
  readFileSync(join(d, 'requests.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { requestId: string; pod: string | null; podSource: string | null });

/** The long compare CSV (csv-stringify quotes only cells that need it; none of these do). */
function csvRows(text: string): Record<string, string>[] {
  const [header, ...lines] = text.trim().split('\n');
  const cols = header!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i]!, v])));
}

let sim: string;
beforeAll(async () => {
  sim = join(dir, 'sim');
  const r = await runCli(['run', 'smoke', '--quick', '--out', sim]);
  expect(r.code, r.out).toBe(EXIT.ok);
}, 120_000);

describe('routebench import', () => {
  it('inference-perf and llmd-report imports compare with a run made on the simulator', async () => {
    const ip = join(dir, 'inference-perf');
    const llmd = join(dir, 'llmd');
    const a = await runCli(['import', 'inference-perf', join(FIX, 'inference-perf-sim-run'), '--out', ip]);
    expect(a.code, a.out).toBe(EXIT.ok);
    expect(a.out).toMatch(/36 per-request records; 36 requests \(36 ok, 0 errors\)/);
    const b = await runCli(['import', 'llmd-report', join(FIX, 'llmd-report', 'br_v0_2_1_example.yaml'), '--out', llmd]);
    expect(b.code, b.out).toBe(EXIT.ok);
    expect(b.out).toMatch(/aggregate figures only/);

    const csv = join(dir, 'compare.csv');
    const c = await runCli(['compare', sim, ip, llmd, '--csv', csv]);
    expect(c.code, c.out).toBe(EXIT.ok);
    const rows = csvRows(readFileSync(csv, 'utf8'));
    const cell = (metric: string, stat: string, run: string) => rows.find((r) => r.metric === metric && r.dimension === 'overall' && r.stat === stat && r.run === run);
    const report = parseYaml(readFileSync(join(FIX, 'llmd-report', 'br_v0_2_1_example.yaml'), 'utf8'));
    for (const [run, want] of [
      ['sim', summaryOf(sim).dimensions.overall.ttft.p50],
      ['inference-perf', summaryOf(ip).dimensions.overall.ttft.p50],
      ['llmd', report.results.request_performance.aggregate.latency.time_to_first_token.p50 * 1000],
    ] as const) {
      expect(Number(cell('ttft', 'p50', run)?.value), run).toBeCloseTo(want, 4);
      expect(Number(cell('ttft', 'p50', run)?.baseline)).toBeCloseTo(summaryOf(sim).dimensions.overall.ttft.p50, 4);
    }
    expect(Number(cell('requests', 'count', 'llmd')?.value)).toBe(report.results.request_performance.aggregate.requests.total);
    expect(Number(cell('throughput', 'requests_per_s', 'llmd')?.value)).toBeCloseTo(report.results.request_performance.aggregate.throughput.request_rate.mean, 4);
  });

  it('merge refuses an aggregate-only import (its percentiles cannot be merged), naming it; a per-request import merges', async () => {
    const llmd = join(dir, 'llmd-merge');
    expect((await runCli(['import', 'llmd-report', join(FIX, 'llmd-report', 'br_v0_2_1_example.yaml'), '--out', llmd])).code).toBe(EXIT.ok);
    const m = await runCli(['merge', sim, llmd, '--out', join(dir, 'merged-bad')]);
    expect(m.code, m.out).toBe(EXIT.usage);
    expect(m.out).toContain(`${llmd} is an aggregate-only import`);
    const ip = join(dir, 'ip-merge');
    expect((await runCli(['import', 'inference-perf', join(FIX, 'inference-perf-sim-run'), '--out', ip])).code).toBe(EXIT.ok);
    const ok = await runCli(['merge', sim, ip, '--out', join(dir, 'merged-ok')]);
    expect(ok.code, ok.out).toBe(EXIT.ok);
    expect(summaryOf(join(dir, 'merged-ok')).counts.sent).toBe(summaryOf(sim).counts.sent + summaryOf(ip).counts.sent);
  });

  it('a Benchmark Report exported by routebench imports back to the run\'s own figures', async () => {
    const e = await runCli(['export', sim, '--format', 'llmd-report']);
    expect(e.code, e.out).toBe(EXIT.ok);
    const back = join(dir, 'round-trip');
    const i = await runCli(['import', 'llmd-report', join(sim, 'benchmark_report_v0.2.1.json'), '--out', back]);
    expect(i.code, i.out).toBe(EXIT.ok);
    const a = summaryOf(sim).dimensions.overall;
    const b = summaryOf(back).dimensions.overall;
    expect(b.count).toBe(a.count);
    for (const m of ['ttft', 'itl', 'tpot', 'e2e']) for (const st of ['p50', 'p90', 'p99', 'mean']) expect(b[m][st], `${m} ${st}`).toBeCloseTo(a[m][st], 6);
  });

  it('judge on an aggregate-only Benchmark Report import: every claim Inconclusive saying why, the imported figures kept', async () => {
    const llmd = join(dir, 'llmd-judged');
    expect((await runCli(['import', 'llmd-report', join(FIX, 'llmd-report', 'br_v0_2_1_example.yaml'), '--out', llmd])).code).toBe(EXIT.ok);
    const before = summaryOf(llmd);
    const j = await runCli(['judge', llmd, '--scenario', 'prefix-cache']);
    expect(j.code, j.out).toBe(EXIT.inconclusive);
    const verdicts = JSON.parse(readFileSync(join(llmd, 'verdicts.json'), 'utf8')) as { status: string; details: string }[];
    expect(verdicts.length).toBeGreaterThan(0);
    for (const v of verdicts) {
      expect(v.status).toBe('Inconclusive');
      expect(v.details).toContain('is an aggregate-only import of llm-d-benchmark output');
    }
    const after = summaryOf(llmd);
    expect(after.dimensions.overall.ttft).toEqual(before.dimensions.overall.ttft);
    expect(after.counts).toEqual(before.counts);
    expect(after.extra.aggregateOnly).toBe(true);
    expect(existsSync(join(llmd, 'requests.jsonl'))).toBe(false);
  });

  it('judge attributes the imported inference-perf records from the run\'s saved EPP log', async () => {
    const ip = join(dir, 'inference-perf-judged');
    const a = await runCli(['import', 'inference-perf', join(FIX, 'inference-perf-sim-run'), '--out', ip]);
    expect(a.code, a.out).toBe(EXIT.ok);
    const eppLog = join(FIX, 'inference-perf-sim-run.epp.log');
    // The EPP's picker lines name each endpoint's pod: pod of each request id, and ADDRESS=POD for judge.
    const podOf = new Map<string, string>();
    const aliases = new Set<string>();
    for (const line of readFileSync(eppLog, 'utf8').split('\n').filter(Boolean)) {
      const o = JSON.parse(line) as { msg: string; 'x-request-id': string; result?: { TargetEndpoints: { PodName: string; Address: string; Port: string }[] } };
      const ep = o.msg.startsWith('Completed running picker plugin') ? o.result?.TargetEndpoints[0] : undefined;
      if (!ep) continue;
      podOf.set(o['x-request-id'], ep.PodName);
      aliases.add(`${ep.Address}:${ep.Port}=${ep.PodName}`);
    }
    const j = await runCli(['judge', ip, '--epp-log', eppLog, '--scenario', 'queue-balance', ...[...aliases].flatMap((x) => ['--alias', x])]);
    expect([EXIT.ok, EXIT.claimFailed, EXIT.inconclusive], j.out).toContain(j.code);
    const recs = recordsOf(ip);
    expect(j.out).toContain(`attribution: epp-log ${recs.length}`);
    for (const r of recs) expect(r.pod, r.requestId).toBe(podOf.get(r.requestId));
    const s = summaryOf(ip);
    const perPod = Object.entries(s.dimensions as Record<string, { count: number }>).filter(([k]) => k.startsWith('pod:'));
    expect(perPod.reduce((n, [, d]) => n + d.count, 0)).toBe(recs.length);
    expect(s.extra.importedFrom.tool).toBe('inference-perf');
  });

  it('usage errors exit 2: no --out, not an inference-perf folder, not a Benchmark Report', async () => {
    expect((await runCli(['import', 'inference-perf', join(FIX, 'inference-perf-sim-run')])).code).toBe(EXIT.usage);
    const notIp = await runCli(['import', 'inference-perf', join(FIX, 'llmd-report'), '--out', join(dir, 'x')]);
    expect(notIp.code).toBe(EXIT.usage);
    expect(notIp.out).toMatch(/no inference-perf report here/);
    const notReport = join(dir, 'not-a-report');
    cpSync(join(FIX, 'inference-perf-sim-run', 'summary_lifecycle_metrics.json'), notReport);
    const bad = await runCli(['import', 'llmd-report', notReport, '--out', join(dir, 'y')]);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.out).toMatch(/not a valid llm-d-benchmark Benchmark Report/);
  });
});
