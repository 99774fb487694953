// The HTML report opened in a real headless Chromium, served from a loopback HTTP server.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../src/output/html-report.ts';
import type { Summary } from '../../src/record/summary.ts';
import type { Verdict } from '../../src/claims/verdict.ts';
import { CHROMIUM_INSTALL_TIMEOUT_MS, launchChromium, type Browser } from './chromium.ts';
import { AGG_SPEC, PD_SPEC, syntheticSummary } from './synthetic-runs.ts';

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
      // 4 overall + 4 per-pod percentile charts, the pod split, 3 time series and the ready-pods series.
      expect(await page.getAttribute('body', 'data-charts-rendered')).toBe('13');
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
      expect(await page.getAttribute('body', 'data-charts-rendered')).toBe('12');
      expect(await page.locator('#verdicts').count()).toBe(0);
      expect(await page.locator('#chart-ts-ready').count()).toBe(0);
      expect((await countColour(page, 'chart-overall-ttft', BLUE)).matching).toBeGreaterThan(150);
    } finally {
      await page.close();
    }
  });
});

describe('renderHtmlReport input checks', () => {
  it('names the bad field', () => {
    expect(() => renderHtmlReport({ runs: [] })).toThrow(/runs/);
    expect(() => renderHtmlReport({ runs: [{ name: 'a', summary: pd }], colour: 1 } as never)).toThrow(/colour/);
  });

  it('reports malformed extra.verdicts instead of dropping them silently', () => {
    const broken = structuredClone(pd);
    broken.extra.verdicts = [{ claim: 'x', status: 'Maybe' }];
    const html = renderHtmlReport({ runs: [{ name: 'x', summary: broken }] });
    expect(html).toMatch(/class="problem">x: extra\.verdicts is not a list of verdicts/);
  });
});
