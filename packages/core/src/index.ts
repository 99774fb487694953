// @routebench/core — the whole public surface. Nothing else is importable from other packages (package.json
// exports only "."), so what is listed here is what the project promises to keep.

// Drive a workload at a target (run), or run + metrics + attribution + every output file (measure).
export { run, type RunInstance, type RunEvents } from './run.ts';
export type { RunOptions, RunResult } from './run-options.ts';
export { measure, type MeasureOptions, type MeasureResult, type MeasureInstance } from './measure.ts';
export { LoadSpecSchema, MAX_TIMER_MS, MAX_DURATION_S, MAX_RATE, MAX_CONCURRENCY, type LoadSpec, type LoadSpecInput } from './load/load-spec.ts';
export { parseShard, type Shard } from './load/shard.ts';
export { defaultWorkerCount } from './load/workers.ts';
export { RequestSpecSchema, type RequestSpec, type RequestSpecInput, type ChatMessage } from './workload/request-spec.ts';

// What a run records.
export { RequestRecordSchema, type RequestRecord, type ErrorClass } from './record/request-record.ts';
export type { RecorderSnapshot } from './record/recorder.ts';
export { SummarySchema, parseSummary, LATENCY_METRICS, type Summary, type LatencyMetric } from './record/summary.ts';
export { summarizeRecords } from './record/summarize-records.ts';
export { mergeSummaries } from './record/merge.ts';
export { mergeRunEvidence, mergeMetricsEvidence, runEvidenceFromFolder, type MergeEvidenceOptions } from './record/merge-evidence.ts';

// Server-side evidence.
export { startCollector, type Collector } from './evidence/collector.ts';
export { MetricsSourceSchema, type MetricsSourceInput } from './evidence/sources/source-config.ts';
export type { MetricsEvidence } from './evidence/metrics-evidence.ts';
export { parsePrometheusText, type PromFamily } from './evidence/prom-parse.ts';

// Claims and verdicts.
export { evaluateClaims, parseClaims, CLAIM_IDS, type ClaimId } from './claims/evaluate.ts';
export type { ClaimInput } from './claims/claim-outcome.ts';
export type { RunEvidence, PodRole, CacheState, PodCacheReset } from './claims/context.ts';
export { renderVerdictTable, type Verdict, type VerdictStatus } from './claims/verdict.ts';
export { wilson, diffInterval, decideShare, decideLift, combineStatus, formatConfidence, requiredN, DEFAULT_CONFIDENCE_LEVEL, type Confidence, type Interval } from './claims/confidence.ts';

// Outputs and comparisons.
export { compareRuns, compareToCsv, compareToWideCsv, formatCompareTable, COMPARE_CSV_COLUMNS, COMPARE_WIDE_CSV_KEY_COLUMNS, type CompareRow } from './output/compare.ts';
export { RUN_FILES, assertCanWriteRun, writeJsonAtomic, writeSummaryFiles } from './output/run-folder.ts';
export { fileTail, snapshotTail, type LogTail, type AttributionSummary } from './evidence/attribution/live-attribution.ts';
export { readJsonl } from './output/jsonl.ts';
export { renderHtmlReport } from './output/html-report.ts';
export { buildRunTimeline, readRunTimeline, type RunTimeline } from './output/html-report-timeline.ts';
export { renderSweepReport, type SweepReportInput, type SweepReportLevel } from './output/sweep-report.ts';
export { formatLlmdReport, llmdReportText, summaryToLlmdReports, LLMD_REPORT_VERSION } from './output/llmd-report.ts';

// Upstream llm-d formats and semantics, per generation (what the simulator writes and the readers read).
export { LLMD_VERSIONS, LlmdVersionSchema, DEFAULT_LLMD_VERSION, UPSTREAM_SOURCES, CHART_DEFAULT_EPP_VERBOSITY, type LlmdVersion } from './upstream/versions.ts';
export {
  EPP_V,
  EPP_REQUEST_ID_KEY,
  REQUEST_HANDLED,
  CALCULATED_SCORE,
  PICKER_RESULT,
  GOT_ENDPOINT_SCORES,
  SERVED_VERIFIER,
  eppLogLines,
  zapLevel,
  podOfScoredEndpoint,
  pluginMatches,
  parseZapLine,
} from './upstream/epp-logs.ts';
export { EPP_HEADERS, firstHeader, type EppHeaders } from './upstream/headers.ts';
export { BBR, EPP_FILTERS_BY_MODEL, MODEL_LABEL, bbrBaseModel, modelNamesMatch, VllmModelListSchema, parseVllmModelList } from './upstream/bbr.ts';
export { collectServedModels, modelsUrlFor, type ServedModels } from './evidence/sources/served-models.ts';
export {
  DEFAULT_KV_EVENTS_TOPIC_FILTER,
  KV_EVENTS_FRAMES,
  formatKvEventsTopic,
  parseKvEventsTopic,
  precisePodKey,
  KvEventsPodIdStyleSchema,
  kvEventsPodId,
  kvEventsIndexKey,
  kvEventsTopicProblem,
  type KvEventsTopic,
  type KvEventsPodIdStyle,
} from './upstream/kv-events.ts';
export {
  SEED_VLLM_VERSION,
  VLLM_LOG_FLAGS,
  VLLM_REQUEST_ID,
  VLLM_LOG_MESSAGES,
  PD_LEG_MARKERS,
  formatVllmLogLine,
  formatSamplingParams,
  formatReceivedRequest,
  loggedRequestId,
  requestIdCandidates,
  type VllmLogLineParts,
  type VllmLogKind,
} from './upstream/vllm-logs.ts';
export { parseVllmRequestLogs, parseVllmLogLine, placeFromVllmLog, vllmRequestIdWarning, type PodLogs, type VllmRequestLog, type VllmPlacement } from './evidence/attribution/vllm-request-log.ts';
export { attributeRecords, VLLM_LOG_SOURCE, type AttributionInput, type AttributionResult, type PodAttribution } from './evidence/attribution/attribute.ts';
export { podFileTails, podSnapshotTail, type PodLogsTail } from './evidence/attribution/live-attribution.ts';
export {
  HPA_DEFAULTS,
  EPP_POOL_GAUGE_REFRESH_S,
  ASSUMED_POD_START_S,
  AutoscaleTimescaleSchema,
  hpaDefaultTimescale,
  type AutoscaleTimescale,
} from './upstream/autoscale.ts';
export { parseEppLog } from './evidence/attribution/epp-log.ts';
export { readScorerPicks } from './claims/scorer-picks.ts';
export { readPreciseScores } from './claims/precise-scores.ts';
export {
  UPSTREAM_PLUGINS,
  EPP_CONFIG_API,
  knownPluginTypes,
  simulatedPluginTypes,
  versionLabel,
  GoDurationSchema,
  type UpstreamPluginKind,
  type UpstreamPluginType,
  type EppConfigApi,
} from './upstream/plugins.ts';
export {
  shouldDisaggregate,
  estimatePromptTokens,
  zeroDisablesDecider,
  DECIDER_CHARS_PER_TOKEN,
  type PrefixDeciderParams,
  type PrefixDeciderInput,
  type DeciderSemantics,
} from './upstream/deciders.ts';
export {
  SCHEDULER_ATTEMPTS_LABELS,
  DISAGG_DECISION_TYPES,
  DECISION_COUNTER_BY_HANDLER,
  EPP_METRICS_AUTH_DEFAULT,
  EPP_METRICS_AUTH_REJECT_STATUS,
  EPP_METRICS_AUTH_HINT,
  EXTERNAL_PREFIX_CACHE_SEMANTICS,
  NIXL_METRICS,
  type DecisionProfileHandler,
} from './upstream/metrics.ts';

// `routebench doctor`: which claims' evidence a target exposes, and the fix for what it does not.
export * from './doctor/index.ts';

// Errors with stable codes.
export { RoutebenchError, isRoutebenchError, type RoutebenchErrorCode } from './errors.ts';
// Secrets (API keys, bearer tokens) out of text the console prints, e.g. a server's error message.
export { redactSecrets } from './evidence/sources/secrets.ts';

// Building blocks for workload generators and simulators: the deterministic tokenizer and seeded randomness.
export { TOKENIZER_NAME, WORDS, encode, countTokens, renderChat, wordsText, type ChatMessageLike } from './workload/tokenizer.ts';
export { createRng, normal, shuffle, type Rng } from './workload/rng.ts';
export { importInferencePerfRun, type InferencePerfImportOptions } from './import/inference-perf-run.ts';
export { importLlmdReport, type LlmdReportImportOptions } from './import/llmd-report-run.ts';
export type { ImportResult, ImportSource } from './import/imported-run.ts';

// `routebench judge`: a run folder judged again on saved evidence (EPP/pod logs, metric snapshots, a Prometheus range).
export { judgeRun, savedRunEvidence, loadControlEvidence, type JudgeOptions, type JudgeResult, type JudgeAttribution, type JudgePrometheus } from './evidence/saved/judge.ts';
export { parseSnapshotSpec, saveMetricsSnapshot, snapshotEvidence, type SnapshotSpec } from './evidence/saved/snapshot-delta.ts';
export { createEndpointResolver, type EndpointResolution, type EndpointDirectory } from './evidence/attribution/endpoint-resolve.ts';
