// Repeats on the simulator: N quick runs of one preset, each in its own folder with a fresh cluster,
// summarized per claim (status counts, mean ± t-interval of the figures) and written to repeat-summary.json.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Verdict } from '@routebench/core';
import { getPreset } from '../../src/index.ts';
import { renderRepeatTable, repeatScenario, summarizeRepeats, tInterval, tQuantile, type RepeatRun } from '../../src/runner/repeat.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'rb-repeat-'));

describe('repeatScenario', () => {
  it('runs a quick preset N times into repeat-<i>/ and summarizes each claim across the runs', async () => {
    const out = tmp();
    const s = await repeatScenario(getPreset('prefix-cache'), 2, { outDir: out, quick: true, skipControls: true });
    expect(s.repeats).toBe(2);
    for (const i of [1, 2]) expect(existsSync(join(out, `repeat-${i}`, 'verdicts.json'))).toBe(true);
    const written = JSON.parse(readFileSync(join(out, 'repeat-summary.json'), 'utf8'));
    expect(written.repeats).toBe(2);
    expect(written.claims.length).toBe(s.claims.length);
    const hit = s.claims.find((c) => c.claim === 'prefix-cache-hit-rate')!;
    expect(hit.statuses).toHaveLength(2);
    expect(hit.passed + hit.failed + hit.inconclusive).toBe(2);
    // Every numeric evidence figure of the claim got a mean over both runs and an interval.
    const figs = Object.values(hit.figures);
    expect(figs.length).toBeGreaterThan(0);
    for (const f of figs) {
      expect(f.n).toBe(2);
      expect(f.mean).toBeGreaterThanOrEqual(f.min);
      expect(f.mean).toBeLessThanOrEqual(f.max);
      expect(f.ci).not.toBeNull();
    }
    const lat = s.latency.find((l) => l.name === 'prefix-cache')!;
    expect(lat.figures.ttftP50Ms!.n).toBe(2);
    expect(lat.figures.ttftP50Ms!.mean).toBeGreaterThan(0);
    const table = renderRepeatTable(s);
    expect(table).toMatch(/^repeats: 2; [0-2]\/2 repeats gave main verdicts identical/);
    expect(table).toMatch(/\| Prefix-cache[^|]*\| Aggregated \| prefix-cache-hit-rate \| \d \| \d \| \d \| (yes|no) \|/);
    expect(table).toMatch(/\| prefix-cache \| [\d.]+ ± [\d.]+ \|/);
  }, 180_000);
});

const verdict = (feature: string, status: Verdict['status'], evidence: Record<string, unknown>): Verdict => ({
  claim: feature.toLowerCase(),
  feature,
  mode: 'Aggregated',
  status,
  details: '',
  sources: [],
  evidence,
  thresholds: {},
  confidence: [{ test: 'hit rate ≥ random', observed: Number(evidence.hitRate ?? 0), n: 30, interval: { lower: 0, upper: 1, level: 0.95, method: 'wilson' }, bar: 0.5, status }],
});
const repeat = (i: number, vs: Verdict[]): RepeatRun => ({ dir: `r${i}`, verdicts: vs, mainVerdicts: vs.filter((v) => !v.feature.includes('[control')), summaries: [] });

describe('summarizeRepeats', () => {
  it('counts statuses per feature+mode, flags unstable claims and failed main verdicts', () => {
    const s = summarizeRepeats([
      repeat(1, [verdict('A', 'Pass', { hitRate: 0.8, shares: { p0: 0.5 }, peakAtMs: 1.7e12 }), verdict('B [control: random]', 'Fail', { hitRate: 0.4 })]),
      repeat(2, [verdict('A', 'Fail', { hitRate: 0.6, shares: { p0: 0.7 } }), verdict('B [control: random]', 'Fail', { hitRate: 0.5 })]),
      repeat(3, [verdict('A', 'Pass', { hitRate: 0.7, shares: { p0: 0.6 } }), verdict('B [control: random]', 'Fail', { hitRate: 0.45 })]),
    ]);
    const a = s.claims.find((c) => c.feature === 'A')!;
    expect(a).toMatchObject({ passed: 2, failed: 1, inconclusive: 0, stable: false, statuses: ['Pass', 'Fail', 'Pass'] });
    expect(a.figures.hitRate!.mean).toBeCloseTo(0.7, 10);
    // sd 0.1, n 3: 4.303 × 0.1 / √3
    expect(a.figures.hitRate!.ci).toBeCloseTo((4.303 * 0.1) / Math.sqrt(3), 6);
    expect(a.figures['shares.p0']!.mean).toBeCloseTo(0.6, 10);
    expect(a.figures.peakAtMs).toBeUndefined();
    expect(a.figures['observed: hit rate ≥ random']!.mean).toBeCloseTo(0.7, 10);
    expect(s.claims.find((c) => c.feature.startsWith('B'))).toMatchObject({ failed: 3, stable: true });
    // The control's Fail does not count; the main claim A failed in repeat 2.
    expect(s.anyMainFail).toBe(true);
    expect(s.identicalTables).toBe(2);
  });

  it('t quantiles match the tables; one value has no interval', () => {
    expect(tQuantile(0.95, 1)).toBe(12.706);
    expect(tQuantile(0.95, 9)).toBe(2.262);
    expect(tQuantile(0.95, 60)).toBeCloseTo(2.0003, 3);
    expect(tQuantile(0.95, 1000)).toBeCloseTo(1.9623, 3);
    expect(tInterval([5])).toEqual({ n: 1, mean: 5, ci: null, min: 5, max: 5 });
    expect(tInterval([1, 3]).ci).toBeCloseTo(12.706 * (Math.SQRT2 / Math.SQRT2), 6);
  });
});
