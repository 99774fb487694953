// `routebench sweep` on the simulator: the ladder flags, the files, the verdict row; and the usage errors
// (exit 2, nothing sent) a bad SLO or two ladders at once get.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/exit-codes.ts';
import { runCli } from '../cli-harness.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'rb-cli-sweep-'));

describe('routebench sweep', () => {
  it('sweeps a preset without a sweep section over the levels given, and prints the SLO-max row', async () => {
    const out = tmp();
    // smoke: 2 aggregated pods, 16-token outputs; an E2E p50 SLO of 20 s is never missed on the simulator.
    const r = await runCli(['sweep', 'smoke', '--levels', '3,6', '--level-duration', '1.5', '--slo', 'e2e.p50<=20s', '--workers', '1', '-o', out]);
    for (const f of ['sweep.csv', 'slo-max.csv', 'sweep.json', 'report.html', 'verdicts.md', 'scenario.json']) expect(existsSync(join(out, f)), f).toBe(true);
    const rows = readFileSync(join(out, 'sweep.csv'), 'utf8').trim().split('\n').slice(1);
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows[0]).toMatch(/^main,1,ladder,rate,3,/);
    expect(r.out).toMatch(/\| Smoke test: SLO-max rate \[main\] \| Aggregated \| (Pass|Inconclusive) \| E2E p50 ≤ 20000 ms: SLO-max /);
    expect(r.out).toContain(`sweep: ${out}/sweep.csv`);
    expect([EXIT.ok, EXIT.inconclusive]).toContain(r.code);
  }, 60_000);

  it('--repeat 2 runs the sweep twice and summarizes the SLO-max row over both', async () => {
    const out = tmp();
    // 8 req/s for 2 s: 16 requests, over latency-slo's 10-request minimum, so a sweep can pass.
    const r = await runCli(['sweep', 'smoke', '--levels', '8', '--level-duration', '2', '--slo', 'e2e.p50<=20s', '--repeat', '2', '-o', out]);
    for (const f of ['repeat-1/sweep.csv', 'repeat-2/sweep.csv', 'repeat-summary.json']) expect(existsSync(join(out, f)), f).toBe(true);
    const s = JSON.parse(readFileSync(join(out, 'repeat-summary.json'), 'utf8'));
    const row = s.claims.find((c: { claim: string }) => c.claim === 'slo-max');
    expect(row.statuses).toHaveLength(2);
    // Each sweep either found an SLO-max (≥ 8 req/s) or was undecided (client-bound twice): the summary counts both.
    expect(row.passed + row.inconclusive).toBe(2);
    if (row.passed > 0) expect(row.figures.sloMax.n).toBe(row.passed);
    expect(r.out).toMatch(/Smoke test: SLO-max rate \[main\]: SLO-max /);
    // The level's latency over the sweeps that ran it without the client lagging.
    if (row.passed > 0) expect(s.latency.map((l: { name: string }) => l.name)).toEqual(['main 8 req/s']);
    expect(r.code).toBe(row.inconclusive > 0 ? EXIT.inconclusive : EXIT.ok);
  }, 60_000);

  it.each([
    ['a bad SLO', ['--slo', 'ttft.p97<=5'], /--slo "ttft\.p97<=5": expected METRIC\.pPCT<=VALUE/],
    ['two ladders', ['--levels', '1,2', '--linear', '1:4:3'], /give one ladder: --levels, --linear conflict/],
    ['a bad range', ['--geometric', '8:2:3'], /--geometric expects FROM:TO:STEPS/],
    ['an auto ladder over concurrency', ['--auto', '--over', 'concurrency'], /sweep\.ladder\.type: auto ladders sweep the request rate/],
  ])('%s is a usage error and sends nothing', async (_name, args, message) => {
    const out = join(tmp(), 'never');
    const r = await runCli(['sweep', 'smoke', ...args, '-o', out]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.out).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });
});
