// `routebench report` on a real agg-vs-pd folder (both targets on the embedded simulator), opened in headless
// Chromium: the folder stands for its runs, each run's requests.jsonl adds ITL over time, each target shows its
// own verdicts, and a run folder's controls/ get the control-run table.
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/exit-codes.ts';
import { runCli } from '../cli-harness.ts';
import { CHROMIUM_INSTALL_TIMEOUT_MS, launchChromium, type Browser } from '../../../core/test/output/chromium.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'rb-cli-report-'));
let dir: string;
let browser: Browser;

beforeAll(async () => {
  dir = join(tmp(), 'avp');
  const r = await runCli(['run', 'agg-vs-pd', '--quick', '--duration', '2', '--out', dir]);
  expect([EXIT.ok, EXIT.claimFailed, EXIT.inconclusive], r.out).toContain(r.code);
  browser = await launchChromium();
}, CHROMIUM_INSTALL_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
});

interface Embedded {
  runs: { name: string; verdicts: { claim: string; status: string; feature: string }[] }[];
  timeseries: { run: string; itl: { t: number[] } | null }[];
  tags: { run: string; tag: string }[];
  controls: { name: string; requests: number }[];
}

function embedded(html: string): Embedded {
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  return JSON.parse(m![1]!) as Embedded;
}

async function openProblems(file: string): Promise<{ problems: string[]; charts: string | null; itlChart: number }> {
  const page = await browser.context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  try {
    await page.goto(`file://${file}`);
    await page.waitForSelector('body[data-charts-rendered]', { timeout: 30_000 });
    return { problems, charts: await page.getAttribute('body', 'data-charts-rendered'), itlChart: await page.locator('#chart-time-itl canvas').count() };
  } finally {
    await page.close();
  }
}

describe('routebench report', () => {
  it('reports the runs inside an agg-vs-pd folder with ITL over time and each target’s own verdict', async () => {
    const r = await runCli(['report', dir]);
    expect(r.code, r.out).toBe(EXIT.ok);
    // Beside the scenario's own report.html, not over it.
    const file = join(dir, 'compare-report.html');
    expect(r.out.trim()).toBe(file);
    const html = readFileSync(file, 'utf8');
    const data = embedded(html);
    expect(data.runs.map((x) => x.name)).toEqual(['aggregated', 'pd-1p1d']);
    // The P/D run's prefill pod, which the client never sees, has its own key-statistics rows.
    expect(html).toMatch(/<td>server_requests<\/td><td>prefill:prefill-0<\/td><td>count<\/td><td>requests<\/td><td class="num">–<\/td><td class="num">[1-9]\d*<\/td>/);
    for (const run of data.runs) {
      const own = JSON.parse(readFileSync(join(dir, 'targets', run.name, 'verdicts.json'), 'utf8')) as { feature: string; status: string }[];
      expect(run.verdicts.map((v) => [v.feature, v.status])).toEqual(own.map((v) => [v.feature, v.status]));
      expect(run.verdicts[0]!.feature).toContain(`[target: ${run.name}]`);
    }
    for (const ts of data.timeseries) expect(ts.itl!.t.length, ts.run).toBeGreaterThan(0);
    expect(new Set(data.tags.map((t) => t.tag))).toEqual(new Set(['class=long', 'class=short']));
    const opened = await openProblems(file);
    expect(opened.problems).toEqual([]);
    expect(opened.itlChart).toBe(1);
  }, 60_000);

  it('puts a run folder’s controls/ in the control-run table instead of overlaying them', async () => {
    const main = join(tmp(), 'main');
    cpSync(join(dir, 'targets', 'aggregated'), main, { recursive: true });
    cpSync(join(dir, 'targets', 'pd-1p1d'), join(main, 'controls', 'random'), { recursive: true });
    const out = join(tmp(), 'r.html');
    const r = await runCli(['report', main, '-o', out]);
    expect(r.code, r.out).toBe(EXIT.ok);
    const data = embedded(readFileSync(out, 'utf8'));
    expect(data.runs.map((x) => x.name)).toEqual(['main']);
    const control = JSON.parse(readFileSync(join(main, 'controls', 'random', 'summary.json'), 'utf8'));
    expect(data.controls).toMatchObject([{ name: 'controls/random', requests: control.counts.finished }]);
    expect(existsSync(join(main, 'report.html'))).toBe(false);
    expect((await openProblems(out)).problems).toEqual([]);
  }, 60_000);
});
