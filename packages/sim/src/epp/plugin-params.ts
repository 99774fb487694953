// The plugin types the simulator's EPP accepts come from the upstream table of each llm-d generation
// (@routebench/core upstream/plugins.ts). This module turns a validated upstream parameter object into the
// options of the simulator's plugin implementation, per version — the one place where a field name or
// default of an upstream Go struct becomes simulator behaviour.
import { GoDurationSchema, UPSTREAM_PLUGINS, type LlmdVersion, type UpstreamPluginKind, type UpstreamPluginType } from '@routebench/core';

export { GoDurationSchema };
export type PluginKind = UpstreamPluginKind;

export function pluginTypes(version: LlmdVersion): Readonly<Record<string, UpstreamPluginType>> {
  return UPSTREAM_PLUGINS[version];
}

export function pluginKind(version: LlmdVersion, type: string): PluginKind {
  const info = UPSTREAM_PLUGINS[version][type];
  if (!info) throw new Error(`unknown plugin type '${type}'`);
  return info.kind;
}

type Params = Record<string, any>;

/** Options of the simulator's approximate prefix index (sim plugins/prefix-cache-scorer.ts). */
export interface ApproxPrefixOptions {
  autoTune: boolean;
  /** Block size in characters (tokens × 4) used when autoTune finds no pod block size. */
  blockSizeChars: number;
  maxPrefixBlocksToMatch: number;
  lruCapacityPerServer: number;
}

/**
 * v0.7: GIE v1.4.0 prefix-cache-scorer parameters (prefix/plugin.go:75-99,186-212): blockSizeTokens ≤ 0 → 16;
 * maxPrefixBlocksToMatch ≤ 0 → 256; lruCapacityPerServer ≤ 0 → 31250; autoTune default true.
 * router: approx-prefix-cache-producer parameters (approximateprefix/types.go:96-165, plugin.go:361-398):
 * blockSizeTokens 16 (deprecated blockSize copied in when blockSizeTokens is left at 16), max blocks =
 * maxPrefixTokensToMatch (default 131072) / blockSizeTokens when > 0, else maxPrefixBlocksToMatch (2048),
 * both 0 = unlimited.
 */
export function approxPrefixOptions(version: LlmdVersion, p: Params): ApproxPrefixOptions {
  const pos = (v: unknown, d: number) => (typeof v === 'number' && v > 0 ? v : d);
  if (version === 'v0.7') {
    const tokens = pos(p.blockSizeTokens, 16);
    return {
      autoTune: p.autoTune ?? true,
      blockSizeChars: tokens * 4,
      maxPrefixBlocksToMatch: pos(p.maxPrefixBlocksToMatch, 256),
      lruCapacityPerServer: pos(p.lruCapacityPerServer, 31250),
    };
  }
  let tokens = typeof p.blockSizeTokens === 'number' ? p.blockSizeTokens : 16;
  if ((p.blockSize ?? 0) > 0 && tokens === 16) tokens = p.blockSize;
  tokens = pos(tokens, 16);
  const maxTokens = p.maxPrefixTokensToMatch ?? 131072;
  const maxBlocksParam = p.maxPrefixBlocksToMatch ?? 2048;
  const maxBlocks = maxTokens > 0 ? Math.floor(maxTokens / tokens) : maxBlocksParam > 0 ? maxBlocksParam : Number.MAX_SAFE_INTEGER;
  return { autoTune: p.autoTune ?? true, blockSizeChars: tokens * 4, maxPrefixBlocksToMatch: Math.max(1, maxBlocks), lruCapacityPerServer: pos(p.lruCapacityPerServer, 31250) };
}

export interface DisaggHandlerOptions {
  decodeProfile: string;
  prefillProfile: string;
  /** Decider plugin name; undefined = P/D disaggregation disabled. */
  prefillDecider: string | undefined;
}

/**
 * disagg-profile-handler (SCHED v0.7.1 disagg_profile_handler.go:101-160; ROUTER the same shape): nested
 * `profiles`/`deciders` or legacy flat names (deciderPluginName is the lower-priority alias of
 * prefillDeciderPluginName). pd-profile-handler (SCHED v0.7.1 pd_profile_handler.go:42-60): flat names,
 * deciderPluginName defaults to "prefix-based-pd-decider".
 */
export function disaggHandlerOptions(type: 'disagg-profile-handler' | 'pd-profile-handler', p: Params): DisaggHandlerOptions {
  if (type === 'pd-profile-handler')
    return { decodeProfile: p.decodeProfile ?? 'decode', prefillProfile: p.prefillProfile ?? 'prefill', prefillDecider: p.deciderPluginName ?? 'prefix-based-pd-decider' };
  const nested = Object.values(p.profiles ?? {}).some(Boolean) || Object.values(p.deciders ?? {}).some(Boolean);
  if (nested)
    return { decodeProfile: p.profiles?.decode || 'decode', prefillProfile: p.profiles?.prefill || 'prefill', prefillDecider: p.deciders?.prefill || undefined };
  return {
    decodeProfile: p.decodeProfile || 'decode',
    prefillProfile: p.prefillProfile || 'prefill',
    prefillDecider: p.prefillDeciderPluginName || p.deciderPluginName || undefined,
  };
}

/** The precise index's block size in tokens (tokenProcessorConfig.blockSize / blockSizeTokens, either level). */
export function preciseBlockSize(p: Params): number {
  const t = p.tokenProcessorConfig ?? {};
  const i = p.indexerConfig?.tokenProcessorConfig ?? {};
  return t.blockSize ?? t.blockSizeTokens ?? i.blockSize ?? i.blockSizeTokens ?? 16;
}
