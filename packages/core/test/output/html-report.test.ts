// The HTML report opened in a real headless Chromium, served from a loopback HTTP server.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../src/output/html-report.ts';
import { buildRunTimeline } from '../../src/output/html-report-timeline.ts';
import type { Summary } from '../../src/record/summary.ts';
import type { Verdict } from '../../src/claims/verdict.ts';
import { CHROMIUM_INSTALL_TIMEOUT_MS, launchChromium, type Browser } from './chromium.ts';
import { AGG_SPEC, PD_SPEC, syntheticRecords, syntheticSummary } from './synthetic-runs.ts';

const HOSTILE_POD = '<img src=x onerror=alert(1)>';
const HOSTILE_MODEL = '</script><script>alert(2)</script>';
const HOSTILE_DETAILS = 'p99 ok <script>alert(3)</script> & "quoted"';

let browser: Browser;
let server: Server;
let baseUrl: string;
const pages = new Map<string, string>();
const served: string[] = [];
let agg: Summary;
let pd: Summary;

beforeAll(async () => {
  agg = await syntheticSummary({ ...AGG_SPEC, pods: ['decode-0', HOSTILE_POD, 'decode-2'], model: HOSTILE_MODEL }, 'agg');
  pd = await syntheticSummary(PD_SPEC, 'pd');
  const verdicts: Verdict[] = [
    { claim: 'prefix-affinity', feature: 'Prefix-cache-aware routing', mode: 'Aggregated', status: 'Pass', details: HOSTILE_DETAILS, sources: [], evidence: {}, thresholds: {} },
    { claim: 'pd-ttft', feature: 'P/D disaggregation', mode: 'P/D', status: 'Fail', details: 'TTFT not lower', sources: [], evidence: {}, thresholds: {} },
    { claim: 'load', feature: 'Load-aware routing', mode: 'Aggregated', status: 'Inconclusive', details: 'too few requests', sources: [], evidence: {}, thresholds: {} },
  ];
  agg.extra.verdicts = verdicts;
  agg.extra.readyPods = [{ t: 0, value: 2 }, { t: 4, value: 3 }, { t: 9, value: 3 }];

  server = createServer((req, res) => {
    served.push(req.url ?? '');
    const html = pages.get(req.url ?? '');
    if (html === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
  // Generous: on a machine without chromium, the first run installs it (see chromium.ts).
}, CHROMIUM_INSTALL_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

interface Opened {
  page: Page;
  problems: string[];
  foreignRequests: string[];
}

async function open(path: string, html: string): Promise<Opened> {
  pages.set(path, html);
  const page = await browser.context.newPage();
  const problems: string[] = [];
  const foreignRequests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('request', (r) => {
    if (r.url() !== `${baseUrl}${path}`) foreignRequests.push(r.url());
  });
  await page.goto(`${baseUrl}${path}`);
  await page.waitForSelector('body[data-charts-rendered]', { timeout: 30_000 });
  return { page, problems, foreignRequests };
}

/** Pixels of a chart's canvas within `tolerance` (per channel) of a colour. */
async function countColour(page: Page, chartId: string, hex: string, tolerance = 40): Promise<{ matching: number; nonWhite: number; total: number }> {
  const png = PNG.sync.read(await page.locator(`#${chartId} canvas`).screenshot());
  const [r0, g0, b0] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let matching = 0;
  let nonWhite = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    const [r, g, b] = [png.data[i], png.data[i + 1], png.data[i + 2]];
    if (r < 245 || g < 245 || b < 245) nonWhite++;
    if (Math.abs(r - r0) <= tolerance && Math.abs(g - g0) <= tolerance && Math.abs(b - b0) <= tolerance) matching++;
  }
  return { matching, nonWhite, total: png.width * png.height };
}

const BLUE = '#1f77b4'; // first run
const RED = '#d62728'; // second run

describe('HTML report in headless Chromium', () => {
  it('renders every chart with no console error and no network', async () => {
    const html = renderHtmlReport({ runs: [{ name: 'agg', summary: agg }, { name: 'pd', summary: pd }], generatedAt: '2026-01-15T12:00:00Z' });
    const { page, problems, foreignRequests } = await open('/two-runs.html', html);
    try {
      expect(problems).toEqual([]);
      expect(foreignRequests.filter((u) => !u.endsWith('/favicon.ico'))).toEqual([]);
      // 4 overall + 4 per-pod percentile charts, the pod split, TTFT over time, 3 time series, errors per second
      // (both runs have failures) and the ready-pods series.
      expect(agg.counts.error).toBeGreaterThan(0);
      expect(await page.getAttribute('body', 'data-charts-rendered')).toBe('15');
      for (const id of ['chart-overall-ttft', 'chart-overall-e2e', 'chart-pod-split', 'chart-ts-completed']) {
        const blue = await countColour(page, id, BLUE);
        const red = await countColour(page, id, RED);
        // Both runs are drawn (lines or bars in each run's colour), well beyond axis and grid pixels.
        expect(blue.matching, `${id} blue`).toBeGreaterThan(150);
        expect(red.matching, `${id} red`).toBeGreaterThan(150);
        expect(blue.nonWhite / blue.total, `${id} ink`).toBeGreaterThan(0.01);
      }
      // Ready pods exist only in the first run.
      expect((await countColour(page, 'chart-ts-ready', BLUE)).matching).toBeGreaterThan(100);
      expect((await countColour(page, 'chart-ts-ready', RED)).matching).toBeLessThan(20);

      // The verdict table, coloured by status.
      const statuses = await page.locator('#verdicts .status').allTextContents();
      expect(statuses).toEqual(['Pass', 'Fail', 'Inconclusive']);
      const passBg = (await page.evaluate("getComputedStyle(document.querySelector('#verdicts .status-Pass')).backgroundColor")) as string;
      const failBg = (await page.evaluate("getComputedStyle(document.querySelector('#verdicts .status-Fail')).backgroundColor")) as string;
      expect(passBg).not.toBe(failBg);
      expect(passBg).not.toBe('rgba(0, 0, 0, 0)');
    } finally {
      await page.close();
    }
  });

  it('shows hostile pod names, model names and verdict details as text, never as markup', async () => {
    const html = renderHtmlReport({ runs: [{ name: 'agg', summary: agg }, { name: 'pd', summary: pd }] });
    expect(html).not.toContain(HOSTILE_POD);
    expect(html).not.toContain(HOSTILE_MODEL);
    const { page, problems } = await open('/hostile.html', html);
    try {
      expect(problems).toEqual([]);
      expect(await page.locator('img').count()).toBe(0);
      // Only the three scripts the report ships (data, uPlot, drawing code).
      expect(await page.locator('script').count()).toBe(3);
      expect(await page.locator('#verdicts').textContent()).toContain(HOSTILE_DETAILS);
      // The pod name reaches the per-pod legend as literal text.
      expect(await page.locator('#chart-pod-ttft .u-legend').textContent()).toContain(`agg · ${HOSTILE_POD}`);
      // And the embedded JSON round-trips the exact strings.
      // (Strings, not functions: the test is compiled without the DOM library.)
      const embedded = await page.evaluate<{ pods: string[]; runs: { name: string }[] }>("JSON.parse(document.getElementById('report-data').textContent)");
      expect(embedded.pods).toContain(HOSTILE_POD);
      expect(embedded.runs.map((r) => r.name)).toEqual(['agg', 'pd']);
      expect(await page.locator('#runs').textContent()).not.toContain('<img');
    } finally {
      await page.close();
    }
  });

  it('shows hostile tag values, group ids and control names as text', async () => {
    const tagged = await syntheticSummary({ ...PD_SPEC, requests: 120, longShare: 0.5, groups: 3 }, 'pd');
    const hostileTag = `tag:class=${HOSTILE_POD}`;
    tagged.dimensions[hostileTag] = tagged.dimensions['tag:class=long']!;
    delete tagged.dimensions['tag:class=long'];
    tagged.groups.byGroup[HOSTILE_MODEL] = tagged.groups.byGroup.g0!;
    delete tagged.groups.byGroup.g0;
    const html = renderHtmlReport({ runs: [{ name: 'pd', summary: tagged }], controls: [{ name: HOSTILE_DETAILS, summary: pd }] });
    expect(html).not.toContain(HOSTILE_POD);
    expect(html).not.toContain(HOSTILE_MODEL);
    const { page, problems } = await open('/hostile-tags.html', html);
    try {
      expect(problems).toEqual([]);
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.locator('script').count()).toBe(3);
      expect(await page.locator('#tags').textContent()).toContain(`class=${HOSTILE_POD}`);
      expect(await page.locator('#chart-tag-ttft .u-legend').textContent()).toContain(`class=${HOSTILE_POD}`);
      expect(await page.locator('table.groups').textContent()).toContain(HOSTILE_MODEL);
      expect(await page.locator('#controls').textContent()).toContain(HOSTILE_DETAILS);
    } finally {
      await page.close();
    }
  });

  it('breaks errors down by class per run, with the first message as text', async () => {
    const withErrors = structuredClone(agg);
    const cls = Object.keys(withErrors.counters.errorsByClass)[0]!;
    withErrors.counters.errorSamples = { [cls]: `HTTP 503: ${HOSTILE_DETAILS}` };
    const clean = structuredClone(pd);
    clean.counters.errorsByClass = {};
    clean.counters.errorSamples = {};
    const { page, problems } = await open('/errors.html', renderHtmlReport({ runs: [{ name: 'agg', summary: withErrors }, { name: 'pd', summary: clean }] }));
    try {
      expect(problems).toEqual([]);
      const rows = await page.locator('#errors tbody tr').allTextContents();
      expect(rows).toHaveLength(Object.keys(withErrors.counters.errorsByClass).length);
      expect(rows[0]).toContain(`agg${cls}${withErrors.counters.errorsByClass[cls]}`);
      expect(rows[0]).toContain(`HTTP 503: ${HOSTILE_DETAILS}`);
      expect(await page.locator('#errors script').count()).toBe(0);
    } finally {
      await page.close();
    }
    const none = await open('/no-errors.html', renderHtmlReport({ runs: [{ name: 'pd', summary: clean }] }));
    try {
      expect(await none.page.locator('#errors').count()).toBe(0);
      expect(await none.page.locator('h2:has-text("Errors") + p').textContent()).toBe('No request failed.');
    } finally {
      await none.page.close();
    }
  });

  it('renders a single run without verdicts or ready pods', async () => {
    const html = renderHtmlReport({ runs: [{ name: 'pd only', summary: pd }] });
    const { page, problems } = await open('/one-run.html', html);
    try {
      expect(problems).toEqual([]);
      expect(await page.getAttribute('body', 'data-charts-rendered')).toBe('14');
      expect(await page.locator('#verdicts').count()).toBe(0);
      expect(await page.locator('#chart-ts-ready').count()).toBe(0);
      expect((await countColour(page, 'chart-overall-ttft', BLUE)).matching).toBeGreaterThan(150);
    } finally {
      await page.close();
    }
  });
});

describe('HTML report of an agg-vs-P/D comparison in headless Chromium', () => {
  // Short/long prompts, three load stages, prefix groups; the timelines come from the same records.
  const specs = {
    agg: { ...AGG_SPEC, longShare: 0.5, requestsPerStage: 150, groups: 6 },
    pd: { ...PD_SPEC, longShare: 0.5, requestsPerStage: 150, groups: 6 },
  };

  async function comparison() {
    const runs = [
      { name: 'aggregated', summary: await syntheticSummary(specs.agg, 'agg-vs-pd--aggregated') },
      { name: 'pd-1p1d', summary: await syntheticSummary(specs.pd, 'agg-vs-pd--pd-1p1d') },
    ];
    const control = await syntheticSummary({ ...AGG_SPEC, seed: 'control', requests: 120 }, 'agg-vs-pd--random');
    control.extra.verdicts = [
      { claim: 'latency-slo', feature: 'x', mode: 'Aggregated', status: 'Fail', details: '', sources: [], evidence: {}, thresholds: {} },
    ];
    const timelines = { aggregated: buildRunTimeline(syntheticRecords(specs.agg)), 'pd-1p1d': buildRunTimeline(syntheticRecords(specs.pd)) };
    return { runs, control, timelines };
  }

  it('draws TTFT and ITL over time on one time axis with stage lines, and legends have no placeholders', async () => {
    const { runs, control, timelines } = await comparison();
    // Ready pods sampled (epoch ms) from before the run started: they enter the charts at 0 with the value then.
    const start = Date.parse(runs[0]!.summary.meta.startedAt);
    runs[0]!.summary.extra.readyPods = [{ t: start - 5000, value: 1 }, { t: start - 1000, value: 2 }, { t: start + 2000, value: 3 }];
    const html = renderHtmlReport({ runs, timelines, controls: [{ name: 'random', summary: control }] });
    const { page, problems } = await open('/agg-vs-pd.html', html);
    try {
      expect(problems).toEqual([]);
      for (const id of ['chart-time-ttft', 'chart-time-itl']) {
        expect((await countColour(page, id, BLUE)).matching, `${id} blue`).toBeGreaterThan(150);
        expect((await countColour(page, id, RED)).matching, `${id} red`).toBeGreaterThan(150);
      }
      // Every time chart: the same x range, from the runs' start (0) to one second past the last point.
      const embedded = await page.evaluate<{
        timeRange: [number, number];
        marks: { run: string; label: string; t: number }[];
        timeseries: { readyPods: { t: number[]; value: number[] } | null }[];
      }>("JSON.parse(document.getElementById('report-data').textContent)");
      expect(embedded.timeseries[0]!.readyPods).toEqual({ t: [0, 2], value: [2, 3] });
      const lastSecond = Math.max(...runs.map((r) => r.summary.timeseries.buckets.length - 1), ...Object.values(timelines).map((t) => t.itl.t[t.itl.t.length - 1]!));
      expect(embedded.timeRange).toEqual([0, lastSecond + 1]);
      const timeCharts = ['chart-time-ttft', 'chart-time-itl', 'chart-ts-completed', 'chart-ts-tokens', 'chart-ts-inflight', 'chart-ts-errors', 'chart-ts-ready'];
      for (const id of timeCharts) expect(await page.getAttribute(`#${id}`, 'data-x-range'), id).toBe(embedded.timeRange.join(','));
      // Stages 1 and 2 of each run, at each stage's first send, drawn on every time chart.
      expect(embedded.marks).toEqual(
        runs.flatMap((r) => timelines[r.name as keyof typeof timelines].stageStarts.slice(1).map((st) => ({ run: r.name, label: `stage ${st.stage}`, t: st.t }))),
      );
      for (const id of timeCharts) expect(await page.getAttribute(`#${id}`, 'data-marks'), id).toBe('4');

      // No cursor: legends list the series without "--" values; over a chart they show values with units.
      for (const text of await page.locator('.u-legend').allTextContents()) expect(text).not.toContain('--');
      const box = (await page.locator('#chart-time-ttft canvas').boundingBox())!;
      await page.mouse.move(box.x + box.width / 3, box.y + box.height / 2);
      await expect.poll(() => page.locator('#chart-time-ttft .u-legend').textContent()).toMatch(/\d+\.\d\d ms/);
    } finally {
      await page.close();
    }
  });

  it('shows the short/long split, prefix groups → pod and the control runs’ key figures', async () => {
    const { runs, control, timelines } = await comparison();
    // A control without verdicts of its own: the runner's rows for it among the main run's verdicts are shown.
    const zero = await syntheticSummary({ ...AGG_SPEC, seed: 'zero', requests: 60 }, 'agg-vs-pd--zero-reuse');
    runs[0]!.summary.extra.verdicts = [
      { claim: 'latency-slo', feature: 'Latency [control: zero-reuse]', mode: 'Aggregated', status: 'Inconclusive', details: '', sources: [], evidence: {}, thresholds: {} },
    ];
    const html = renderHtmlReport({ runs, timelines, controls: [{ name: 'random', summary: control }, { name: 'controls/zero-reuse', summary: zero }] });
    const { page, problems } = await open('/agg-vs-pd-tables.html', html);
    try {
      expect(problems).toEqual([]);
      // By tag: one row per run and class, with the summary's TTFT p90.
      const tagRows = await page.locator('#tags tbody tr').allTextContents();
      expect(tagRows).toHaveLength(4);
      for (const r of runs) {
        for (const cls of ['long', 'short']) {
          const d = r.summary.dimensions[`tag:class=${cls}`]!;
          expect(tagRows.some((t) => t.startsWith(`${r.name}class=${cls}${d.count}`) && t.includes(d.ttft.p90!.toFixed(2)))).toBe(true);
        }
      }
      // Long prompts are drawn in their own colour on the per-tag TTFT chart.
      expect((await countColour(page, 'chart-tag-ttft', BLUE)).matching).toBeGreaterThan(150);
      expect((await countColour(page, 'chart-tag-ttft', RED)).matching).toBeGreaterThan(150);

      // Prefix groups: each group went to one pod in these runs, so 100% affinity and one pod per row.
      const groupText = await page.locator('h2:has-text("Prefix groups") ~ p').first().textContent();
      expect(groupText).toBe('aggregated: 6 groups; 100.0% of grouped requests went to their group\'s most used pod.');
      const byGroup = runs[0]!.summary.groups.byGroup;
      const first = (await page.locator('table.groups').first().locator('tbody tr').allTextContents())[0]!;
      const [g, pods] = Object.entries(byGroup).sort((a, b) => Object.values(b[1]).reduce((x, y) => x + y, 0) - Object.values(a[1]).reduce((x, y) => x + y, 0) || a[0].localeCompare(b[0]))[0]!;
      expect(first).toBe(`aggregated${g}${Object.values(pods)[0]}${Object.keys(pods)[0]}: ${Object.values(pods)[0]}`);

      // The control run: its own figures and verdicts.
      const controlRow = await page.locator('#controls tbody tr').allTextContents();
      expect(controlRow).toHaveLength(2);
      expect(controlRow[1]).toContain(`controls/zero-reuseagg-vs-pd--zero-reuse${zero.counts.finished}`);
      expect(controlRow[1]).toContain('latency-slo Inconclusive');
      expect(controlRow[0]).toContain(`randomagg-vs-pd--random${control.counts.finished}`);
      expect(controlRow[0]).toContain(control.dimensions.overall!.ttft.p99!.toFixed(2));
      expect(controlRow[0]).toContain('latency-slo Fail');
    } finally {
      await page.close();
    }
  });
});

describe('renderHtmlReport input checks', () => {
  it('names the bad field', () => {
    expect(() => renderHtmlReport({ runs: [] })).toThrow(/runs/);
    expect(() => renderHtmlReport({ runs: [{ name: 'a', summary: pd }], colour: 1 } as never)).toThrow(/colour/);
    expect(() => renderHtmlReport({ runs: [{ name: 'a', summary: pd }], timelines: { b: buildRunTimeline([]) } })).toThrow(/timelines/);
  });

  it('leaves out only the prefill-pod rows when extra.metrics is malformed, and says why', () => {
    const broken = structuredClone(pd);
    broken.extra.metrics = { schemaVersion: 1, sources: 'x' };
    const html = renderHtmlReport({ runs: [{ name: 'x', summary: broken }] });
    expect(html).toMatch(/class="problem">prefill-pod rows left out: compareRuns: run x: extra\.metrics is not metrics evidence/);
    expect(html).toContain('<td>ttft</td><td>overall</td><td>p50</td>');
  });

  it('reports malformed extra.verdicts instead of dropping them silently', () => {
    const broken = structuredClone(pd);
    broken.extra.verdicts = [{ claim: 'x', status: 'Maybe' }];
    const html = renderHtmlReport({ runs: [{ name: 'x', summary: broken }] });
    expect(html).toMatch(/class="problem">x: extra\.verdicts is not a list of verdicts/);
  });
});
