// The whole seed table on the simulator (quick forms): the healthy presets pass, the study's two
// failures fail when their fault is injected, and the negative controls do not pass the claims
// they exist to refute.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Verdict } from '@routebench/core';
import { runSeedTable, SEED_TABLE_PRESETS, type SeedTableResult } from '../../src/runner/seed-table.ts';

let result: SeedTableResult;

beforeAll(async () => {
  result = await runSeedTable({ outDir: mkdtempSync(join(tmpdir(), 'rb-seed-')), quick: true });
}, 600_000);

function rowsOf(preset: string): { main: Verdict[]; controls: Record<string, Verdict[]> } {
  const r = result.results.find((x) => x.scenario.name === preset)!;
  const controls: Record<string, Verdict[]> = {};
  for (const v of r.verdicts.slice(r.mainVerdicts.length)) {
    const name = /\[control: (.+)\]$/.exec(v.feature)![1]!;
    (controls[name] ??= []).push(v);
  }
  return { main: r.mainVerdicts, controls };
}

const show = (vs: Verdict[]) => vs.map((v) => `${v.claim}: ${v.status} — ${v.details}`).join('\n');

describe('the seed table on the simulator', () => {
  it('runs every row', () => {
    expect(result.results.map((r) => r.scenario.name)).toEqual([...SEED_TABLE_PRESETS]);
  });

  for (const preset of SEED_TABLE_PRESETS) {
    it(`${preset}: every claim of the healthy run passes`, () => {
      const { main } = rowsOf(preset);
      expect(main.length).toBeGreaterThan(0);
      for (const v of main) expect(v.status, show(main)).toBe('Pass');
    });
  }

  it('P/D with NIXL on MIG (kv transfer broken) fails, as in the study', () => {
    const v = rowsOf('pd-transfer').controls['kv-transfer-broken']!;
    expect(v.map((x) => x.status), show(v)).toEqual(['Fail']);
    expect(v[0]!.details).toMatch(/failed NIXL transfers/);
  });

  it('precise prefix routing with KV events dropped fails, as in the study', () => {
    const v = rowsOf('precise-prefix').controls['kv-events-dropped']!;
    expect(v.map((x) => x.status), show(v)).toEqual(['Fail']);
    expect(v[0]!.details).toMatch(/scorer returns 0 for all endpoints/);
  });

  it("precise prefix routing fails when the KV-event topics' pod id is not the scorer's IP:port key", () => {
    const v = rowsOf('precise-prefix').controls['kv-events-pod-id-mismatch']!;
    expect(v.map((x) => x.status), show(v)).toEqual(['Fail']);
    expect(v[0]!.details).toMatch(/scorer returns 0 for all endpoints/);
  });

  it('no claim passes on its negative control', () => {
    const negatives: [string, string, string][] = [
      ['prefix-cache', 'random-picker', 'prefix-affinity'],
      ['prefix-cache', 'zero-reuse', 'prefix-cache-hit-rate'],
      ['queue-balance', 'random-picker', 'queue-balance'],
      ['kv-utilization', 'random-picker', 'kv-utilization'],
      // One InferencePool over both models: no EPP filters by model, so requests get wrong-pod 404s.
      ['multi-model', 'mixed-pool', 'model-routing'],
      ['pd-transfer', 'kv-transfer-broken', 'pd-transfer'],
      ['precise-prefix', 'kv-events-dropped', 'precise-prefix'],
      ['precise-prefix', 'kv-events-pod-id-mismatch', 'precise-prefix'],
      ['pd-selective', 'always-disagg', 'pd-selective'],
      ['autoscale', 'hpa-flapping', 'autoscale'],
    ];
    for (const [preset, control, claim] of negatives) {
      const v = rowsOf(preset).controls[control]!.find((x) => x.claim === claim)!;
      expect(v.status, `${preset} [${control}] ${claim}: ${v.details}`).not.toBe('Pass');
    }
  });

  it('the random picker fails queue-depth balancing: its picks ignore the queue scorer', () => {
    const v = rowsOf('queue-balance').controls['random-picker']!;
    expect(v.map((x) => x.status), show(v)).toEqual(['Fail']);
    expect(v[0]!.details).toMatch(/requests where the queue-scorer preferred a pod went to that pod; Fail: preferred-pod share/);
  });

  it('every claim of the table has a control that Fails it, and no control row Passes its claim', () => {
    for (const r of result.results) {
      const { main, controls } = rowsOf(r.scenario.name);
      const controlRows = Object.values(controls).flat();
      for (const claim of new Set(main.map((v) => v.claim))) {
        const failing = controlRows.filter((v) => v.claim === claim && v.status === 'Fail');
        expect(failing.length, `${r.scenario.name}: no control fails ${claim}\n${show(controlRows)}`).toBeGreaterThan(0);
      }
      for (const v of controlRows) expect(v.status, `${v.feature} ${v.claim}: ${v.details}`).not.toBe('Pass');
    }
  });

  it('selective P/D fails when the decider splits every request (always-disagg-pd-decider)', () => {
    const v = rowsOf('pd-selective').controls['always-disagg']!;
    expect(v.map((x) => x.status), show(v)).toEqual(['Fail']);
    expect(v[0]!.details).toMatch(/short requests were split too/);
  });

  it('every Pass and Fail carries the statistical test it was decided on, in the row and in the verdict', () => {
    for (const v of result.verdicts.filter((x) => x.status !== 'Inconclusive')) {
      expect(v.confidence?.length ?? 0, `${v.feature} ${v.claim}: ${v.details}`).toBeGreaterThan(0);
      expect(v.details, `${v.feature} ${v.claim}`).toMatch(/95% CI /);
    }
  });

  it('every verdict names its evidence sources', () => {
    for (const v of result.verdicts) expect(v.sources.length, `${v.feature} ${v.claim}`).toBeGreaterThan(0);
  });
});
