// The self-contained HTML report: one file with uPlot, its CSS, the data and the drawing code inlined, so it opens
// offline and can be attached to a ticket. A Content-Security-Policy allows only the page's own scripts (by hash)
// and no network at all, as a second line of defence behind the escaping of every server- or user-given string.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { z } from 'zod';
import { CompareRunSchema, compareRuns, type CompareRow } from './compare.ts';
import type { Summary } from '../record/summary.ts';
import { assertInlineableScript, escapeHtml, jsonForScript } from './html-escape.ts';
import { buildReportData, REPORT_LATENCY_METRICS, type ControlInfo, type GroupPlacement, type ReportData, type RunInfo, type TagRow } from './html-report-data.ts';
import type { RunTimeline } from './html-report-timeline.ts';
import { RoutebenchError } from '../errors.ts';

export const HtmlReportOptionsSchema = z.strictObject({
  runs: z
    .array(CompareRunSchema)
    .min(1)
    .refine((runs) => new Set(runs.map((r) => r.name)).size === runs.length, { message: 'run names must be unique' }),
  /** Per run name: its records' timeline (buildRunTimeline / readRunTimeline): ITL over time and stage starts. */
  timelines: z
    .record(
      z.string(),
      z.custom<RunTimeline>((v) => typeof v === 'object' && v !== null && 'itl' in v && 'stageStarts' in v, {
        message: 'expected a RunTimeline (from buildRunTimeline)',
      }),
    )
    .optional(),
  /** The scenario's control runs: their key figures get a table of their own (they are not overlaid). */
  controls: z.array(CompareRunSchema).optional(),
  title: z.string().min(1).optional(),
  /** Shown in the footer; fixed in tests so output is reproducible. Default: now. */
  generatedAt: z.iso.datetime({ offset: true }).optional(),
}).refine((o) => Object.keys(o.timelines ?? {}).every((k) => o.runs.some((r) => r.name === k)), {
  message: 'every timelines key must be the name of one of the runs',
  path: ['timelines'],
});
export type HtmlReportOptions = z.input<typeof HtmlReportOptionsSchema>;

interface Assets {
  uplotJs: string;
  uplotCss: string;
  clientJs: string;
}
let assets: Assets | undefined;

/** uPlot's browser build is read from node_modules (the IIFE defines the global `uPlot`). */
function loadAssets(): Assets {
  if (assets) return assets;
  const require = createRequire(import.meta.url);
  const uplotJs = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
  const uplotCss = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  const clientJs = readFileSync(new URL('./html-report-page.js', import.meta.url), 'utf8');
  assertInlineableScript(uplotJs, 'uPlot.iife.min.js');
  assertInlineableScript(clientJs, 'report/client.js');
  if (/<\/style/i.test(uplotCss)) throw new Error('uPlot.min.css contains "</style" and cannot be inlined');
  assets = { uplotJs, uplotCss, clientJs };
  return assets;
}

const sha256 = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1880px;padding:16px 24px;color:#222;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin:16px 0 6px}
table{border-collapse:collapse;margin:6px 0 12px}th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f5f5f5}td.num{text-align:right;font-variant-numeric:tabular-nums}
.status{font-weight:600;border-radius:4px;padding:1px 8px;display:inline-block}
.status-Pass{background:#d7f5dd;color:#0b6b1f}.status-Fail{background:#fbd9d9;color:#a11212}.status-Inconclusive{background:#fff0c2;color:#7a5a00}
.better{color:#0b6b1f}.worse{color:#a11212}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:12px}
.chart{min-height:40px}.muted{color:#777}.problem{background:#fff4e5;border:1px solid #f0c36d;padding:6px 10px;white-space:pre-wrap}
footer{margin-top:32px;color:#888;font-size:12px}
`;

function fmt(x: number | null, digits = 2): string {
  return x === null || !Number.isFinite(x) ? '–' : x.toFixed(digits);
}

function runsTable(runs: RunInfo[]): string {
  const rows = runs
    .map(
      (r) => `<tr><td>${escapeHtml(r.name)}</td><td>${escapeHtml(r.scenario)}</td><td>${escapeHtml(r.target)}</td>` +
        `<td>${escapeHtml(r.startedAt)}</td><td class="num">${fmt(r.durationS, 1)}</td><td class="num">${r.requests}</td>` +
        `<td class="num">${r.ok}</td><td class="num">${r.errors}</td><td class="num">${fmt(r.requestsPerS)}</td>` +
        `<td class="num">${fmt(r.outputTokensPerS, 1)}</td></tr>`,
    )
    .join('\n');
  return `<table id="runs"><thead><tr><th>Run</th><th>Scenario</th><th>Target</th><th>Started</th><th>Duration (s)</th>` +
    `<th>Requests</th><th>OK</th><th>Errors</th><th>Requests/s</th><th>Output tokens/s</th></tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

function verdictsSection(runs: RunInfo[]): string {
  const multi = runs.length > 1;
  const rows: string[] = [];
  const problems: string[] = [];
  for (const r of runs) {
    if (r.verdictsProblem) problems.push(`<div class="problem">${escapeHtml(`${r.name}: ${r.verdictsProblem}`)}</div>`);
    for (const v of r.verdicts) {
      rows.push(
        `<tr>${multi ? `<td>${escapeHtml(r.name)}</td>` : ''}<td>${escapeHtml(v.feature)}</td><td>${escapeHtml(v.mode)}</td>` +
          `<td><span class="status status-${v.status}">${v.status}</span></td><td>${escapeHtml(v.details)}</td></tr>`,
      );
    }
  }
  const table = rows.length
    ? `<table id="verdicts"><thead><tr>${multi ? '<th>Run</th>' : ''}<th>Feature</th><th>Mode</th><th>Status</th><th>Details</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`
    : '<p class="muted">No verdicts in these summaries.</p>';
  return `<h2>Verdicts</h2>\n${problems.join('\n')}${table}`;
}

function errorsSection(runs: RunInfo[]): string {
  const multi = runs.length > 1;
  const rows = runs.flatMap((r) =>
    r.errorClasses.map(
      (e) =>
        `<tr>${multi ? `<td>${escapeHtml(r.name)}</td>` : ''}<td>${escapeHtml(e.errorClass)}</td><td class="num">${e.count}</td>` +
        `<td class="num">${r.requests > 0 ? ((100 * e.count) / r.requests).toFixed(1) : '–'}</td><td>${e.sample === null ? '' : escapeHtml(e.sample)}</td></tr>`,
    ),
  );
  const table = rows.length
    ? `<table id="errors"><thead><tr>${multi ? '<th>Run</th>' : ''}<th>Error class</th><th>Requests</th><th>% of requests</th><th>First message</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`
    : '<p class="muted">No request failed.</p>';
  const statusRows = runs.flatMap((r) =>
    r.errorsByHttpStatus.map(
      (e) => `<tr>${multi ? `<td>${escapeHtml(r.name)}</td>` : ''}<td>${escapeHtml(e.status)}</td><td class="num">${e.count}</td></tr>`,
    ),
  );
  const statusTable = statusRows.length
    ? `<h3>By HTTP status</h3>\n<table id="errors-http"><thead><tr>${multi ? '<th>Run</th>' : ''}<th>HTTP status</th><th>Requests</th></tr></thead><tbody>\n${statusRows.join('\n')}\n</tbody></table>`
    : '';
  return `<h2>Errors</h2>\n${table}\n${statusTable}`;
}

function controlsSection(controls: ControlInfo[]): string {
  if (controls.length === 0) return '';
  const rows = controls
    .map((c) => {
      const verdicts = c.verdicts.map((v) => `${escapeHtml(v.claim)} <span class="status status-${escapeHtml(v.status)}">${escapeHtml(v.status)}</span>`).join('<br>');
      return `<tr><td>${escapeHtml(c.name)}</td><td>${escapeHtml(c.scenario)}</td><td class="num">${c.requests}</td>` +
        `<td class="num">${c.errorRate === null ? '–' : (100 * c.errorRate).toFixed(2)}</td><td class="num">${fmt(c.ttftP50)}</td><td class="num">${fmt(c.ttftP99)}</td>` +
        `<td class="num">${fmt(c.itlP50)}</td><td class="num">${fmt(c.e2eP99)}</td><td class="num">${fmt(c.requestsPerS)}</td><td class="num">${fmt(c.outputTokensPerS, 1)}</td>` +
        `<td>${verdicts}${c.verdictsProblem ? `<div class="problem">${escapeHtml(c.verdictsProblem)}</div>` : ''}</td></tr>`;
    })
    .join('\n');
  return `<h2>Control runs</h2>
<p class="muted">The same scenario with one thing changed (e.g. a random picker): the figures a claim is judged against.</p>
<table id="controls"><thead><tr><th>Control</th><th>Scenario</th><th>Requests</th><th>Errors (%)</th><th>TTFT p50 (ms)</th><th>TTFT p99 (ms)</th>` +
    `<th>ITL p50 (ms)</th><th>E2E p99 (ms)</th><th>Requests/s</th><th>Output tokens/s</th><th>Verdicts</th></tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

function tagsSection(tags: TagRow[], multi: boolean): string {
  if (tags.length === 0) return '';
  const rows = tags
    .map(
      (t) => `<tr>${multi ? `<td>${escapeHtml(t.run)}</td>` : ''}<td>${escapeHtml(t.tag)}</td><td class="num">${t.count}</td><td class="num">${t.errors}</td>` +
        `<td class="num">${fmt(t.ttft.p50)}</td><td class="num">${fmt(t.ttft.p90)}</td><td class="num">${fmt(t.ttft.p99)}</td>` +
        `<td class="num">${fmt(t.itlP50)}</td><td class="num">${fmt(t.itlP99)}</td><td class="num">${fmt(t.e2eP99)}</td></tr>`,
    )
    .join('\n');
  return `<h2>By tag (e.g. short / long prompts)</h2>
<table id="tags"><thead><tr>${multi ? '<th>Run</th>' : ''}<th>Tag</th><th>Requests</th><th>Errors</th><th>TTFT p50 (ms)</th><th>TTFT p90 (ms)</th><th>TTFT p99 (ms)</th>` +
    `<th>ITL p50 (ms)</th><th>ITL p99 (ms)</th><th>E2E p99 (ms)</th></tr></thead><tbody>\n${rows}\n</tbody></table>
${chartDivs(['chart-tag-ttft'])}`;
}

function groupsSection(groups: GroupPlacement[]): string {
  if (groups.length === 0) return '';
  const multi = groups.length > 1;
  const parts = groups.map((g) => {
    const rows = g.rows
      .map(
        (r) => `<tr>${multi ? `<td>${escapeHtml(g.run)}</td>` : ''}<td>${escapeHtml(r.group)}</td><td class="num">${r.requests}</td>` +
          `<td>${r.pods.map((p) => `${escapeHtml(p.pod)}: ${p.count}`).join(', ')}</td></tr>`,
      )
      .join('\n');
    const more = g.groups > g.rows.length ? `<p class="muted">${g.groups - g.rows.length} more groups not listed.</p>` : '';
    const dropped = g.droppedRecords > 0 ? `<p class="muted">${g.droppedRecords} grouped requests were not counted (group cap reached).</p>` : '';
    return `<p>${escapeHtml(g.run)}: ${g.groups} groups; ${g.topPodShare === null ? '–' : (100 * g.topPodShare).toFixed(1)}% of grouped requests went to their group's most used pod.</p>
<table class="groups"><thead><tr>${multi ? '<th>Run</th>' : ''}<th>Group</th><th>Requests</th><th>Pods (requests)</th></tr></thead><tbody>\n${rows}\n</tbody></table>${more}${dropped}`;
  });
  return `<h2>Prefix groups → pod</h2>\n${parts.join('\n')}`;
}

function keyStatsTable(rows: CompareRow[]): string {
  if (rows.length === 0) return '';
  const runs = rows[0].cells.map((c) => c.run);
  const head = `<tr><th>Metric</th><th>Dimension</th><th>Stat</th><th>Unit</th>${runs.map((r) => `<th>${escapeHtml(r)}</th>`).join('')}` +
    `${runs.slice(1).map((r) => `<th>Δ% ${escapeHtml(r)}</th>`).join('')}</tr>`;
  const body = rows
    .map((row) => {
      const digits = row.unit === 'fraction' ? 4 : row.unit === 'requests' || row.unit === 'tokens' ? 0 : 2;
      const vals = row.cells.map((c) => `<td class="num">${fmt(c.value, digits)}</td>`).join('');
      const deltas = row.cells
        .slice(1)
        .map((c) => {
          const tone = c.delta === null || c.delta === 0 ? '' : (c.delta > 0) === row.higherIsBetter ? 'better' : 'worse';
          const text = c.deltaPct === null ? '–' : `${c.deltaPct > 0 ? '+' : ''}${c.deltaPct.toFixed(1)}%`;
          return `<td class="num ${tone}">${text}</td>`;
        })
        .join('');
      return `<tr><td>${escapeHtml(row.metric)}</td><td>${escapeHtml(row.dimension)}</td><td>${escapeHtml(row.stat)}</td><td>${escapeHtml(row.unit)}</td>${vals}${deltas}</tr>`;
    })
    .join('\n');
  return `<table id="key-stats"><thead>${head}</thead><tbody>\n${body}\n</tbody></table>`;
}

interface KeyRows {
  rows: CompareRow[];
  problem: string | null;
}

/** Overall and prefill-pod rows; a malformed extra.metrics costs only the prefill rows, and the page says why. */
function keyStatistics(runs: { name: string; summary: Summary }[]): KeyRows {
  const stats = ['p50', 'p90', 'p99', 'mean'] as const;
  try {
    return { rows: compareRuns(runs, { dimensions: ['overall', 'prefill'], stats: [...stats] }), problem: null };
  } catch (e) {
    if (!(e instanceof RoutebenchError)) throw e;
    return { rows: compareRuns(runs, { dimensions: ['overall'], stats: [...stats] }), problem: `prefill-pod rows left out: ${e.message}` };
  }
}

function chartDivs(ids: string[]): string {
  return `<div class="grid">${ids.map((id) => `<div class="chart" id="${id}"></div>`).join('')}</div>`;
}

function body(data: ReportData, title: string, keyRows: KeyRows, generatedAt: string): string {
  const problems = data.runs
    .filter((r) => r.readyPodsProblem)
    .map((r) => `<div class="problem">${escapeHtml(`${r.name}: ${r.readyPodsProblem}`)}</div>`)
    .join('\n');
  const hasReady = data.timeseries.some((t) => t.readyPods !== null);
  const hasErrors = data.timeseries.some((t) => t.errorsPerS.some((e) => e > 0));
  const hasItl = data.timeseries.some((t) => t.itl !== null && t.itl.t.length > 0);
  const noItl = data.timeseries.filter((t) => t.itl === null).map((t) => t.run);
  return `<h1>${escapeHtml(title)}</h1>
<p class="muted">${data.runs.length > 1 ? `Baseline for deltas: <b>${escapeHtml(data.runs[0].name)}</b>. ` : ''}Latency statistics cover successful requests; ITL is per token.</p>
<h2>Runs</h2>
${runsTable(data.runs)}
${verdictsSection(data.runs)}
${errorsSection(data.runs)}
<h2>Key statistics</h2>
<p class="muted">Overall, and for a P/D run its prefill pods' own figures (server side: vLLM's counters and TTFT histogram; the client only sees the decode pod).</p>
${keyRows.problem ? `<div class="problem">${escapeHtml(keyRows.problem)}</div>` : ''}
${keyStatsTable(keyRows.rows)}
${controlsSection(data.controls)}
<h2>Latency percentiles — overall</h2>
${chartDivs(REPORT_LATENCY_METRICS.map((m) => `chart-overall-${m}`))}
${tagsSection(data.tags, data.runs.length > 1)}
<h2>Latency percentiles — per pod</h2>
${data.pods.length ? chartDivs(REPORT_LATENCY_METRICS.map((m) => `chart-pod-${m}`)) : '<p class="muted">No per-pod attribution in these runs.</p>'}
<h2>Request split per pod</h2>
${data.pods.length ? chartDivs(['chart-pod-split']) : '<p class="muted">No per-pod attribution in these runs.</p>'}
${groupsSection(data.groups)}
<h2>Latency over time</h2>
<p class="muted">Every chart over time counts seconds since its run started; a per-second value is drawn at the start of its second. Dashed vertical lines: the measured phase after a warm-up, and each later load stage.</p>
${noItl.length ? `<p class="muted">ITL over time needs the run's requests.jsonl, not given for: ${escapeHtml(noItl.join(', '))}.</p>` : ''}
${chartDivs(['chart-time-ttft', ...(hasItl ? ['chart-time-itl'] : [])])}
<h2>Time series</h2>
${problems}
${chartDivs(['chart-ts-completed', 'chart-ts-tokens', 'chart-ts-inflight', ...(hasErrors ? ['chart-ts-errors'] : []), ...(hasReady ? ['chart-ts-ready'] : [])])}
<footer>routebench report · generated ${escapeHtml(generatedAt)} · charts by uPlot (MIT)</footer>`;
}

/** Render one self-contained HTML page for one or several runs (several are overlaid on the same charts). */
export function renderHtmlReport(options: HtmlReportOptions): string {
  const parsed = HtmlReportOptionsSchema.safeParse(options);
  if (!parsed.success) throw new RoutebenchError('RB_CONFIG_INVALID', `renderHtmlReport: invalid options:\n${z.prettifyError(parsed.error)}`);
  const { runs, title, generatedAt, timelines, controls } = parsed.data;
  const typedRuns = runs as { name: string; summary: Summary }[];
  const { uplotJs, uplotCss, clientJs } = loadAssets();
  const data = buildReportData(typedRuns, { timelines, controls: controls as { name: string; summary: Summary }[] | undefined });
  const keyRows = keyStatistics(typedRuns);
  const pageTitle = title ?? `routebench report: ${typedRuns.map((r) => r.name).join(' vs ')}`;
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(uplotJs)} ${sha256(clientJs)}`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(pageTitle)}</title>
<style>${uplotCss}</style>
<style>${STYLE}</style>
</head>
<body>
${body(data, pageTitle, keyRows, generatedAt ?? new Date().toISOString())}
<script type="application/json" id="report-data">${jsonForScript(data)}</script>
<script>${uplotJs}</script>
<script>${clientJs}</script>
</body>
</html>
`;
}
