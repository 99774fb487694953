import { describe, expect, it } from 'vitest';
import { RequestSpecSchema } from '@routebench/core';
import { parseClaims } from '@routebench/core';
import { applyQuick, controlScenario, parseScenario, type Scenario } from '../../src/scenario.ts';
import { createWorkload } from '../../src/workloads/index.ts';
import { take } from '../../src/workloads/common.ts';
import { getPreset, listPresets } from '../../src/presets/index.ts';

const SEED_TABLE_FEATURES = [
  'Prefix-cache-aware routing',
  'Queue-depth load balancing',
  'KV-cache-utilization scoring',
  'Multi-model routing',
  'HPA autoscaling (inference pool metrics)',
  'P/D with NIXL on time-sliced GPU',
  'Selective P/D (prefix-based-pd-decider)',
  'Precise prefix routing in P/D',
];

const SIM_PRESETS = new Set(['agg-2', 'multi-model', 'multi-model-mixed', 'autoscale', 'pd-1p1d', 'pd-2p2d', 'pd-precise', 'random-picker']);

/** Output tokens one closed-loop user generates back to back, or the total seconds of a time-bound load. */
function quickCost(s: Scenario): { serialTokens: number; seconds: number } {
  const l = s.load;
  const out = take(createWorkload(s.workload, { seed: s.seed, model: s.model }), 40).map((r) => r.maxTokens);
  const meanOut = out.reduce((a, b) => a + b, 0) / out.length;
  const seconds = l.type === 'stages' ? l.stages!.reduce((a, st) => a + st.durationS, 0) : (l.durationS ?? 0);
  const serialTokens = l.requests !== undefined ? Math.ceil(l.requests / (l.concurrency ?? 1)) * meanOut : 0;
  return { serialTokens, seconds };
}

describe('presets', () => {
  it('lists all ten presets and covers every reproducible row of the seed table', () => {
    expect(listPresets()).toEqual([
      'prefix-cache',
      'queue-balance',
      'kv-utilization',
      'multi-model',
      'autoscale',
      'pd-selective',
      'pd-transfer',
      'precise-prefix',
      'agg-vs-pd',
      'smoke',
    ]);
    const features = listPresets().map((n) => getPreset(n).feature);
    for (const f of SEED_TABLE_FEATURES) expect(features).toContain(f);
  });

  it.each(listPresets())('%s validates in full and quick form, its controls resolve, its stream yields valid requests', (name) => {
    const p = getPreset(name);
    expect(parseScenario(structuredClone(p))).toEqual(p);
    const targets = [p.target, ...p.controls.flatMap((c) => (c.target ? [c.target] : [])), ...(p.compareTargets ?? []).map((c) => c.target)];
    for (const t of targets) if ('sim' in t) expect(SIM_PRESETS.has(t.sim.preset)).toBe(true);
    // The claims engine accepts every threshold field the preset sets (its schemas are strict).
    expect(() => parseClaims(p.claims)).not.toThrow();
    const q = applyQuick(p);
    expect(q.quick).toBeUndefined();
    const cost = quickCost(q);
    // "A few seconds on the simulator": bounded serial decode work or a short wall-clock schedule.
    expect(cost.serialTokens).toBeLessThanOrEqual(400);
    expect(cost.seconds).toBeLessThanOrEqual(10);
    for (const s of [p, q, ...p.controls.map((c) => controlScenario(p, c.name))]) {
      const w = createWorkload(s.workload, { seed: s.seed, model: s.model });
      for (const r of take(w, 10)) expect(RequestSpecSchema.safeParse(r).success).toBe(true);
    }
  });

  it.each(['pd-selective', 'agg-vs-pd'])('%s: short prompts fall under the P/D decider threshold, long ones far above', (name) => {
    // The seed's prefix-based-pd-decider estimates input tokens as bytes/4 of the JSON messages and splits
    // when that reaches nonCachedTokens (16). Check our classes against that estimate, not our tokenizer.
    for (const s of [getPreset(name), applyQuick(getPreset(name))]) {
      const rs = take(createWorkload(s.workload, { seed: s.seed, model: s.model }), 40);
      for (const r of rs) {
        const estimate = Math.floor(Buffer.byteLength(JSON.stringify(r.messages)) / 4);
        if (r.tags.class === 'short') expect(estimate).toBeLessThan(16);
        else expect(estimate).toBeGreaterThanOrEqual(16 * 8);
      }
      expect(new Set(rs.map((r) => r.tags.class))).toEqual(new Set(['short', 'long']));
    }
  });

  it('prefix-cache has the random-picker and zero-reuse controls', () => {
    const p = getPreset('prefix-cache');
    expect(controlScenario(p, 'random-picker').target).toEqual({ sim: { preset: 'random-picker' } });
    const zr = controlScenario(p, 'zero-reuse');
    expect(zr.workload).toMatchObject({ type: 'shared-prefix', zero_reuse: true, system_prompt_len: 256 });
    expect(zr.target).toEqual(p.target);
    expect(() => controlScenario(p, 'nope')).toThrow(/no control "nope"; controls: random-picker, zero-reuse/);
  });

  it('pd-transfer carries a broken-transfer fault run; precise-prefix a dropped-events run', () => {
    expect(getPreset('pd-transfer').controls[0]!.target).toEqual({ sim: { preset: 'pd-1p1d', options: { kvTransfer: 'broken' } } });
    expect(getPreset('precise-prefix').controls[0]!.target).toEqual({ sim: { preset: 'pd-precise', options: { kvEvents: 'dropped' } } });
  });

  it('getPreset returns a copy and names the valid presets on a typo', () => {
    const a = getPreset('smoke');
    a.seed = 99;
    expect(getPreset('smoke').seed).toBe(1);
    expect(() => getPreset('smok')).toThrow(/unknown preset "smok"; valid presets: prefix-cache, .*smoke/);
  });
});
