// The per-token latency calculator of llm-d-inference-sim (latencies.go), with sub-millisecond
// precision instead of Go's integer-millisecond truncation:
//   load(r) = 1 + (timeFactorUnderLoad − 1)·(r − 1)/(maxNumSeqs − 1)      (1 when maxNumSeqs ≤ 1)
//   TTFT    = (prefillOverhead + uncachedPromptTokens·prefillTimePerToken)·load
//   ITL     = interTokenLatency·load
//   P/D decode TTFT = transferredTokens·kvTransferTimePerToken            (no load factor)
// Each value can be jittered: Gaussian with sd = jitterFraction·mean, clamped to [0.3, 1.7]·mean.
// slowFactor (a fault) multiplies everything.
import { createRng, normal, type Rng } from '@routebench/core';
import type { PodLatency } from './pod-spec.ts';

export interface LatencyModel {
  loadFactor(running: number): number;
  /** Prefill TTFT (ms) for `uncachedTokens` with `running` requests in the batch (including this one). */
  prefillMs(uncachedTokens: number, running: number, slowFactor?: number): number;
  /** One inter-token gap (ms). */
  itlMs(running: number, slowFactor?: number): number;
  /** KV transfer time (ms) for a P/D decode. */
  kvTransferMs(tokens: number, slowFactor?: number): number;
}

export function createLatencyModel(lat: PodLatency, maxNumSeqs: number, rng: Rng = createRng(lat.seed)): LatencyModel {
  const jitter = (mean: number): number => {
    if (lat.jitterFraction <= 0 || mean <= 0) return mean;
    const v = normal(rng, mean, lat.jitterFraction * mean);
    return Math.min(1.7 * mean, Math.max(0.3 * mean, v));
  };
  const loadFactor = (running: number): number => {
    if (maxNumSeqs <= 1) return 1;
    const r = Math.min(Math.max(running, 1), maxNumSeqs);
    return 1 + ((lat.timeFactorUnderLoad - 1) * (r - 1)) / (maxNumSeqs - 1);
  };
  return {
    loadFactor,
    prefillMs: (uncached, running, slow = 1) =>
      jitter((lat.prefillOverheadMs + uncached * lat.prefillTimePerTokenMs) * loadFactor(running)) * slow,
    itlMs: (running, slow = 1) => jitter(lat.interTokenLatencyMs * loadFactor(running)) * slow,
    kvTransferMs: (tokens, slow = 1) => jitter(tokens * lat.kvTransferTimePerTokenMs) * slow,
  };
}
