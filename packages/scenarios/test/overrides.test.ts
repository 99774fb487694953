import { describe, expect, it } from 'vitest';
import { applyOverrides, parseSetValue, simOnlyControls, withTarget } from '../src/overrides.ts';
import { getPreset } from '../src/presets/index.ts';

describe('--set overrides', () => {
  it('parses JSON-ish values', () => {
    expect(parseSetValue('20')).toBe(20);
    expect(parseSetValue('true')).toBe(true);
    expect(parseSetValue('null')).toBe(null);
    expect(parseSetValue('[1,2]')).toEqual([1, 2]);
    expect(parseSetValue('{"mean":5}')).toEqual({ mean: 5 });
    expect(parseSetValue('pd-1p1d')).toBe('pd-1p1d');
  });

  it('sets nested fields, list items and new optional sections, then re-validates', () => {
    const s = applyOverrides(getPreset('prefix-cache'), [
      'load.concurrency=3',
      'workload.num_groups=4',
      'workload.question_len={"distribution":"uniform","min":4,"max":9}',
      'controls.1.workload.zero_reuse=true',
      'claims.0.minDominantShare=0.8',
      'target.sim.options.identityHeaders=false',
      'metrics.intervalMs=500',
      'seed=42',
    ]);
    expect(s.load.concurrency).toBe(3);
    expect(s.workload).toMatchObject({ num_groups: 4, question_len: { distribution: 'uniform', min: 4, max: 9 } });
    expect(s.claims[0]).toEqual({ id: 'prefix-affinity', minDominantShare: 0.8 });
    expect(s.target).toEqual({ sim: { preset: 'agg-2', options: { identityHeaders: false } } });
    expect(s.metrics).toEqual({ intervalMs: 500, sources: [] });
    expect(s.seed).toBe(42);
  });

  it('switching load type works when the new type gets what it needs', () => {
    const s = applyOverrides(getPreset('smoke'), ['load.type=constant', 'load.rate=20']);
    expect(s.load).toMatchObject({ type: 'constant', rate: 20, requests: 8 });
  });

  it('null removes a field or list item', () => {
    const s = applyOverrides(getPreset('smoke'), ['load.requests=null', 'load.durationS=5']);
    expect(s.load.requests).toBeUndefined();
    expect(s.load.durationS).toBe(5);
    expect(applyOverrides(getPreset('prefix-cache'), ['controls.0=null']).controls.map((c) => c.name)).toEqual(['zero-reuse']);
    expect(() => applyOverrides(getPreset('smoke'), ['load.requests=null'])).toThrow(/--set load\.requests=null: load\.requests: bound the run/);
  });

  it('does not change the input scenario', () => {
    const p = getPreset('smoke');
    applyOverrides(p, ['load.requests=99']);
    expect(p.load.requests).toBe(8);
  });

  const rejects: [string[], RegExp][] = [
    [['load.rate=abc'], /--set load\.rate=abc: load\.rate: expected a number, got "abc"/],
    [['workload.num_groups=x'], /--set workload\.num_groups=x: workload\.num_groups: expected a positive integer, got "x"/],
    [['workload.num_grups=4'], /--set workload\.num_grups=4: workload\.num_grups: unknown field/],
    [['lod.rate=2'], /--set lod\.rate=2: lod: unknown field/],
    [['load.type.x=1'], /--set load\.type\.x=1: load\.type is "concurrency", not an object/],
    [['claims.5.minDominantShare=1'], /--set claims\.5\.minDominantShare=1: claims\.5: expected a list index from 0 to 1, got "5"/],
    [['load.concurrency'], /--set load\.concurrency: expected path=value/],
    [['load..rate=1'], /bad path "load\.\.rate"/],
    [['mode=agg'], /--set mode=agg: mode: expected "Aggregated" or "P\/D", got "agg"/],
    [['workload.type=random'], /--set workload\.type=random: workload\.num_groups: unknown field/],
  ];
  it.each(rejects)('rejects %j naming the path', (sets, message) => {
    expect(() => applyOverrides(getPreset('prefix-cache'), sets)).toThrow(message);
  });
});

describe('--target URL', () => {
  it('replaces the target and drops simulator-only controls, keeping workload controls', () => {
    const p = getPreset('prefix-cache');
    expect(simOnlyControls(p)).toEqual(['random-picker']);
    const s = withTarget(p, 'http://localhost:31458');
    expect(s.target).toEqual({ url: 'http://localhost:31458' });
    expect(s.controls.map((c) => c.name)).toEqual(['zero-reuse']);
  });

  it('rejects a non-URL and a compareTargets scenario', () => {
    expect(() => withTarget(getPreset('smoke'), 'localhost')).toThrow(/--target localhost: expected an http\(s\) URL/);
    expect(() => withTarget(getPreset('agg-vs-pd'), 'http://gw:80')).toThrow(/compares targets \(aggregated, pd-1p1d\)/);
  });
});
