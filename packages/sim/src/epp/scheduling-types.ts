// Runtime shapes shared by the EPP scheduler and its plugins. Plugins are plain objects of functions;
// the per-request CycleState carries what one plugin computes for another (prefix match info for the
// P/D decider), as the GIE scheduling framework does.
import type { PodRole } from '../types.ts';

/** The slice of a pod's /metrics the EPP uses (GIE backend/metrics). */
export interface EndpointMetrics {
  waiting: number;
  running: number;
  kvUsage: number;
  /** vllm:cache_config_info{block_size}, when exported. */
  blockSize?: number;
  /** vllm:cache_config_info{num_gpu_blocks}, when exported. */
  numGpuBlocks?: number;
  /** Date.now() of the last successful scrape (0 = never). */
  updatedAt: number;
}

export interface Endpoint {
  name: string;
  namespace: string;
  role: PodRole;
  models: string[];
  /** Pod address `host:port` (what x-gateway-destination-endpoint and x-prefiller-host-port carry). */
  address: string;
  /** Where the gateway sends the request (the routing sidecar in front of a decode pod, or the pod itself). */
  targetUrl: string;
  metricsUrl: string;
  metrics: EndpointMetrics;
}

export interface ChatMessageLike {
  role: string;
  content: unknown;
}

export interface SchedulingRequest {
  requestId: string;
  /** body.model (the model the pods must serve). */
  model: string;
  /** Lower-cased request headers. */
  headers: Record<string, string>;
  api: 'chat' | 'completions';
  /** chat: messages as sent. */
  messages?: ChatMessageLike[];
  /** completions: prompt as sent. */
  prompt?: string;
  cacheSalt?: string;
}

export type CycleState = Map<string, unknown>;
/** Scores by endpoint name. */
export type Scores = Map<string, number>;

export interface ProfileResult {
  targets: Endpoint[];
  /** Weighted total per candidate endpoint, by name (for logs). */
  totals: Scores;
  /** Raw scores per scorer plugin, by endpoint name. */
  perScorer: Record<string, Scores>;
}

export interface SchedulingResult {
  profileResults: Record<string, ProfileResult | null>;
  primaryProfileName: string;
  /** llm_d_inference_scheduler_disagg_decision_total decision_type, when a P/D handler ran. */
  disaggDecision?: 'decode-only' | 'prefill-decode';
}

export interface ScorerPlugin {
  kind: 'scorer';
  type: string;
  name: string;
  score(req: SchedulingRequest, endpoints: Endpoint[], cycle: CycleState): Scores;
  /** After scheduling, before the request goes upstream (GIE PreRequest). */
  preRequest?(req: SchedulingRequest, result: SchedulingResult, cycle: CycleState): void;
  /** When the response has finished (GIE ResponseComplete). */
  responseComplete?(req: SchedulingRequest, result: SchedulingResult): void;
  /** Response headers this plugin adds (session-affinity). */
  responseHeaders?(req: SchedulingRequest, result: SchedulingResult): Record<string, string>;
}

export interface FilterPlugin {
  kind: 'filter';
  type: string;
  name: string;
  filter(req: SchedulingRequest, endpoints: Endpoint[], cycle: CycleState): Endpoint[];
}

export interface ScoredEndpoint {
  endpoint: Endpoint;
  score: number;
}

export interface PickerPlugin {
  kind: 'picker';
  type: string;
  name: string;
  pick(scored: ScoredEndpoint[]): Endpoint[];
}

export interface ProfileHandlerPlugin {
  kind: 'profile-handler';
  type: string;
  name: string;
  /** Profiles to run next given the results so far; [] ends the loop. */
  pick(req: SchedulingRequest, profileNames: string[], results: Record<string, ProfileResult | null>, cycle: CycleState): string[];
  processResults(req: SchedulingRequest, results: Record<string, ProfileResult | null>, cycle: CycleState): SchedulingResult;
  /** llm-d-router's disagg-profile-handler is also a PreRequest plugin (sets x-prefiller-host-port). */
  preRequest?(req: SchedulingRequest, result: SchedulingResult, upstreamHeaders: Record<string, string>): void;
}

export interface DeciderPlugin {
  kind: 'decider';
  type: string;
  name: string;
  /** Whether to run the prefill profile, given the chosen decode endpoint. */
  disaggregate(req: SchedulingRequest, decode: Endpoint, cycle: CycleState): boolean;
}

export interface PreRequestPlugin {
  kind: 'pre-request';
  type: string;
  name: string;
  /** Mutates the headers that go upstream. */
  preRequest(req: SchedulingRequest, result: SchedulingResult, upstreamHeaders: Record<string, string>): void;
}

/** Plugins outside the scheduling cycle that the simulator accepts as no-ops (data producers/sources, parsers, test plugins). */
export interface DataPlugin {
  kind: 'data-producer' | 'data-source' | 'data-extractor' | 'parser' | 'response-received' | 'admitter' | 'flow-control' | 'saturation-detector' | 'screener' | 'discovery' | 'request-header';
  type: string;
  name: string;
}

export type EppPlugin = ScorerPlugin | FilterPlugin | PickerPlugin | ProfileHandlerPlugin | DeciderPlugin | PreRequestPlugin | DataPlugin;

/** CycleState key under which prefix scorers leave match info for the P/D decider (SCHED PrefixCacheMatchInfoKey). */
export const PREFIX_MATCH_INFO_KEY = 'PrefixCacheMatchInfo';
export interface PrefixMatchInfo {
  /** Matched leading blocks per endpoint name. */
  matchBlocks: Map<string, number>;
  totalBlocks: number;
  blockSizeTokens: number;
}

/** Bytes the approximate prefix scorer and the P/D decider read: prompt, or Go json.Marshal(messages). */
export function userInputText(req: SchedulingRequest): string {
  if (req.api === 'completions') return req.prompt ?? '';
  return goJsonMarshal((req.messages ?? []).map((m) => ({ role: m.role, content: m.content })));
}

/** JSON as Go's encoding/json writes it: HTML-significant characters and U+2028/9 escaped. */
export function goJsonMarshal(v: unknown): string {
  return JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
