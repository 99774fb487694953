// `routebench import inference-perf DIR`: an inference-perf report folder → a routebench run folder.
//
// What inference-perf writes, read at kubernetes-sigs/inference-perf@7de5ef2ed6f7934e0ecbc8297e593f79e68430c0
// (v0.6.1-29), inference_perf/reportgen/base.py ReportGenerator.generate_reports, each file
// `<report_file_prefix><name>.json` (client/filestorage/local.py):
//   - per_request_lifecycle_metrics.json (report.request_lifecycle.per_request): a list of
//       { start_time, end_time, request, response, info, error }
//     start/end are time.perf_counter() seconds (client/modelserver/openai_client.py process_request: arbitrary
//     origin, no wall clock); `request` is the JSON body sent; `response` the raw body (the SSE text when streaming);
//     `info` is InferenceInfo.model_dump() (apis/base.py): request_metrics.text.input_tokens, response_metrics
//     { output_tokens, server_usage, response_chunks, chunk_times, output_token_times } (chunk_times: perf_counter
//     time of each content-bearing SSE message, 1:1 with response_chunks — apis/streaming_parser.py), labels,
//     lora_adapter; `error` is { error_type, error_msg } or null. Not written per request: scheduled_time,
//     stage_id, session_id, any request id or response header — inference-perf sends no x-request-id of its own.
//   - summary_lifecycle_metrics.json and stage_<n>_lifecycle_metrics.json: summarize_requests() aggregates,
//     latencies in seconds, percentile keys "median" and "p<g>" (p90, p99.9 …); stage files add
//     load_summary.requested_rate. Older releases (the kubecon-na-2025 demo results) lack benchmark_time_seconds
//     and name prompt statistics prompt_len.
//   - config.yaml: the run's config (server.base_url, server.model_name, tokenizer…).
//
// Per request the import keeps what inference-perf measured: send and end times, the content-chunk arrival times
// (→ TTFT, ITL, TPOT), usage, finish reason, response id and the error. Request ids: inference-perf sends none, but
// vLLM names its response `chatcmpl-<x-request-id>` / `cmpl-<x-request-id>` after the x-request-id the pod received
// (the gateway's, which the EPP logs); the embedded simulator does the same (packages/sim/src/pod/index.ts). With
// requestIds 'response-id' (the default) that id becomes the record's requestId, so `judge` can join the EPP log;
// requests without such a response id get `inference-perf-<seq>`.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { RoutebenchError } from '../errors.ts';
import { applyStreamEvent, createStreamState, resolveChunkTokens } from '../client/openai-stream.ts';
import { tpotMs } from '../record/itl.ts';
import type { ErrorClass, RequestRecord } from '../record/request-record.ts';
import {
  importedRunWindow,
  parseSource,
  readSourceData,
  writeAggregateRun,
  writeImportedRecords,
  type AggregateFigures,
  type AggregateLatency,
  type ImportResult,
  type ImportSource,
} from './imported-run.ts';

const PER_REQUEST = 'per_request_lifecycle_metrics.json';
const SUMMARY = 'summary_lifecycle_metrics.json';
const STAGE = /^stage_(\d+)_lifecycle_metrics\.json$/;

const num = z.number().nullable().optional();
const loose = <T extends z.ZodRawShape>(shape: T) => z.looseObject(shape);

/** One entry of per_request_lifecycle_metrics.json (unknown fields pass; the ones read must have these types). */
const PerRequestEntrySchema = loose({
  start_time: z.number(),
  end_time: z.number(),
  request: z.string().nullable().optional(),
  response: z.string().nullable().optional(),
  info: loose({
    request_metrics: loose({ text: loose({ input_tokens: num }).nullable().optional() }).nullable().optional(),
    response_metrics: loose({
      output_tokens: num,
      server_usage: z.record(z.string(), z.unknown()).nullable().optional(),
      response_chunks: z.array(z.string()).nullable().optional(),
      chunk_times: z.array(z.number()).nullable().optional(),
    })
      .nullable()
      .optional(),
    labels: z.record(z.string(), z.string()).nullable().optional(),
    input_tokens: num,
  })
    .nullable()
    .optional(),
  error: loose({ error_type: z.string(), error_msg: z.string().nullable().optional() }).nullable().optional(),
});
type PerRequestEntry = z.infer<typeof PerRequestEntrySchema>;

/** summarize() output: mean/min/max and percentiles; null when there were no values. */
const DistSchema = z.record(z.string(), z.number().nullable()).nullable().optional();
const LifecycleSummarySchema = loose({
  benchmark_time_seconds: num,
  load_summary: loose({ count: z.number(), schedule_delay: DistSchema, requested_rate: num, send_duration: num }),
  successes: loose({
    count: z.number(),
    latency: loose({
      request_latency: DistSchema,
      time_per_output_token: DistSchema,
      time_to_first_token: DistSchema,
      inter_token_latency: DistSchema,
    })
      .nullable()
      .optional(),
    throughput: loose({ input_tokens_per_sec: num, output_tokens_per_sec: num, requests_per_sec: num }).nullable().optional(),
    prompt_tokens: z.record(z.string(), z.number().nullable()).nullable().optional(),
    output_tokens: z.record(z.string(), z.number().nullable()).nullable().optional(),
  }),
  failures: loose({ count: z.number(), by_label: z.record(z.string(), z.unknown()).nullable().optional() }).nullable().optional(),
});
type LifecycleSummary = z.infer<typeof LifecycleSummarySchema>;

const ConfigSchema = loose({
  server: loose({ base_url: z.string().nullable().optional(), model_name: z.string().nullable().optional() }).nullable().optional(),
  tokenizer: loose({ pretrained_model_name_or_path: z.string().nullable().optional() }).nullable().optional(),
}).nullable();

export interface InferencePerfImportOptions {
  /** Overwrite a run already in outDir. */
  force?: boolean;
  /** 'response-id' (default): take the x-request-id vLLM echoes in the response id; 'synthesized': inference-perf-<seq>. */
  requestIds?: 'response-id' | 'synthesized';
  /** Wall-clock time of the first request (inference-perf records none); default: the report file's mtime − the run's span. */
  startedAt?: string;
  /** File name prefix (report_file_prefix) when the folder holds several runs. */
  prefix?: string;
}

/** The report_file_prefix of the run in `dir` (the one prefix in front of the report names found there). */
function findPrefix(dir: string, given: string | undefined): string {
  if (given !== undefined) return given;
  const names = readdirSync(dir);
  const prefixes = new Set<string>();
  for (const n of names) {
    for (const suffix of [PER_REQUEST, SUMMARY]) if (n.endsWith(suffix)) prefixes.add(n.slice(0, -suffix.length));
  }
  if (prefixes.size === 0) {
    throw new RoutebenchError('RB_INPUT_INVALID', `${dir}: no inference-perf report here (expected ${PER_REQUEST} or ${SUMMARY}, possibly with a report_file_prefix)`, {
      field: dir,
    });
  }
  if (prefixes.size > 1) {
    throw new RoutebenchError('RB_INPUT_INVALID', `${dir}: reports of several runs (prefixes ${[...prefixes].map((p) => JSON.stringify(p)).join(', ')}); choose one with --prefix`, {
      field: dir,
    });
  }
  return [...prefixes][0]!;
}

function readConfig(dir: string, prefix: string): z.infer<typeof ConfigSchema> {
  const file = join(dir, `${prefix}config.yaml`);
  if (!existsSync(file)) return null;
  return parseSource(ConfigSchema, readSourceData(file, 'inference-perf config report', { yaml: true }), file, 'inference-perf config.yaml');
}

function readStages(dir: string, prefix: string): Map<number, { file: string; data: LifecycleSummary }> {
  const stages = new Map<number, { file: string; data: LifecycleSummary }>();
  for (const n of readdirSync(dir)) {
    if (!n.startsWith(prefix)) continue;
    const m = STAGE.exec(n.slice(prefix.length));
    if (!m) continue;
    const file = join(dir, n);
    stages.set(Number(m[1]), { file, data: parseSource(LifecycleSummarySchema, readSourceData(file, 'inference-perf stage report'), file, 'inference-perf stage report') });
  }
  return new Map([...stages].sort((a, b) => a[0] - b[0]));
}

/** Import an inference-perf report folder into a routebench run folder. */
export async function importInferencePerfRun(dir: string, outDir: string, opts: InferencePerfImportOptions = {}): Promise<ImportResult> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new RoutebenchError('RB_INPUT_INVALID', `${dir}: not a folder (give the folder inference-perf wrote its reports to)`, { field: dir });
  }
  if (opts.startedAt !== undefined && Number.isNaN(Date.parse(opts.startedAt))) {
    throw new RoutebenchError('RB_CONFIG_INVALID', `startedAt: not a date-time: ${opts.startedAt}`, { field: 'startedAt' });
  }
  // One wall-clock form (the summary's meta wants ISO with an offset).
  if (opts.startedAt !== undefined) opts = { ...opts, startedAt: new Date(Date.parse(opts.startedAt)).toISOString() };
  const prefix = findPrefix(dir, opts.prefix);
  const config = readConfig(dir, prefix);
  const stages = readStages(dir, prefix);
  const perRequestFile = join(dir, `${prefix}${PER_REQUEST}`);
  const base = {
    target: config?.server?.base_url ?? 'unknown',
    tokenizer: config?.tokenizer?.pretrained_model_name_or_path ?? config?.server?.model_name ?? undefined,
    scenario: `inference-perf:${basename(resolve(dir))}`,
  };
  const stageExtra = {
    inferencePerf: {
      stages: [...stages].map(([id, s]) => ({ stage: id, requests: s.data.load_summary.count, requestedRate: s.data.load_summary.requested_rate ?? null })),
    },
  };
  if (existsSync(perRequestFile)) return importPerRequest(perRequestFile, outDir, stages, base, stageExtra, opts);

  const summaryFile = join(dir, `${prefix}${SUMMARY}`);
  const data = parseSource(LifecycleSummarySchema, readSourceData(summaryFile, 'inference-perf summary report'), summaryFile, 'inference-perf summary report');
  const fig = figuresOf(data);
  const { startedAt, endedAt } = importedRunWindow(opts.startedAt, fig.durationS ?? 0, summaryFile);
  const source: ImportSource = {
    tool: 'inference-perf',
    toolVersion: null,
    format: SUMMARY,
    files: [summaryFile, ...[...stages.values()].map((s) => s.file)],
    perRequest: false,
    notes: [
      `no ${PER_REQUEST} (report.request_lifecycle.per_request was off): statistics are inference-perf's own, histograms are empty`,
      opts.startedAt ? 'startedAt given on import' : 'inference-perf records no wall-clock time: the times are the report file mtime',
    ],
  };
  // Per-stage statistics as stage:<n> dimensions (the stage reports are summaries of the same kind).
  const dimensions = Object.fromEntries([...stages].map(([id, s]) => [`stage:${id}`, figuresOf(s.data)]));
  return writeAggregateRun(outDir, fig, { ...base, startedAt, endedAt }, source, stageExtra, { force: opts.force, dimensions });
}

/** Percentile statistics of an inference-perf distribution (seconds) in ms. */
function msDist(d: Record<string, number | null> | null | undefined, scale = 1000): AggregateLatency | null {
  if (!d) return null;
  const g = (k: string) => (typeof d[k] === 'number' ? (d[k] as number) * scale : null);
  return { p50: g('median') ?? g('p50'), p90: g('p90'), p95: g('p95'), p99: g('p99'), p999: g('p99.9'), mean: g('mean'), min: g('min'), max: g('max') };
}

function figuresOf(s: LifecycleSummary): AggregateFigures {
  const ok = s.successes.count;
  const errors = s.failures?.count ?? Math.max(0, s.load_summary.count - ok);
  const requests = s.load_summary.count;
  const t = s.successes.throughput;
  // summarize_requests: requests_per_sec = successes / total_time, so total_time = successes / requests_per_sec
  // when benchmark_time_seconds is missing (older releases).
  const durationS = s.benchmark_time_seconds ?? (t?.requests_per_sec && t.requests_per_sec > 0 ? ok / t.requests_per_sec : null);
  const lat = s.successes.latency;
  const total = (d: Record<string, number | null> | null | undefined, k: string) => (d && typeof d[k] === 'number' ? Math.round(d[k] as number) : 0);
  return {
    requests,
    ok,
    errors,
    durationS,
    requestsPerS: durationS && durationS > 0 ? requests / durationS : null,
    outputTokensPerS: t?.output_tokens_per_sec ?? null,
    promptTokensPerS: t?.input_tokens_per_sec ?? null,
    requestedRate: s.load_summary.requested_rate ?? null,
    tokens: {
      prompt: total(s.successes.prompt_tokens, 'total'),
      completion: total(s.successes.output_tokens, 'total'),
      cached: total(s.successes.prompt_tokens, 'cached'),
    },
    ttft: msDist(lat?.time_to_first_token),
    itl: msDist(lat?.inter_token_latency),
    tpot: msDist(lat?.time_per_output_token),
    e2e: msDist(lat?.request_latency),
    scheduleDelay: msDist(s.load_summary.schedule_delay),
  };
}

/** inference-perf's error_type (an aiohttp/asyncio exception name, or "HTTP Error <status>") → routebench's class. */
export function errorClassOfInferencePerf(errorType: string): { errorClass: ErrorClass; httpStatus: number | null } {
  const http = /^HTTP Error (\d{3})/.exec(errorType);
  if (http) {
    const status = Number(http[1]);
    const errorClass: ErrorClass = status === 429 ? 'http_429' : status >= 500 ? 'http_5xx' : status >= 400 ? 'http_4xx' : 'http_3xx';
    return { errorClass, httpStatus: status };
  }
  const t = errorType;
  if (/Timeout/i.test(t)) return { errorClass: 'timeout', httpStatus: null };
  if (/^ClientConnector|ClientConnectionResetError|ConnectionRefused/.test(t)) return { errorClass: 'connect', httpStatus: null };
  if (/ServerDisconnected|ClientOSError|ClientPayloadError|ServerConnectionError|ConnectionReset|ClientConnectionError/.test(t)) return { errorClass: 'reset', httpStatus: null };
  if (/JSONDecodeError|ContentTypeError/.test(t)) return { errorClass: 'malformed', httpStatus: null };
  if (/CancelledError/.test(t)) return { errorClass: 'cancelled', httpStatus: null };
  // Anything else inference-perf raised on its side (e.g. a tokenizer or payload error).
  return { errorClass: 'client', httpStatus: null };
}

/** vLLM's response id → the x-request-id it was named after (chatcmpl-<id>, cmpl-<id>); null when not of that form. */
export function requestIdFromResponseId(responseId: string | null): string | null {
  if (!responseId) return null;
  const m = /^(?:chatcmpl|cmpl)-(.+)$/.exec(responseId);
  return m ? m[1]! : null;
}

/** SSE `data:` payloads of a raw event-stream body, in order. */
function sseEvents(body: string): string[] {
  const out: string[] = [];
  for (const message of body.split(/\r?\n\r?\n/)) {
    for (const line of message.split(/\r?\n/)) {
      if (line.startsWith('data:')) out.push(line.slice(5).trim());
    }
  }
  return out;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;
const nr3 = (x: number | null) => (x === null ? null : r3(x));

function toRecord(e: PerRequestEntry, seq: number, stage: number, t0: number, index: number): RequestRecord {
  const ms = (s: number) => (s - t0) * 1000;
  const sent = ms(e.start_time);
  const end = ms(e.end_time);
  let body: Record<string, unknown> = {};
  try {
    const b = JSON.parse(e.request ?? '') as unknown;
    if (b && typeof b === 'object') body = b as Record<string, unknown>;
  } catch {
    /* not JSON: leave model/api unknown */
  }
  const api: RequestRecord['api'] = 'prompt' in body && !('messages' in body) ? 'completions' : 'chat';
  const rm = e.info?.response_metrics ?? null;
  const chunks = rm?.response_chunks ?? [];
  const chunkTimes = rm?.chunk_times ?? [];

  // Replay the response through the same interpreter as routebench's own client; content chunks take the times
  // inference-perf stamped on them (chunk_times is 1:1 with response_chunks).
  const state = createStreamState();
  const response = e.response ?? '';
  const streamed = /^\s*data:/.test(response) || chunks.length > 0;
  if (streamed) {
    const events = /^\s*data:/.test(response) ? sseEvents(response) : chunks;
    let j = 0;
    let t = chunkTimes.length > 0 ? ms(chunkTimes[0]!) : sent;
    for (const ev of events) {
      if (j < chunks.length && ev === chunks[j]) t = ms(chunkTimes[j++] ?? e.end_time);
      if (!applyStreamEvent(state, ev, t)) break;
    }
  } else if (response) {
    try {
      const o = JSON.parse(response) as Record<string, unknown>;
      if (typeof o.id === 'string') state.responseId = o.id;
      if (typeof o.model === 'string') state.servedModel = o.model;
      const choices = Array.isArray(o.choices) ? (o.choices as Record<string, unknown>[]) : [];
      for (const c of choices) if (c && typeof c.finish_reason === 'string') state.finishReason = c.finish_reason;
      const u = o.usage as Record<string, unknown> | null | undefined;
      if (u && typeof u === 'object') {
        if (typeof u.completion_tokens === 'number') state.usage.completionTokens = u.completion_tokens;
        if (typeof u.prompt_tokens === 'number') state.usage.promptTokens = u.prompt_tokens;
        const d = u.prompt_tokens_details as Record<string, unknown> | null | undefined;
        if (d && typeof d.cached_tokens === 'number') state.usage.cachedTokens = d.cached_tokens;
      }
    } catch {
      /* an error body or text: nothing to read */
    }
  }
  // server_usage as inference-perf merged it, where the body itself had no usage.
  const su = rm?.server_usage ?? null;
  if (su) {
    if (state.usage.completionTokens === null && typeof su.completion_tokens === 'number') state.usage.completionTokens = su.completion_tokens;
    if (state.usage.promptTokens === null && typeof su.prompt_tokens === 'number') state.usage.promptTokens = su.prompt_tokens;
    const d = su.prompt_tokens_details as Record<string, unknown> | null | undefined;
    if (state.usage.cachedTokens === null && d && typeof d === 'object' && typeof d.cached_tokens === 'number') state.usage.cachedTokens = d.cached_tokens;
  }

  const { tokens, source } = resolveChunkTokens(state);
  const firstToken = state.chunkTimes.length > 0 ? state.chunkTimes[0]! : null;
  const ok = !e.error;
  const err = e.error ? errorClassOfInferencePerf(e.error.error_type) : null;
  const status: RequestRecord['status'] = ok ? 'ok' : err?.errorClass === 'cancelled' ? 'cancelled' : 'error';
  const toolTokens = typeof rm?.output_tokens === 'number' ? rm.output_tokens : null;
  const completion = state.usage.completionTokens ?? (tokens.length > 0 ? tokens.reduce((a, b) => a + b, 0) : ok ? toolTokens : null);
  const ttft = firstToken !== null ? firstToken - sent : null;
  const e2e = ok ? end - sent : null;
  const prompt = state.usage.promptTokens ?? e.info?.request_metrics?.text?.input_tokens ?? e.info?.input_tokens ?? null;
  const fromResponse = requestIdFromResponseId(state.responseId);
  return {
    seq,
    requestId: fromResponse ?? `inference-perf-${index}`,
    phase: 'measure',
    stage,
    worker: 0,
    api,
    model: typeof body.model === 'string' ? body.model : 'unknown',
    servedModel: state.servedModel,
    responseId: state.responseId,
    groupId: null,
    sessionId: null,
    tags: e.info?.labels ?? {},
    status,
    // inference-perf counts only HTTP 200 as a success (openai_client.py).
    httpStatus: ok ? 200 : (err?.httpStatus ?? null),
    errorClass: err?.errorClass ?? null,
    errorMessage: e.error ? `${e.error.error_type}: ${e.error.error_msg ?? ''}`.slice(0, 2000) : null,
    finishReason: state.finishReason,
    // scheduled_time is not in the per-request report: intended = sent (no schedule delay can be shown).
    times: { intended: r3(sent), sent: r3(sent), headers: null, firstToken: nr3(firstToken), end: r3(end) },
    ttftMs: nr3(ttft),
    e2eMs: nr3(e2e),
    tpotMs: nr3(ok ? tpotMs(e2e, ttft, completion) : null),
    scheduleDelayMs: 0,
    latencyFromIntendedMs: r3(end - sent),
    chunks: state.chunkTimes.map((t, i) => [r3(t - firstToken!), tokens[i]!] as [number, number]),
    firstTokenWindowMs: null,
    maxArrivalWindowMs: null,
    tokenSource: source,
    promptTokens: prompt === null || prompt === undefined ? null : Math.round(prompt),
    completionTokens: completion === null ? null : Math.round(completion),
    cachedTokens: state.usage.cachedTokens,
    headers: {},
    pod: null,
    podSource: null,
  };
}

async function importPerRequest(
  file: string,
  outDir: string,
  stages: Map<number, { file: string; data: LifecycleSummary }>,
  base: { target: string; tokenizer: string | undefined; scenario: string },
  extra: Record<string, unknown>,
  opts: InferencePerfImportOptions,
): Promise<ImportResult> {
  const entries = parseSource(z.array(PerRequestEntrySchema), readSourceData(file, 'inference-perf per-request report'), file, 'inference-perf per-request report');
  // Stable order of sending; the index in the file names synthesized ids so they can be found in the source.
  const order = entries.map((e, i) => ({ e, i })).sort((a, b) => a.e.start_time - b.e.start_time || a.i - b.i);
  const t0 = order.length > 0 ? order[0]!.e.start_time : 0;
  const tEnd = order.length > 0 ? Math.max(...order.map((o) => o.e.end_time)) : 0;

  // Stage of each request: not written per request, but the stages run one after another and each stage report
  // counts its requests (load_summary.count), so the k-th request sent belongs to the stage its rank falls in.
  const counts = [...stages.values()].map((s) => s.data.load_summary.count);
  const stageIds = [...stages.keys()];
  const stagesFit = counts.length > 0 && counts.reduce((a, b) => a + b, 0) === order.length;
  const stageOf = (rank: number): number => {
    if (!stagesFit) return 0;
    let acc = 0;
    for (let k = 0; k < counts.length; k++) {
      acc += counts[k]!;
      if (rank < acc) return stageIds[k]!;
    }
    return stageIds[stageIds.length - 1]!;
  };

  const records = order.map((o, rank) => toRecord(o.e, rank, stageOf(rank), t0, o.i));
  let fromResponse = 0;
  if (opts.requestIds === 'synthesized') {
    for (let k = 0; k < records.length; k++) records[k]!.requestId = `inference-perf-${order[k]!.i}`;
  } else {
    // Ids must be unique in a run: a repeated response-derived id falls back to the synthesized one.
    const seen = new Set<string>();
    for (let k = 0; k < records.length; k++) {
      const r = records[k]!;
      const derived = requestIdFromResponseId(r.responseId);
      if (derived !== null && !seen.has(derived)) {
        seen.add(derived);
        fromResponse++;
      } else r.requestId = `inference-perf-${order[k]!.i}`;
    }
  }
  const requestIds: ImportSource['requestIds'] =
    fromResponse === 0 ? 'synthesized' : fromResponse === records.length ? 'response-id' : 'mixed';
  const spanS = Math.max(0, tEnd - t0);
  const { startedAt, endedAt } = importedRunWindow(opts.startedAt, spanS, file);
  const source: ImportSource = {
    tool: 'inference-perf',
    toolVersion: null,
    format: PER_REQUEST,
    files: [file, ...[...stages.values()].map((s) => s.file)],
    perRequest: true,
    requestIds,
    notes: [
      'inference-perf writes no scheduled_time per request: intended = sent, so schedule delay reads 0',
      'no response headers are recorded: times.headers is null and pods are unknown until attributed (judge, EPP log)',
      stagesFit ? 'stage of each request: by send order against the stage reports\' request counts' : 'stage reports missing or not matching the request count: every request is stage 0',
      opts.startedAt ? 'startedAt given on import' : 'inference-perf records no wall-clock time: startedAt/endedAt come from the per-request file mtime',
      requestIds === 'synthesized'
        ? 'request ids are inference-perf-<index in the per-request file> (inference-perf sends no x-request-id)'
        : 'request ids: the x-request-id vLLM named its response after (chatcmpl-<id>); others inference-perf-<index in the file>',
    ],
  };
  return writeImportedRecords(outDir, records, { ...base, startedAt, endedAt }, source, extra, opts);
}
