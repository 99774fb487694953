// The preset registry: one scenario per row of the seed study's verdict table, plus agg-vs-pd and smoke.
import type { Scenario } from '../scenario.ts';
import { aggVsPd } from './agg-vs-pd.ts';
import { autoscale } from './autoscale.ts';
import { kvUtilization } from './kv-utilization.ts';
import { multiModel } from './multi-model.ts';
import { pdSelective } from './pd-selective.ts';
import { pdTransfer } from './pd-transfer.ts';
import { precisePrefix } from './precise-prefix.ts';
import { prefixCache } from './prefix-cache.ts';
import { queueBalance } from './queue-balance.ts';
import { smoke } from './smoke.ts';
import { RoutebenchError } from '@routebench/core';

const PRESETS: readonly Scenario[] = [
  prefixCache,
  queueBalance,
  kvUtilization,
  multiModel,
  autoscale,
  pdSelective,
  pdTransfer,
  precisePrefix,
  aggVsPd,
  smoke,
];

export function listPresets(): string[] {
  return PRESETS.map((p) => p.name);
}

/** A fresh copy of a preset (callers may change it freely). */
export function getPreset(name: string): Scenario {
  const p = PRESETS.find((x) => x.name === name);
  if (!p) throw new RoutebenchError('RB_CONFIG_INVALID', `unknown preset "${name}"; valid presets: ${listPresets().join(', ')}`);
  return structuredClone(p);
}
