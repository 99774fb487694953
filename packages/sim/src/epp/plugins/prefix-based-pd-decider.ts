// prefix-based-pd-decider: the decision itself is @routebench/core upstream/deciders.ts shouldDisaggregate,
// per llm-d generation (v0.7.0+: nonCachedTokens 0 = never split). This file only gathers its inputs:
// the token estimate floor(user-input bytes / 4) and the chosen decode pod's cached tokens from the
// PrefixCacheMatchInfo a prefix scorer / producer left in the cycle. Without match info (v0.7: the
// prepareDataPlugins gate off) the decider cannot read the cache state and does not split, as the seed
// study observed ("unable to read prefix cache state").
import { estimatePromptTokens, shouldDisaggregate, type DeciderSemantics, type PrefixDeciderParams } from '@routebench/core';
import { PREFIX_MATCH_INFO_KEY, userInputText, type DeciderPlugin, type PrefixMatchInfo } from '../scheduling-types.ts';

export function createPrefixBasedPdDecider(name: string, params: PrefixDeciderParams, version: DeciderSemantics): DeciderPlugin {
  return {
    kind: 'decider',
    type: 'prefix-based-pd-decider',
    name,
    disaggregate(req, decode, cycle) {
      const info = cycle.get(PREFIX_MATCH_INFO_KEY) as PrefixMatchInfo | undefined;
      return shouldDisaggregate(version, params, {
        promptTokens: estimatePromptTokens(Buffer.byteLength(userInputText(req))),
        cachedTokens: info ? (info.matchBlocks.get(decode.name) ?? 0) * info.blockSizeTokens : undefined,
      });
    },
  };
}

export function createAlwaysDisaggPdDecider(name: string): DeciderPlugin {
  return { kind: 'decider', type: 'always-disagg-pd-decider', name, disaggregate: () => true };
}
