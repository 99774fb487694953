// P/D profile handlers: disagg-profile-handler and its legacy alias pd-profile-handler (SCHED v0.7.1
// pkg/plugins/profile/disagg_profile_handler.go, pd_profile_handler.go; ROUTER .../profilehandler/disagg/).
// Decode runs first; the prefill profile runs only if the prefill decider says so; without a decider P/D
// is disabled ("No deciders.prefill configured, P/D disaggregation disabled"); the primary result is
// always decode. In llm-d-router the handler is also the PreRequest plugin that writes
// x-prefiller-host-port (disagg_profile_handler.go:526), replacing disagg-headers-handler.
// (SCHED v0.4.0's `threshold` mode is gone from every modelled version: pd-profile-handler in v0.7.1
// ignores that field.)
import type { DeciderPlugin, ProfileHandlerPlugin } from '../scheduling-types.ts';
import { PREFILLER_HEADER } from './prefill-header-handler.ts';

export interface PdHandlerOptions {
  type: 'pd-profile-handler' | 'disagg-profile-handler';
  decodeProfile?: string;
  prefillProfile?: string;
  /** Set → the decider decides; unset → never split. */
  decider?: DeciderPlugin;
  /** Also act as the PreRequest header writer (llm-d-router). */
  setsPrefillerHeader?: boolean;
}

const DECISION_KEY = 'pd-decision';

export function createPdProfileHandler(name: string, o: PdHandlerOptions): ProfileHandlerPlugin {
  const decodeName = o.decodeProfile ?? 'decode';
  const prefillName = o.prefillProfile ?? 'prefill';
  const handler: ProfileHandlerPlugin = {
    kind: 'profile-handler',
    type: o.type,
    name,
    pick(req, profileNames, results, cycle) {
      if (!(decodeName in results)) return [decodeName];
      const decode = results[decodeName];
      if (!decode || prefillName in results || !profileNames.includes(prefillName)) return [];
      const target = decode.targets[0]!;
      const split = o.decider ? o.decider.disaggregate(req, target, cycle) : false;
      cycle.set(DECISION_KEY, split);
      return split ? [prefillName] : [];
    },
    processResults(_req, results) {
      const prefill = results[prefillName];
      return {
        profileResults: results,
        primaryProfileName: decodeName,
        disaggDecision: prefill && prefill.targets.length > 0 ? 'prefill-decode' : 'decode-only',
      };
    },
  };
  if (o.setsPrefillerHeader)
    handler.preRequest = (_req, result, headers) => {
      delete headers[PREFILLER_HEADER];
      const target = result.profileResults[prefillName]?.targets[0];
      if (target) headers[PREFILLER_HEADER] = target.address;
    };
  return handler;
}
