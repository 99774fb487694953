// The simulator declares its autoscaler's timescale for the autoscale claim (core upstream/autoscale.ts).
import { describe, expect, it } from 'vitest';
import { autoscaleTimescaleOf } from '../src/autoscale-timescale.ts';
import { presetSpec } from '../src/presets.ts';

describe('autoscaleTimescaleOf', () => {
  it("the autoscale preset's own timings: interval 250 ms, scale-down window 1.5 s, pod start 300 ms, EPP scrape 50 ms", () => {
    const t = autoscaleTimescaleOf(presetSpec('autoscale'))!;
    expect(t).toEqual({
      source: 'simulator autoscaler (interval 0.25 s, scale-down stabilization 1.5 s, pod start 0.3 s)',
      scaleUpWithinS: 0.6,
      scaleDownWithinS: 1.8,
    });
  });

  it('is undefined for a cluster without an autoscaler', () => {
    expect(autoscaleTimescaleOf(presetSpec('agg-2'))).toBeUndefined();
  });
});
