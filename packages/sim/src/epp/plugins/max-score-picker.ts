// max-score-picker (GIE v1.2.0 plugins/picker/max_score_picker.go): shuffle, then stable sort by score
// descending and take the first maxNumOfEndpoints — ties are broken uniformly at random (seeded here).
import { shuffle, type Rng } from '@routebench/core';
import type { PickerPlugin } from '../scheduling-types.ts';

export function createMaxScorePicker(name: string, params: { maxNumOfEndpoints?: number }, rng: Rng): PickerPlugin {
  const n = params.maxNumOfEndpoints ?? 1;
  return {
    kind: 'picker',
    type: 'max-score-picker',
    name,
    pick(scored) {
      const order = shuffle([...scored], rng);
      order.sort((a, b) => b.score - a.score); // Array.prototype.sort is stable
      return order.slice(0, n).map((s) => s.endpoint);
    },
  };
}
