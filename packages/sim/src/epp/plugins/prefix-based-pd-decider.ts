// prefix-based-pd-decider (SCHED v0.6+): inputTokens = len(user input bytes)/4 (an estimate, not real
// tokens); no P/D if inputTokens < nonCachedTokens; else cached = matched blocks of the chosen decode
// pod × block size in tokens, from the prefix scorer's PrefixCacheMatchInfo; P/D iff
// inputTokens − cached ≥ nonCachedTokens. Without match info (scorer did not write it — SCHED's
// prepareDataPlugins gate off) the decider cannot read the cache state and does not split, as the seed
// study observed ("unable to read prefix cache state").
import { PREFIX_MATCH_INFO_KEY, userInputText, type DeciderPlugin, type PrefixMatchInfo } from '../scheduling-types.ts';

export function createPrefixBasedPdDecider(name: string, params: { nonCachedTokens?: number }): DeciderPlugin {
  const nonCached = params.nonCachedTokens ?? 0;
  return {
    kind: 'decider',
    type: 'prefix-based-pd-decider',
    name,
    disaggregate(req, decode, cycle) {
      const inputTokens = Math.floor(Buffer.byteLength(userInputText(req)) / 4);
      if (inputTokens < nonCached) return false;
      const info = cycle.get(PREFIX_MATCH_INFO_KEY) as PrefixMatchInfo | undefined;
      if (!info) return false;
      const cached = (info.matchBlocks.get(decode.name) ?? 0) * info.blockSizeTokens;
      return inputTokens - cached >= nonCached;
    },
  };
}

export function createAlwaysDisaggPdDecider(name: string): DeciderPlugin {
  return { kind: 'decider', type: 'always-disagg-pd-decider', name, disaggregate: () => true };
}
