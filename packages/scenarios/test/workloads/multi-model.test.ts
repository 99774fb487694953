import { describe, expect, it } from 'vitest';
import { MultiModelParamsSchema, multiModelWorkload, take } from '../../src/workloads/index.ts';

const parse = (extra: Record<string, unknown> = {}) =>
  MultiModelParamsSchema.parse({
    type: 'multi-model',
    models: [
      { name: 'Qwen/Qwen2.5-7B-Instruct', weight: 3 },
      { name: 'Qwen/Qwen2.5-0.5B-Instruct', weight: 1 },
    ],
    ...extra,
  });

describe('multi-model workload', () => {
  it('mixes models in proportion to their weights, with an unknown-model slice', () => {
    const rs = take(multiModelWorkload(parse({ unknown_model: { weight: 1 }, pass_size: 50 }), { seed: 1, model: 'ignored' }), 50);
    const count = (m: string) => rs.filter((r) => r.model === m).length;
    expect(count('Qwen/Qwen2.5-7B-Instruct')).toBe(30);
    expect(count('Qwen/Qwen2.5-0.5B-Instruct')).toBe(10);
    expect(count('NonExistentModel')).toBe(10);
    for (const r of rs) {
      expect(r.tags.model).toBe(r.model);
      expect(r.tags.expect).toBe(r.model === 'NonExistentModel' ? 'not-found' : 'served');
    }
  });

  it('a tiny pass still contains every model', () => {
    const rs = take(multiModelWorkload(parse({ unknown_model: { weight: 0.1 }, pass_size: 4 }), { seed: 2, model: 'x' }), 4);
    expect(new Set(rs.map((r) => r.model)).size).toBe(3);
  });

  it('rejects a model listed twice or also used as the unknown model', () => {
    const dup = MultiModelParamsSchema.safeParse({ type: 'multi-model', models: [{ name: 'a' }, { name: 'a' }] });
    expect(dup.error!.issues[0]!.path).toEqual(['models', 1, 'name']);
    const clash = MultiModelParamsSchema.safeParse({ type: 'multi-model', models: [{ name: 'a' }], unknown_model: { name: 'a' } });
    expect(clash.error!.issues[0]!.path).toEqual(['unknown_model', 'name']);
  });
});
