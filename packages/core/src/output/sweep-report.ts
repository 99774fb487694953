// The sweep report (report.html of `routebench sweep`): one self-contained page, no script, no external asset.
// Inline SVG curves of latency against achieved throughput, every target overlaid on the same axes (both axes
// start at 0, so curves and charts compare by eye), the SLO as a dashed line; served against requested rate;
// then the verdict rows and each target's levels. Every text that came from a user or a server is escaped.
// Curves of latency vs throughput per target follow vLLM's sweep plots (vllm/benchmarks/sweep/plot.py) and
// GuideLLM's report; only the percentiles the summaries keep (p50, p90, p99) are drawn.
import { escapeHtml } from './html-escape.ts';

type Pcts = { p50: number | null; p90: number | null; p99: number | null };
type Metric = 'ttft' | 'itl' | 'tpot' | 'e2e';

export interface SweepReportLevel {
  phase: 'serial' | 'probe' | 'ladder' | 'refine';
  over: 'rate' | 'concurrency';
  level: number;
  /** Ok requests/s achieved. */
  throughput: number;
  goodput: number | null;
  errorRate: number;
  status: string;
  /** The client was its own bottleneck: drawn as a hollow marker off the curve (not judged). */
  clientBound?: boolean;
  stop: string | null;
  latency: Record<Metric, Pcts>;
  dir: string;
}

export interface SweepReportInput {
  title: string;
  /** Unit of a level: "req/s" or "users". */
  unit: string;
  slos: Array<{ key: string; label: string; metric: Metric; percentile: number; maxMs: number }>;
  targets: Array<{ name: string; description: string; sloMax: number | null; sloMaxText: string; stoppedBy: string | null; levels: SweepReportLevel[] }>;
  verdicts: Array<{ feature: string; status: string; details: string }>;
  crossings: Array<{ label: string; at: number[] }>;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf'];
const W = 560;
const H = 300;
const M = { l: 64, r: 16, t: 28, b: 44 };

/** A round step giving about `n` ticks from 0 to max. */
function niceStep(max: number, n = 5): number {
  const raw = max / n;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : String(Number(x.toPrecision(3))));
/** Axis ticks: whole numbers without decimals (0, 5, 10), others as fmt. */
const tick = (x: number) => (Number.isInteger(x) ? String(x) : fmt(x));
const cellNum = (x: number | null, unit = '') => (x === null || !Number.isFinite(x) ? 'n/a' : `${fmt(x)}${unit}`);

interface Series {
  name: string;
  color: string;
  /** Joined by a line (the ladder, in level order). */
  line: Array<[number, number]>;
  /** Hollow markers only (serial / probe levels of an auto ladder, client-bound runs). */
  extra: Array<[number, number]>;
}

function chart(title: string, xLabel: string, yLabel: string, series: Series[], opts: { hLine?: { y: number; label: string }; diagonal?: boolean } = {}): string {
  const pts = series.flatMap((s) => [...s.line, ...s.extra]);
  if (pts.length === 0) return `<figure class="chart"><figcaption>${escapeHtml(title)}</figcaption><p class="empty">no data</p></figure>`;
  let xMax = Math.max(...pts.map((p) => p[0]));
  let yMax = Math.max(...pts.map((p) => p[1]), opts.hLine ? opts.hLine.y * 1.1 : 0);
  if (opts.diagonal) xMax = yMax = Math.max(xMax, yMax);
  const xs = niceStep(xMax > 0 ? xMax : 1);
  const ys = niceStep(yMax > 0 ? yMax : 1);
  xMax = Math.ceil((xMax > 0 ? xMax : 1) / xs) * xs;
  yMax = Math.ceil((yMax > 0 ? yMax : 1) / ys) * ys;
  const X = (x: number) => M.l + (x / xMax) * (W - M.l - M.r);
  const Y = (y: number) => H - M.b - (y / yMax) * (H - M.t - M.b);
  const parts: string[] = [];
  for (let x = 0; x <= xMax + xs / 2; x += xs)
    parts.push(`<line x1="${X(x)}" y1="${Y(0)}" x2="${X(x)}" y2="${Y(yMax)}" class="grid"/><text x="${X(x)}" y="${Y(0) + 16}" text-anchor="middle">${tick(Number(x.toPrecision(10)))}</text>`);
  for (let y = 0; y <= yMax + ys / 2; y += ys)
    parts.push(`<line x1="${X(0)}" y1="${Y(y)}" x2="${X(xMax)}" y2="${Y(y)}" class="grid"/><text x="${X(0) - 6}" y="${Y(y) + 4}" text-anchor="end">${tick(Number(y.toPrecision(10)))}</text>`);
  parts.push(`<line x1="${X(0)}" y1="${Y(0)}" x2="${X(xMax)}" y2="${Y(0)}" class="axis"/><line x1="${X(0)}" y1="${Y(0)}" x2="${X(0)}" y2="${Y(yMax)}" class="axis"/>`);
  parts.push(`<text x="${(X(0) + X(xMax)) / 2}" y="${H - 8}" text-anchor="middle">${escapeHtml(xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${(Y(0) + Y(yMax)) / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(yLabel)}</text>`);
  if (opts.diagonal) parts.push(`<line x1="${X(0)}" y1="${Y(0)}" x2="${X(xMax)}" y2="${Y(yMax)}" class="ref"/>`);
  if (opts.hLine && opts.hLine.y <= yMax)
    parts.push(`<line x1="${X(0)}" y1="${Y(opts.hLine.y)}" x2="${X(xMax)}" y2="${Y(opts.hLine.y)}" class="slo"/><text x="${X(xMax) - 4}" y="${Y(opts.hLine.y) - 4}" text-anchor="end" class="slo-label">${escapeHtml(opts.hLine.label)}</text>`);
  series.forEach((s, i) => {
    if (s.line.length > 1) parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${s.line.map(([x, y]) => `${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join(' ')}"/>`);
    for (const [x, y] of s.line) parts.push(`<circle cx="${X(x).toFixed(1)}" cy="${Y(y).toFixed(1)}" r="3.5" fill="${s.color}"><title>${escapeHtml(`${s.name}: ${fmt(x)}, ${fmt(y)}`)}</title></circle>`);
    for (const [x, y] of s.extra) parts.push(`<circle cx="${X(x).toFixed(1)}" cy="${Y(y).toFixed(1)}" r="4" fill="none" stroke="${s.color}"><title>${escapeHtml(`${s.name} (serial/probe level or client-bound run): ${fmt(x)}, ${fmt(y)}`)}</title></circle>`);
    parts.push(`<rect x="${M.l + 8 + i * 130}" y="6" width="10" height="10" fill="${s.color}"/><text x="${M.l + 22 + i * 130}" y="15">${escapeHtml(s.name)}</text>`);
  });
  return `<figure class="chart"><figcaption>${escapeHtml(title)}</figcaption><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(title)}">${parts.join('')}</svg></figure>`;
}

const onLadder = (l: SweepReportLevel) => (l.phase === 'ladder' || l.phase === 'refine') && !l.clientBound;

function latencySeries(input: SweepReportInput, metric: Metric, p: keyof Pcts): Series[] {
  return input.targets.map((t, i) => {
    const pt = (l: SweepReportLevel): Array<[number, number]> => (l.latency[metric][p] === null ? [] : [[l.throughput, l.latency[metric][p]!]]);
    return {
      name: t.name,
      color: COLORS[i % COLORS.length]!,
      line: [...t.levels].filter(onLadder).sort((a, b) => a.level - b.level).flatMap(pt),
      extra: t.levels.filter((l) => !onLadder(l)).flatMap(pt),
    };
  });
}

export function renderSweepReport(input: SweepReportInput): string {
  const wanted: Array<{ metric: Metric; p: keyof Pcts; slo?: SweepReportInput['slos'][number] }> = [];
  for (const s of input.slos) {
    const p = ({ 50: 'p50', 90: 'p90', 99: 'p99' } as Record<number, keyof Pcts>)[s.percentile];
    if (p && !wanted.some((w) => w.metric === s.metric && w.p === p)) wanted.push({ metric: s.metric, p, slo: s });
  }
  for (const [metric, p] of [['ttft', 'p99'], ['itl', 'p99'], ['tpot', 'p50'], ['e2e', 'p99']] as const) if (!wanted.some((w) => w.metric === metric && w.p === p)) wanted.push({ metric, p });
  const charts = wanted.map((w) =>
    chart(
      `${w.metric.toUpperCase()} ${w.p} vs achieved throughput`,
      'achieved throughput (ok req/s)',
      `${w.metric.toUpperCase()} ${w.p} (ms)`,
      latencySeries(input, w.metric, w.p),
      w.slo ? { hLine: { y: w.slo.maxMs, label: `SLO ${w.slo.label}` } } : {},
    ),
  );
  const rateLadder = input.targets.some((t) => t.levels.some((l) => onLadder(l) && l.over === 'rate'));
  if (rateLadder)
    charts.push(
      chart(
        'Achieved vs requested rate (the diagonal is "kept up")',
        'requested rate (req/s)',
        'achieved throughput (ok req/s)',
        input.targets.map((t, i) => ({ name: t.name, color: COLORS[i % COLORS.length]!, line: [...t.levels].filter((l) => onLadder(l) && l.over === 'rate').sort((a, b) => a.level - b.level).map((l) => [l.level, l.throughput] as [number, number]), extra: [] })),
        { diagonal: true },
      ),
    );
  const verdictRows = input.verdicts
    .map((v) => `<tr><td>${escapeHtml(v.feature)}</td><td class="st-${escapeHtml(v.status)}">${escapeHtml(v.status)}</td><td>${escapeHtml(v.details)}</td></tr>`)
    .join('');
  const crossing = input.crossings.map((c) => `<li>${escapeHtml(c.label)}: ${c.at.length > 0 ? `curves cross at ${c.at.map((x) => `${fmt(x)} ${escapeHtml(input.unit)}`).join(', ')}` : 'curves do not cross in the range both targets tested'}</li>`).join('');
  const levelTables = input.targets
    .map((t) => {
      const rows = t.levels
        .map(
          (l) =>
            `<tr><td>${escapeHtml(l.phase)}</td><td>${fmt(l.level)} ${l.over === 'rate' ? 'req/s' : 'users'}</td><td>${cellNum(l.throughput)}</td><td>${cellNum(l.goodput)}</td><td>${(l.errorRate * 100).toFixed(1)}%</td>` +
            (['ttft', 'itl', 'e2e'] as const).flatMap((m) => (['p50', 'p90', 'p99'] as const).map((p) => `<td>${cellNum(l.latency[m][p])}</td>`)).join('') +
            `<td class="st-${escapeHtml(l.status)}">${escapeHtml(l.status)}</td><td>${escapeHtml(l.stop ?? '')}</td><td><code>${escapeHtml(l.dir)}</code></td></tr>`,
        )
        .join('');
      const head = ['phase', 'level', 'ok req/s', 'goodput req/s', 'errors', ...(['TTFT', 'ITL', 'E2E'] as const).flatMap((m) => ['p50', 'p90', 'p99'].map((p) => `${m} ${p} ms`)), 'SLO', 'stopped', 'folder'];
      return `<h3>${escapeHtml(t.name)}</h3><p class="muted">${escapeHtml(t.description)}</p><p><b>SLO-max:</b> ${escapeHtml(t.sloMaxText)}${t.stoppedBy ? `<br><b>Ladder:</b> ${escapeHtml(t.stoppedBy)}` : ''}</p><table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>`;
    })
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(input.title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#222}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
.charts{display:flex;flex-wrap:wrap;gap:12px}
figure.chart{margin:0;border:1px solid #ddd;padding:6px}
figcaption{font-weight:600;font-size:13px}
svg text{font-size:11px;fill:#333}
.grid{stroke:#eee}.axis{stroke:#555}.ref{stroke:#999;stroke-dasharray:2 3}.slo{stroke:#b00;stroke-dasharray:6 4}.slo-label{fill:#b00}
.st-Pass{color:#060}.st-Fail{color:#b00}.st-Inconclusive{color:#a60}
.muted{color:#666}.empty{color:#666;font-style:italic}
</style></head><body>
<h1>${escapeHtml(input.title)}</h1>
<p class="muted">SLOs: ${input.slos.length > 0 ? input.slos.map((s) => escapeHtml(s.label)).join(', ') : 'none'}. Filled markers: ladder levels, joined in level order; hollow markers: the serial and probe levels of an auto ladder, and runs whose client was its own bottleneck (not judged). Both axes start at 0.</p>
<h2>Verdicts</h2>
${input.verdicts.length > 0 ? `<table><thead><tr><th>Feature</th><th>Status</th><th>Details</th></tr></thead><tbody>${verdictRows}</tbody></table>` : '<p class="empty">no SLO given: curves only</p>'}
${crossing ? `<ul>${crossing}</ul>` : ''}
<h2>Curves</h2>
<div class="charts">${charts.join('\n')}</div>
<h2>Levels</h2>
${levelTables}
</body></html>
`;
}
