// What a claim is judged on: the evidence of the main run and of its control runs. The runner fills these;
// claims only read them (core never imports the simulator or the scenarios package).
import type { MetricsEvidence } from '../evidence/metrics-evidence.ts';
import type { RequestRecord } from '../record/request-record.ts';
import type { Summary } from '../record/summary.ts';
import type { PodSplit } from '../evidence/attribution/split.ts';
import type { AutoscaleTimescale } from '../upstream/autoscale.ts';

export type PodRole = 'both' | 'prefill' | 'decode';

export interface RunEvidence {
  summary: Summary;
  /** Scraped server-side evidence; null when no metrics source was configured. */
  metrics: MetricsEvidence | null;
  /**
   * How requests were placed on pods (the pods themselves are on the records and in the summary's per-pod
   * dimensions) and the per-pod split; null when attribution was not run.
   */
  attribution: { sourcesUsed: readonly string[]; split: PodSplit | null } | null;
  /** Pod name → role (from the deployment: sim preset or llm-d.ai/role labels). */
  podRoles?: Record<string, PodRole>;
  /** Pod name → models it serves. */
  podModels?: Record<string, string[]>;
  /**
   * How fast the target's autoscaler is declared to act (the simulator states its preset's timings);
   * absent on a real cluster, where the autoscale claim assumes Kubernetes HPA defaults.
   */
  autoscaleTimescale?: AutoscaleTimescale;
  /**
   * Optional: the run's records (measure() streams them from requests.jsonl on each iteration, so memory does
   * not grow with the run). Claims that need a per-request join (goodput, served model vs requested, KV at send
   * time) iterate them, once each.
   */
  records?: Iterable<RequestRecord>;
  /**
   * Optional (additive): EPP log text. Used for the precise prefix scorer's per-endpoint score lines
   * (`{"plugin":"precise-prefix-cache-scorer","endpoint":…,"score":…}`, `"Got endpoint scores"`).
   */
  eppLog?: string | readonly string[];
  /**
   * Optional: whether the pods' prefix caches were reset (vLLM's POST /reset_prefix_cache) before the run.
   * Absent when no reset was attempted (the scenario has no prefix-cache claim).
   */
  cacheState?: CacheState;
}

/** Per pod: 'reset' (2xx), 'not-allowed' (404/405: vLLM without VLLM_SERVER_DEV_MODE=1), 'unreachable', 'failed' (other status). */
export type PodCacheReset = 'reset' | 'not-allowed' | 'unreachable' | 'failed';

export interface CacheState {
  pods: Record<string, { outcome: PodCacheReset; httpStatus: number | null }>;
  /** Every known pod answered the reset: the run started with cold prefix caches. */
  cold: boolean;
}

export interface ClaimContext {
  /** Feature column text (the scenario's `feature`). */
  feature: string;
  /** Mode column text ('Aggregated' or 'P/D'). */
  mode: string;
  main: RunEvidence;
  /** Control runs by control name (e.g. 'random-picker', 'zero-reuse', 'kv-transfer-broken'). */
  controls: Record<string, RunEvidence>;
}
