// Per-request fault decisions, drawn from the pod's seeded PRNG so one seed repeats one run.
import type { Rng } from '@routebench/core';
import type { PodFaults } from '../types.ts';

export type StreamFault = { kind: 'midStreamError' | 'stall' | 'reset'; afterTokens: number } | null;

/** An HTTP status to answer with instead of serving, or null. One draw against the cumulative rates. */
export function drawHttpError(faults: PodFaults, rng: Rng): number | null {
  const rates = faults.errorRate;
  if (!rates) return null;
  const u = rng();
  let acc = 0;
  for (const [code, p] of Object.entries(rates)) {
    acc += p;
    if (u < acc) return Number(code);
  }
  return null;
}

/** Which transport fault (if any) hits this request, and after how many written tokens. */
export function drawStreamFault(faults: PodFaults, rng: Rng, outputTokens: number): StreamFault {
  const u = rng();
  const k = rng();
  // At least one token written when the output has more than one, so the fault is "mid"-stream.
  const afterTokens = outputTokens >= 2 ? 1 + Math.floor(k * (outputTokens - 1)) : 0;
  let acc = faults.midStreamErrorRate ?? 0;
  if (u < acc) return { kind: 'midStreamError', afterTokens };
  acc += faults.stallRate ?? 0;
  if (u < acc) return { kind: 'stall', afterTokens };
  acc += faults.resetRate ?? 0;
  if (u < acc) return { kind: 'reset', afterTokens };
  return null;
}
