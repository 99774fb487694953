// weighted-random-picker (GIE v1.2.0 plugins/picker/weighted_random_picker.go): A-Res sampling with key
// u^(1/score) (u ∈ (0,1), a drawn 0 becomes 1e-10), sorted descending; score ≤ 0 gets key 0;
// all scores zero → random-picker.
import type { Rng } from '@routebench/core';
import type { PickerPlugin } from '../scheduling-types.ts';
import { pickRandom } from './random-picker.ts';

export function createWeightedRandomPicker(name: string, params: { maxNumOfEndpoints?: number }, rng: Rng): PickerPlugin {
  const n = params.maxNumOfEndpoints ?? 1;
  return {
    kind: 'picker',
    type: 'weighted-random-picker',
    name,
    pick(scored) {
      if (scored.every((s) => s.score <= 0)) return pickRandom(scored, n, rng);
      const keyed = scored.map((s) => {
        if (s.score <= 0) return { s, key: 0 };
        let u = rng();
        if (u === 0) u = 1e-10;
        return { s, key: Math.pow(u, 1 / s.score) };
      });
      keyed.sort((a, b) => b.key - a.key);
      return keyed.slice(0, n).map((k) => k.s.endpoint);
    },
  };
}
