// The EPP scheduler (GIE v1.2.0 pkg/epp/scheduling): the profile handler picks profiles to run; each
// profile runs filters (stop at 0 pods) → scorers (total = Σ clamp(score,0,1) × weight, not normalized)
// → one picker; then the handler turns the profile results into the scheduling result.
// Candidates are every ready pod of the pool, whatever model they serve: no upstream EPP filters by model
// (core upstream/bbr.ts EPP_FILTERS_BY_MODEL); several models mean one pool each behind body-based routing.
import type { ResolvedEppConfig } from './config.ts';
import { createPlugins, type PluginDeps } from './plugins/index.ts';
import type {
  CycleState,
  Endpoint,
  EppPlugin,
  FilterPlugin,
  PickerPlugin,
  PreRequestPlugin,
  ProfileHandlerPlugin,
  ProfileResult,
  ScorerPlugin,
  SchedulingRequest,
  SchedulingResult,
  Scores,
} from './scheduling-types.ts';

/** The scheduler found no pod (→ 429 InferencePoolResourceExhausted in the EPP). */
export class NoPodsAvailableError extends Error {
  constructor(detail: string) {
    super(`no pods available: ${detail}`);
    this.name = 'NoPodsAvailableError';
  }
}

export interface ScheduleOutcome {
  result: SchedulingResult;
  cycle: CycleState;
}

export interface Scheduler {
  plugins: Map<string, EppPlugin>;
  schedule(req: SchedulingRequest, candidates: Endpoint[]): ScheduleOutcome;
  /** Run PreRequest hooks; mutates the upstream headers (x-prefiller-host-port). */
  preRequest(req: SchedulingRequest, outcome: ScheduleOutcome, upstreamHeaders: Record<string, string>): void;
  responseHeaders(req: SchedulingRequest, outcome: ScheduleOutcome): Record<string, string>;
  responseComplete(req: SchedulingRequest, outcome: ScheduleOutcome): void;
  /** Whether the config includes a plugin of this type (e.g. the test plugin destination-endpoint-served-verifier). */
  hasPluginType(type: string): boolean;
  close(): void;
}

export function createScheduler(config: ResolvedEppConfig, deps: PluginDeps): Scheduler {
  const plugins = createPlugins(config, deps);
  const get = <T extends EppPlugin>(name: string) => plugins.get(name) as T;
  const handler = get<ProfileHandlerPlugin>(config.profileHandler);
  const profiles = new Map(config.profiles.map((p) => [p.name, p]));
  const profileNames = config.profiles.map((p) => p.name);
  const scorers = [...plugins.values()].filter((p): p is ScorerPlugin => p.kind === 'scorer');
  const preRequests = config.preRequest.map((n) => get<PreRequestPlugin>(n));

  function runProfile(name: string, req: SchedulingRequest, candidates: Endpoint[], cycle: CycleState): ProfileResult | null {
    const prof = profiles.get(name);
    if (!prof) return null;
    let eps = candidates;
    for (const f of prof.filters) {
      eps = get<FilterPlugin>(f).filter(req, eps, cycle);
      if (eps.length === 0) return null;
    }
    const totals: Scores = new Map(eps.map((e) => [e.name, 0]));
    const perScorer: Record<string, Scores> = {};
    for (const { name: sn, weight } of prof.scorers) {
      const scores = get<ScorerPlugin>(sn).score(req, eps, cycle);
      perScorer[sn] = scores;
      for (const e of eps) {
        const s = Math.min(1, Math.max(0, scores.get(e.name) ?? 0));
        totals.set(e.name, totals.get(e.name)! + s * weight);
      }
    }
    const targets = get<PickerPlugin>(prof.picker).pick(eps.map((e) => ({ endpoint: e, score: totals.get(e.name)! })));
    return targets.length ? { targets, totals, perScorer } : null;
  }

  return {
    plugins,
    schedule(req, candidates) {
      const cycle: CycleState = new Map();
      const results: Record<string, ProfileResult | null> = {};
      for (let round = 0; round <= profileNames.length; round++) {
        const next = handler.pick(req, profileNames, results, cycle);
        if (next.length === 0) break;
        for (const n of next) results[n] = runProfile(n, req, candidates, cycle);
      }
      const result = handler.processResults(req, results, cycle);
      const primary = result.profileResults[result.primaryProfileName];
      if (!primary || primary.targets.length === 0) throw new NoPodsAvailableError(`profile '${result.primaryProfileName}' found none among ${candidates.length} candidates`);
      return { result, cycle };
    },
    preRequest(req, outcome, headers) {
      for (const s of scorers) s.preRequest?.(req, outcome.result, outcome.cycle);
      for (const p of preRequests) p.preRequest(req, outcome.result, headers);
      handler.preRequest?.(req, outcome.result, headers);
    },
    responseHeaders(req, outcome) {
      return Object.assign({}, ...scorers.map((s) => s.responseHeaders?.(req, outcome.result) ?? {}));
    },
    responseComplete(req, outcome) {
      for (const s of scorers) s.responseComplete?.(req, outcome.result);
    },
    hasPluginType: (type) => [...plugins.values()].some((p) => p.type === type),
    close() {
      for (const p of plugins.values()) (p as { close?: () => void }).close?.();
    },
  };
}
