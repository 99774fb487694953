// P/D profile handlers: pd-profile-handler (SCHED v0.4.0 threshold mode; v0.6 `deciderPluginName`) and
// disagg-profile-handler (SCHED v0.8+, `deciders.prefill`). Decode runs first; the prefill profile runs
// only if the decision says so; the primary result is always decode.
// v0.4.0 threshold mode: L = len(user input bytes); hit = max(prefix matches of the decode pod − 1, 0)
// ("first hit is always the model name", which under-counts one block with GIE v1.2.0 hashing);
// decode-only iff (1 − hit×hashBlockSize/L)×L < threshold; threshold 0 → always prefill.
import { userInputText, type CycleState, type DeciderPlugin, type Endpoint, type ProfileHandlerPlugin, type SchedulingRequest } from '../scheduling-types.ts';
import { prefixStateKey, type PrefixScorerState } from './prefix-cache-scorer.ts';

export interface PdHandlerOptions {
  type: 'pd-profile-handler' | 'disagg-profile-handler';
  decodeProfile?: string;
  prefillProfile?: string;
  /** Set → the decider decides. */
  decider?: DeciderPlugin;
  /** v0.4.0 threshold mode (used when there is no decider). */
  threshold?: number;
  hashBlockSize?: number;
  prefixPluginName?: string;
}

const DECISION_KEY = 'pd-decision';

function thresholdDecision(req: SchedulingRequest, decode: Endpoint, cycle: CycleState, o: PdHandlerOptions): boolean {
  const threshold = o.threshold ?? 0;
  if (threshold === 0) return true;
  const L = Buffer.byteLength(userInputText(req));
  const st = cycle.get(prefixStateKey(o.prefixPluginName ?? 'prefix-cache-scorer')) as PrefixScorerState | undefined;
  const hit = Math.max((st?.matches.get(decode.name) ?? 0) - 1, 0);
  const hitPct = L === 0 ? 0 : (hit * (o.hashBlockSize ?? 64)) / L;
  return (1 - hitPct) * L >= threshold;
}

export function createPdProfileHandler(name: string, o: PdHandlerOptions): ProfileHandlerPlugin {
  const decodeName = o.decodeProfile ?? 'decode';
  const prefillName = o.prefillProfile ?? 'prefill';
  return {
    kind: 'profile-handler',
    type: o.type,
    name,
    pick(req, profileNames, results, cycle) {
      if (!(decodeName in results)) return [decodeName];
      const decode = results[decodeName];
      if (!decode || prefillName in results || !profileNames.includes(prefillName)) return [];
      const target = decode.targets[0]!;
      const split = o.decider ? o.decider.disaggregate(req, target, cycle) : thresholdDecision(req, target, cycle, o);
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
}
