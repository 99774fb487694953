// prefix-based-pd-decider: when the P/D profile handler runs the prefill profile, per llm-d generation.
// The simulator's decider and the pd-selective claim both take the decision from here.
//
//   SCHED v0.6.0 pkg/plugins/profile/prefix_based_pd_decider.go:93-94 — `nonCachedTokens <= 0`: "always use
//     disaggregation". Not a modelled generation; kept so the difference is written down (`legacy-v0.6`).
//   SCHED v0.7.0+ (commit e8e709dd, PR #691 "NonCachedTokens defines the minimum number of non-cached tokens
//     required"), read at v0.7.1 pkg/plugins/profile/prefix_based_pd_decider.go:104-147 — 0 disables it:
//     never disaggregate. Otherwise: inputTokens = len(user input bytes)/4 (AverageCharactersPerToken, :22;
//     completions: the prompt; chat: json.Marshal(messages), :150-166); inputTokens < nonCachedTokens → no;
//     no PrefixCacheMatchInfo on the endpoint → no ("unable to read prefix cache state"); cached =
//     matchBlocks × blockSizeTokens; split iff inputTokens − cached ≥ nonCachedTokens.
//   ROUTER ebab68792 pkg/epp/framework/plugins/scheduling/profilehandler/disagg/prefix_based_pd_decider.go:
//     104-163 — the same, plus `promptTokens` (> 0: inputTokens < promptTokens → no, :124-127).
import type { LlmdVersion } from './versions.ts';

/** Characters per estimated token (SCHED v0.7.1 prefix_based_pd_decider.go:22). */
export const DECIDER_CHARS_PER_TOKEN = 4;

export interface PrefixDeciderParams {
  nonCachedTokens?: number;
  /** ROUTER only. */
  promptTokens?: number;
}

export interface PrefixDeciderInput {
  /** Estimated prompt tokens: floor(user-input bytes / 4) — use estimatePromptTokens. */
  promptTokens: number;
  /** Cached prefix tokens on the chosen decode endpoint (matchBlocks × blockSizeTokens); undefined = no match info. */
  cachedTokens: number | undefined;
}

export type DeciderSemantics = LlmdVersion | 'legacy-v0.6';

/** The decider's token estimate: floor(UTF-8 bytes of the user input / 4). */
export function estimatePromptTokens(userInputBytes: number): number {
  return Math.floor(userInputBytes / DECIDER_CHARS_PER_TOKEN);
}

/** Whether nonCachedTokens = 0 disables the decider (true from SCHED v0.7.0 on). */
export function zeroDisablesDecider(version: DeciderSemantics): boolean {
  return version !== 'legacy-v0.6';
}

export function shouldDisaggregate(version: DeciderSemantics, params: PrefixDeciderParams, input: PrefixDeciderInput): boolean {
  const nonCached = params.nonCachedTokens ?? 0;
  if (version === 'legacy-v0.6') {
    if (nonCached <= 0) return true;
  } else if (nonCached === 0) return false;
  if (version === 'router' && (params.promptTokens ?? 0) > 0 && input.promptTokens < params.promptTokens!) return false;
  if (input.promptTokens < nonCached) return false;
  if (input.cachedTokens === undefined) return false;
  return input.promptTokens - input.cachedTokens >= nonCached;
}
