// `routebench compare` on a real agg-vs-pd folder (both targets on the embedded simulator): the folder stands for
// its runs, the comparison has the short/long tag rows, the prefill pod's server-side rows and each target's own
// verdict, and the wide CSV puts one column per run.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/exit-codes.ts';
import { runCli } from '../cli-harness.ts';

/** RFC 4180 as csv-stringify writes it (the cli package does not depend on a CSV parser): header → objects. */
function parse(text: string, _opts: { columns: true }): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(cell), (cell = '');
    else if (ch === '\n') row.push(cell), rows.push(row), (row = []), (cell = '');
    else cell += ch;
  }
  if (cell !== '' || row.length > 0) row.push(cell), rows.push(row);
  const [header, ...body] = rows;
  return body.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ''])));
}

const tmp = () => mkdtempSync(join(tmpdir(), 'rb-cli-compare-'));
let dir: string;
const summaryOf = (target: string) => JSON.parse(readFileSync(join(dir, 'targets', target, 'summary.json'), 'utf8'));
const verdictsOf = (target: string) => JSON.parse(readFileSync(join(dir, 'targets', target, 'verdicts.json'), 'utf8')) as { claim: string; status: string }[];

beforeAll(async () => {
  dir = join(tmp(), 'avp');
  const r = await runCli(['run', 'agg-vs-pd', '--quick', '--duration', '2', '--out', dir]);
  expect([EXIT.ok, EXIT.claimFailed, EXIT.inconclusive], r.out).toContain(r.code);
}, 120_000);

describe('routebench compare', () => {
  it('compares the runs inside an agg-vs-pd folder, wide CSV with one column per run', async () => {
    const wide = join(tmp(), 'wide.csv');
    const r = await runCli(['compare', dir, '--csv', wide, '--wide']);
    expect(r.code, r.out).toBe(EXIT.ok);
    // The scenario's order: aggregated is the baseline.
    expect(r.out.split('\n')[0]).toMatch(/^metric\s+dimension\s+stat\s+unit\s+aggregated\s+pd-1p1d\s+Δ pd-1p1d\s+Δ% pd-1p1d$/);

    const lines = parse(readFileSync(wide, 'utf8'), { columns: true }) as Record<string, string>[];
    const line = (metric: string, dimension: string, stat: string) => {
      const hit = lines.filter((l) => l.metric === metric && l.dimension === dimension && l.stat === stat);
      expect(hit, `${metric}/${dimension}/${stat}`).toHaveLength(1);
      return hit[0];
    };
    const agg = summaryOf('aggregated');
    const pd = summaryOf('pd-1p1d');
    // Long-prompt TTFT, the figure P/D is for, per target.
    for (const cls of ['short', 'long']) {
      const l = line('ttft', `tag:class=${cls}`, 'p90');
      expect(Number(l.aggregated)).toBeCloseTo(agg.dimensions[`tag:class=${cls}`].ttft.p90, 5);
      expect(Number(l['pd-1p1d'])).toBeCloseTo(pd.dimensions[`tag:class=${cls}`].ttft.p90, 5);
    }
    // The prefill pod exists only in the P/D run and is read from its scraped vLLM counters.
    const prefill = pd.extra.metrics.sources.flatMap((s: { targets: { name: string; role: string }[] }) => s.targets).find((t: { role: string }) => t.role === 'prefill');
    const served = line('server_requests', `prefill:${prefill.name}`, 'count');
    expect(served.aggregated).toBe('');
    const success = prefill.counters.filter((c: { metric: string }) => c.metric === 'vllm:request_success').reduce((a: number, c: { delta: number }) => a + c.delta, 0);
    expect(Number(served['pd-1p1d'])).toBe(success);
    expect(success).toBeGreaterThan(0);
    // Each target's verdict is its own (written beside its run).
    const slo = line('verdict', 'claim:latency-slo', 'status');
    expect([slo.aggregated, slo['pd-1p1d']]).toEqual([verdictsOf('aggregated')[0]!.status, verdictsOf('pd-1p1d')[0]!.status]);
    expect(Number(line('ttft', 'overall', 'p50')['delta_pct:pd-1p1d'])).toBeCloseTo((100 * (pd.dimensions.overall.ttft.p50 - agg.dimensions.overall.ttft.p50)) / agg.dimensions.overall.ttft.p50, 3);
  });

  it('gives the same long CSV for the folder as for its two run folders named one by one', async () => {
    const a = join(tmp(), 'folder.csv');
    const b = join(tmp(), 'runs.csv');
    expect((await runCli(['compare', dir, '--csv', a])).code).toBe(EXIT.ok);
    expect((await runCli(['compare', join(dir, 'targets', 'aggregated'), join(dir, 'targets', 'pd-1p1d'), '--csv', b])).code).toBe(EXIT.ok);
    const text = readFileSync(a, 'utf8');
    expect(text).toBe(readFileSync(b, 'utf8'));
    expect(text.split('\n')[0]).toBe('metric,dimension,stat,unit,run,value,baseline,delta,delta_pct');
  });

  it('refuses --wide without --csv, and a folder with one run', async () => {
    const wideAlone = await runCli(['compare', dir, '--wide']);
    expect(wideAlone.code).toBe(EXIT.usage);
    expect(wideAlone.out).toMatch(/--wide shapes the --csv file/);
    const one = await runCli(['compare', join(dir, 'targets', 'aggregated')]);
    expect(one.code).toBe(EXIT.usage);
    expect(one.out).toMatch(/at least two runs/);
    const empty = await runCli(['compare', tmp(), dir]);
    expect(empty.code).toBe(EXIT.usage);
    expect(empty.out).toMatch(/no run folder in it/);
  });
});
