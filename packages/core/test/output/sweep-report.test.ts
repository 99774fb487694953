// The sweep report: one self-contained page with inline SVG curves (every target on the same axes from 0, the SLO
// as a line), the verdict rows and the level tables; every name and detail escaped; no "--" placeholders.
import { describe, expect, it } from 'vitest';
import { renderSweepReport, type SweepReportInput, type SweepReportLevel } from '../../src/output/sweep-report.ts';

const lat = (base: number) => ({
  ttft: { p50: base, p90: base * 2, p99: base * 3 },
  itl: { p50: 3, p90: 4, p99: 6 },
  tpot: { p50: 3, p90: null, p99: null },
  e2e: { p50: base + 50, p90: base * 2 + 50, p99: base * 3 + 50 },
});
const level = (lv: number, thr: number, base: number, phase: SweepReportLevel['phase'] = 'ladder'): SweepReportLevel => ({
  phase,
  over: phase === 'ladder' ? 'rate' : 'concurrency',
  level: lv,
  throughput: thr,
  goodput: null,
  errorRate: 0,
  status: base > 200 ? 'Fail' : 'Pass',
  stop: null,
  latency: lat(base),
  dir: `targets/x/${lv}`,
});

const input: SweepReportInput = {
  title: 'routebench sweep — <b>t</b>',
  unit: 'req/s',
  slos: [{ key: 'ttft.p90<=500', label: 'TTFT p90 ≤ 500 ms', metric: 'ttft', percentile: 90, maxMs: 500 }],
  targets: [
    { name: 'agg<script>', description: 'sim agg-2', sloMax: 15, sloMaxText: '≈ 15 req/s', stoppedBy: null, levels: [level(1, 1, 10, 'serial'), level(10, 9.8, 100), level(20, 18, 300)] },
    { name: 'pd', description: 'sim pd-1p1d', sloMax: null, sloMaxText: '< 10 req/s', stoppedBy: 'stopped after 20 req/s: client-bound', levels: [level(10, 9.5, 400), level(20, 12, 900), { ...level(20, 11, 950), clientBound: true }] },
  ],
  verdicts: [{ feature: 'F [agg<script>]', status: 'Pass', details: 'a & b' }],
  crossings: [{ label: 'TTFT p90 ≤ 500 ms', at: [12.5] }],
};

describe('renderSweepReport', () => {
  const html = renderSweepReport(input);

  it('draws one curve per target on each chart, the SLO line, and the achieved-vs-requested chart', () => {
    expect(html.match(/<svg /g)!.length).toBe(6); // TTFT p90 (SLO), TTFT p99, ITL p99, TPOT p50, E2E p99, achieved vs requested
    expect(html.match(/<polyline /g)!.length).toBe(12);
    expect(html).toContain('SLO TTFT p90 ≤ 500 ms');
    expect(html).toMatch(/class="slo"/);
    // The serial level and a client-bound run are hollow markers, off the line.
    expect(html).toMatch(/fill="none" stroke="#1f77b4"><title>agg&lt;script&gt; \(serial\/probe level or client-bound run\)/);
    expect(html).toMatch(/fill="none" stroke="#d62728"><title>pd \(serial\/probe level or client-bound run\): 11\.0, /);
  });

  it('escapes every name and detail, and has no script at all', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('agg&lt;script&gt;');
    expect(html).toContain('a &amp; b');
    expect(html).toContain('<title>routebench sweep — &lt;b&gt;t&lt;/b&gt;</title>');
  });

  it('says n/a where a percentile is missing, never a "--" placeholder', () => {
    expect(html).not.toMatch(/--\s*ms|>--</);
    expect(html).toContain('<td>n/a</td>');
    expect(html).toContain('curves cross at 12.5 req/s');
    expect(html).toContain('stopped after 20 req/s: client-bound');
  });

  it('an axis starts at 0: the lowest tick label of every chart is 0', () => {
    const svgs = html.split('<svg ').slice(1);
    for (const svg of svgs) expect(svg).toMatch(/text-anchor="middle">0<\/text>/);
  });
});
