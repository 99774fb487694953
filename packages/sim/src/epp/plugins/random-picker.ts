// random-picker (GIE v1.2.0 plugins/picker/random_picker.go): shuffle, take the first maxNumOfEndpoints.
import { shuffle, type Rng } from '@routebench/core';
import type { PickerPlugin, ScoredEndpoint } from '../scheduling-types.ts';

export function pickRandom(scored: ScoredEndpoint[], n: number, rng: Rng) {
  return shuffle([...scored], rng).slice(0, n).map((s) => s.endpoint);
}

export function createRandomPicker(name: string, params: { maxNumOfEndpoints?: number }, rng: Rng): PickerPlugin {
  const n = params.maxNumOfEndpoints ?? 1;
  return { kind: 'picker', type: 'random-picker', name, pick: (scored) => pickRandom(scored, n, rng) };
}
