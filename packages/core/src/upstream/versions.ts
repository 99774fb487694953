// The llm-d generations routebench models. Each generation is a set of upstream facts (plugin types and
// parameters, EPP log lines and their verbosity, metric names and labels, headers, decider semantics)
// kept in the sibling modules of this folder, each fact with the repo, path and tag it was read from.
// The simulator writes these formats and the evidence readers read them, so the two cannot drift apart.
//
// Versions (the repos as read on 2026-12-02):
//   v0.7   — the seed study's stack: kubernetes-sigs/gateway-api-inference-extension (GIE) v1.4.0 +
//            llm-d/llm-d-inference-scheduler (SCHED) v0.7.1 + vLLM as shipped in llm-d-cuda v0.6.0.
//   router — llm-d/llm-d-router HEAD ebab6879 (2026-08-22; the scheduler's successor, v0.10 line), with
//            GIE v1.5.0 metrics.
import { z } from 'zod';

export const LLMD_VERSIONS = ['v0.7', 'router'] as const;
export const LlmdVersionSchema = z.enum(LLMD_VERSIONS);
export type LlmdVersion = z.infer<typeof LlmdVersionSchema>;

/** The newest generation: what the simulator speaks unless told otherwise. */
export const DEFAULT_LLMD_VERSION: LlmdVersion = 'router';

export interface UpstreamSource {
  repo: string;
  /** Tag or commit the facts were read at. */
  ref: string;
}

export const UPSTREAM_SOURCES: Record<LlmdVersion, { epp: UpstreamSource; gie: UpstreamSource; label: string }> = {
  'v0.7': {
    label: 'GIE v1.4.0 + llm-d-inference-scheduler v0.7.1',
    epp: { repo: 'llm-d/llm-d-inference-scheduler', ref: 'v0.7.1' },
    gie: { repo: 'kubernetes-sigs/gateway-api-inference-extension', ref: 'v1.4.0' },
  },
  router: {
    label: 'llm-d-router ebab6879 (GIE v1.5.0 metrics)',
    epp: { repo: 'llm-d/llm-d-router', ref: 'ebab68792' },
    gie: { repo: 'kubernetes-sigs/gateway-api-inference-extension', ref: 'v1.5.0' },
  },
};

/**
 * The inferencepool Helm chart's default EPP verbosity (`inferenceExtension.flags.v: 1`, GIE
 * config/charts/inferencepool/values.yaml at v1.4.0). Per-request log lines need more.
 */
export const CHART_DEFAULT_EPP_VERBOSITY = 1;
