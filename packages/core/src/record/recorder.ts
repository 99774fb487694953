// The recorder: turns finished RequestRecords into histograms and counters as they arrive, keeping nothing per
// request once onFinished returns (memory is bounded by the number of dimensions, groups and seconds, not by the
// number of requests). The run engine calls onSent when a request leaves and onFinished with its record.
//
// Contract with the caller: call onSent(t) for every request that is later passed to onFinished (also one that
// failed to connect), so that sent = finished + inFlight holds.
import { createMsHistogram, recordInAll, type ValueHistogram } from './histogram.ts';
import { forEachItlSample } from './itl.ts';
import type { LoadSpec } from '../load/load-spec.ts';
import { redactUrl } from '../redact-url.ts';
import type { RequestRecord } from './request-record.ts';
import {
  addToLogBins,
  createTimeseries,
  logBinsQuantile,
  type LogBins,
  type TimeseriesAccumulator,
} from './timeseries.ts';
// Type-only: summary.ts imports this module at runtime (summarizeRecords), so the edge back must stay erased.
import type { DimensionStats, LatencyStats, Summary, SummaryMeta } from './summary.ts';

export interface RecorderOptions {
  /** Cap on dimensions besides `overall` (pods, models, stages, tag values). Each costs ~6 HDR histograms. */
  maxDimensions?: number;
  /** Cap on groups tracked in the group → pod → count map. */
  maxGroups?: number;
  /** Seconds covered by the live rolling statistics of snapshot(). */
  rollingWindowS?: number;
  /** Run-relative clock (ms, 0 = run start) used by snapshot() when no time is passed. */
  clock?: () => number;
}

export const DEFAULT_MAX_DIMENSIONS = 256;
export const DEFAULT_MAX_GROUPS = 10_000;

export interface SentMeta {
  phase: 'warmup' | 'measure';
}

/** Live progress for a console line. Counts are measured-phase; inFlight counts every request on the wire. */
export interface RecorderSnapshot {
  tMs: number;
  sent: number;
  completed: number;
  errors: number;
  inFlight: number;
  warmupSent: number;
  warmupCompleted: number;
  /** Seconds the rolling figures below cover. */
  windowS: number;
  /** Completions per second over the rolling window. */
  rps: number;
  outputTokensPerS: number;
  ttftP50Ms: number | null;
  ttftP99Ms: number | null;
}

/** Meta the caller knows; durationS defaults to endedAt − startedAt, the rest to SummaryMetaSchema's defaults. */
export type SummaryMetaInput = Pick<SummaryMeta, 'scenario' | 'target' | 'startedAt' | 'endedAt'> &
  Partial<Omit<SummaryMeta, 'scenario' | 'target' | 'startedAt' | 'endedAt'>>;

export interface Recorder {
  onSent(tMs: number, meta?: SentMeta): void;
  /**
   * The request is off the wire though its record is not final yet (held for pod attribution, see
   * evidence/attribution/live-attribution.ts): in-flight counts drop now, onFinished(record, { offWire: true }) follows.
   */
  onOffWire(): void;
  onFinished(record: RequestRecord, opts?: { offWire?: boolean }): void;
  snapshot(nowMs?: number): RecorderSnapshot;
  summary(meta: SummaryMetaInput): Summary;
  /** The per-second timeline (exposed so a rebuild from records can fix the in-flight peaks). */
  readonly timeseries: TimeseriesAccumulator;
}

interface DimAcc {
  count: number;
  ok: number;
  errors: number;
  cancelled: number;
  prompt: number;
  completion: number;
  cached: number;
  ttft: ValueHistogram;
  itl: ValueHistogram;
  tpot: ValueHistogram;
  e2e: ValueHistogram;
  scheduleDelay: ValueHistogram;
  latencyFromIntended: ValueHistogram;
}

function newDim(): DimAcc {
  return {
    count: 0,
    ok: 0,
    errors: 0,
    cancelled: 0,
    prompt: 0,
    completion: 0,
    cached: 0,
    ttft: createMsHistogram(),
    itl: createMsHistogram(),
    tpot: createMsHistogram(),
    e2e: createMsHistogram(),
    scheduleDelay: createMsHistogram(),
    latencyFromIntended: createMsHistogram(),
  };
}

function bump(m: Map<string, number>, key: string, by = 1): void {
  m.set(key, (m.get(key) ?? 0) + by);
}

function sortedRecord<T>(m: Map<string, T>): Record<string, T> {
  return Object.fromEntries([...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

export function latencyStats(h: ValueHistogram): LatencyStats {
  return { ...h.percentiles(), hist: h.encode() };
}

export function createRecorder(opts: RecorderOptions = {}): Recorder {
  const maxDimensions = opts.maxDimensions ?? DEFAULT_MAX_DIMENSIONS;
  const maxGroups = opts.maxGroups ?? DEFAULT_MAX_GROUPS;
  const windowS = Math.max(1, Math.floor(opts.rollingWindowS ?? 10));
  const t0 = performance.now();
  const clock = opts.clock ?? (() => performance.now() - t0);

  // Counts. *All = every phase (for in-flight); the rest are measured phase only.
  let sentAll = 0;
  let finishedAll = 0;
  /** Requests off the wire: finished, or held for attribution after onOffWire. In flight = sentAll − offWireAll. */
  let offWireAll = 0;
  let sent = 0;
  let finished = 0;
  let ok = 0;
  let error = 0;
  let cancelled = 0;
  let warmupSent = 0;
  let warmupFinished = 0;
  let promptTokens = 0;
  let completionTokens = 0;
  let cachedTokens = 0;
  // ITL tokens of ok requests, and those of them read together with another event (itl.ts: bunched).
  let itlTokens = 0;
  let bunchedItlTokens = 0;
  // Per ok request, the widest arrival window of its token arrivals (client/arrival.ts): how far its
  // timing can be trusted. Records from before windows were measured have none.
  const arrivalWindow = createMsHistogram();
  let firstSentMs = Infinity;
  let lastSentMs = -Infinity;
  let lastEndMs = -Infinity;

  const errorsByClass = new Map<string, number>();
  const errorSamples = new Map<string, string>();
  const errorsByHttpStatus = new Map<string, number>();
  const finishReasons = new Map<string, number>();
  const podSources = new Map<string, number>();

  // Dimensions, looked up by raw key so no dimension name string is built per request. null = over the cap.
  const overall = newDim();
  const dimsByName = new Map<string, DimAcc>([['overall', overall]]);
  const byPod = new Map<string, DimAcc | null>();
  const byModel = new Map<string, DimAcc | null>();
  const byStage = new Map<number, DimAcc | null>();
  const byTag = new Map<string, Map<string, DimAcc | null>>();
  let dimensionsDropped = 0;

  const groups = new Map<string, Map<string, number>>();
  let groupsDropped = 0;

  const timeseries = createTimeseries();

  // Rolling window ring for snapshot(): one slot per second, indexed by end second mod windowS.
  const ringSecond = new Array<number>(windowS).fill(-1);
  const ringCompleted = new Array<number>(windowS).fill(0);
  const ringTokens = new Array<number>(windowS).fill(0);
  const ringTtft: LogBins[] = Array.from({ length: windowS }, () => new Map());

  // Scratch lists of the dimensions one record feeds; reused across calls (onFinished is synchronous).
  const targets: DimAcc[] = [];
  const itlTargets: ValueHistogram[] = [];
  const recordItl = (gapMs: number, tokens: number): void => {
    itlTokens += tokens;
    recordInAll(itlTargets, gapMs, tokens);
  };

  function dim<K>(map: Map<K, DimAcc | null>, key: K, name: () => string): DimAcc | null {
    const found = map.get(key);
    if (found !== undefined) return found;
    if (dimsByName.size - 1 >= maxDimensions) {
      map.set(key, null);
      return null;
    }
    const d = newDim();
    map.set(key, d);
    dimsByName.set(name(), d);
    return d;
  }

  function push(d: DimAcc | null): void {
    if (d === null) dimensionsDropped++;
    else targets.push(d);
  }

  function noteRolling(endMs: number, outTokens: number, ttftMs: number | null): void {
    const s = Math.floor(Math.max(0, endMs) / 1000);
    const slot = s % windowS;
    if (ringSecond[slot] !== s) {
      if (ringSecond[slot] > s) return; // older than the window already rolled past
      ringSecond[slot] = s;
      ringCompleted[slot] = 0;
      ringTokens[slot] = 0;
      ringTtft[slot].clear();
    }
    ringCompleted[slot]++;
    ringTokens[slot] += outTokens;
    if (ttftMs !== null) addToLogBins(ringTtft[slot], ttftMs);
  }

  function onSent(tMs: number, meta?: SentMeta): void {
    sentAll++;
    if (meta?.phase === 'warmup') warmupSent++;
    else sent++;
    timeseries.noteSent(tMs, sentAll - offWireAll);
  }

  function onOffWire(): void {
    offWireAll++;
  }

  function onFinished(r: RequestRecord, opts?: { offWire?: boolean }): void {
    finishedAll++;
    if (!opts?.offWire) offWireAll++;
    const t = r.times;
    timeseries.noteFinished(t.end, r.status === 'error');
    if (r.chunks.length > 0 && t.firstToken !== null) {
      for (let i = 0; i < r.chunks.length; i++) timeseries.noteOutputTokens(t.firstToken + r.chunks[i][0], r.chunks[i][1]);
    } else if (r.completionTokens) {
      timeseries.noteOutputTokens(t.end, r.completionTokens);
    }
    if (r.ttftMs !== null && t.firstToken !== null) timeseries.noteTtft(t.firstToken, r.ttftMs);

    if (r.phase === 'warmup') {
      warmupFinished++;
      return; // warm-up stays out of every statistic below
    }

    finished++;
    const isOk = r.status === 'ok';
    if (isOk) ok++;
    else if (r.status === 'error') error++;
    else cancelled++;
    const prompt = r.promptTokens ?? 0;
    const completion = r.completionTokens ?? 0;
    const cached = r.cachedTokens ?? 0;
    promptTokens += prompt;
    completionTokens += completion;
    cachedTokens += cached;
    if (t.sent < firstSentMs) firstSentMs = t.sent;
    if (t.sent > lastSentMs) lastSentMs = t.sent;
    if (t.end > lastEndMs) lastEndMs = t.end;

    if (r.errorClass !== null) {
      bump(errorsByClass, r.errorClass);
      if (r.errorMessage && !errorSamples.has(r.errorClass)) errorSamples.set(r.errorClass, r.errorMessage.slice(0, 300));
    }
    if (!isOk && r.httpStatus !== null) bump(errorsByHttpStatus, String(r.httpStatus));
    if (isOk) bump(finishReasons, r.finishReason ?? 'none');
    bump(podSources, r.podSource ?? 'none');

    const pod = r.pod ?? 'unknown';
    if (r.groupId !== null) {
      let perPod = groups.get(r.groupId);
      if (perPod === undefined && groups.size < maxGroups) groups.set(r.groupId, (perPod = new Map()));
      if (perPod === undefined) groupsDropped++;
      else bump(perPod, pod);
    }

    targets.length = 0;
    targets.push(overall);
    push(dim(byPod, pod, () => `pod:${pod}`));
    push(dim(byModel, r.model, () => `model:${r.model}`));
    push(dim(byStage, r.stage, () => `stage:${r.stage}`));
    for (const key in r.tags) {
      const value = r.tags[key];
      let values = byTag.get(key);
      if (values === undefined) byTag.set(key, (values = new Map()));
      push(dim(values, value, () => `tag:${key}=${value}`));
    }

    for (let i = 0; i < targets.length; i++) {
      const d = targets[i];
      d.count++;
      if (isOk) d.ok++;
      else if (r.status === 'error') d.errors++;
      else d.cancelled++;
      d.prompt += prompt;
      d.completion += completion;
      d.cached += cached;
      d.scheduleDelay.record(r.scheduleDelayMs);
      if (!isOk) continue;
      if (r.ttftMs !== null) d.ttft.record(r.ttftMs);
      if (r.tpotMs !== null) d.tpot.record(r.tpotMs);
      if (r.e2eMs !== null) d.e2e.record(r.e2eMs);
      d.latencyFromIntended.record(r.latencyFromIntendedMs);
    }
    if (isOk) {
      itlTargets.length = 0;
      for (let i = 0; i < targets.length; i++) itlTargets.push(targets[i].itl);
      bunchedItlTokens += forEachItlSample(r.chunks, recordItl);
      if (r.maxArrivalWindowMs != null) arrivalWindow.record(r.maxArrivalWindowMs);
      itlTargets.length = 0;
    }
    targets.length = 0;

    noteRolling(t.end, completion, isOk ? r.ttftMs : null);
  }

  function snapshot(nowMs: number = clock()): RecorderSnapshot {
    const nowS = Math.floor(Math.max(0, nowMs) / 1000);
    let completedW = 0;
    let tokensW = 0;
    const bins: LogBins = new Map();
    for (let i = 0; i < windowS; i++) {
      const s = ringSecond[i];
      if (s < 0 || s > nowS || s <= nowS - windowS) continue;
      completedW += ringCompleted[i];
      tokensW += ringTokens[i];
      for (const [b, c] of ringTtft[i]) bins.set(b, (bins.get(b) ?? 0) + c);
    }
    // The window is the last windowS−1 whole seconds plus the current partial one, but not before run start.
    const spanS = Math.max(1e-3, Math.min(nowMs / 1000, windowS - 1 + (nowMs % 1000) / 1000));
    return {
      tMs: nowMs,
      sent,
      completed: finished,
      errors: error,
      inFlight: sentAll - offWireAll,
      warmupSent,
      warmupCompleted: warmupFinished,
      windowS: spanS,
      rps: completedW / spanS,
      outputTokensPerS: tokensW / spanS,
      ttftP50Ms: logBinsQuantile(bins, 0.5),
      ttftP99Ms: logBinsQuantile(bins, 0.99),
    };
  }

  function summary(metaIn: SummaryMetaInput): Summary {
    const meta = normalizeMeta(metaIn);
    // How far ITL can be trusted: tokens that shared one read stamp with another event (itl.ts).
    meta.client = {
      ...meta.client,
      itlTokens,
      bunchedTokens: bunchedItlTokens,
      bunchedTokenShare: itlTokens > 0 ? Math.round((bunchedItlTokens / itlTokens) * 1e4) / 1e4 : null,
      ...(arrivalWindow.count > 0 && (() => {
        const w = arrivalWindow.percentiles();
        return { arrivalWindowP50Ms: w.p50, arrivalWindowP99Ms: w.p99, arrivalWindowMaxMs: w.max };
      })()),
    };
    const dimensions: Record<string, DimensionStats> = {};
    const names = [...dimsByName.keys()].sort((a, b) => (a === 'overall' ? -1 : b === 'overall' ? 1 : a < b ? -1 : a > b ? 1 : 0));
    for (const name of names) {
      const d = dimsByName.get(name)!;
      dimensions[name] = {
        count: d.count,
        ok: d.ok,
        errors: d.errors,
        cancelled: d.cancelled,
        tokens: { prompt: d.prompt, completion: d.completion, cached: d.cached },
        ttft: latencyStats(d.ttft),
        itl: latencyStats(d.itl),
        tpot: latencyStats(d.tpot),
        e2e: latencyStats(d.e2e),
        scheduleDelay: latencyStats(d.scheduleDelay),
        latencyFromIntended: latencyStats(d.latencyFromIntended),
      };
    }
    const window = finished > 0 ? { firstSentMs, lastSentMs, lastEndMs } : null;
    const tokens = { prompt: promptTokens, completion: completionTokens, cached: cachedTokens };
    const byGroup: Record<string, Record<string, number>> = {};
    for (const [g, perPod] of groups) byGroup[g] = sortedRecord(perPod);
    return {
      schemaVersion: 1,
      meta,
      counts: { sent, finished, ok, error, cancelled, inFlight: sent - finished, warmup: { sent: warmupSent, finished: warmupFinished } },
      window,
      rates: computeRates({ finished, ok, tokens, window, load: meta.load }),
      counters: {
        errorsByClass: sortedRecord(errorsByClass),
        errorSamples: sortedRecord(errorSamples),
        errorsByHttpStatus: sortedRecord(errorsByHttpStatus),
        finishReasons: sortedRecord(finishReasons),
        podSources: sortedRecord(podSources),
        tokens,
      },
      dimensions,
      groups: { byGroup, droppedRecords: groupsDropped },
      limits: { maxDimensions, maxGroups, dimensionsDropped },
      timeseries: timeseries.toJSON(),
      extra: {},
    };
  }

  return { onSent, onOffWire, onFinished, snapshot, summary, timeseries };
}

/** Requests/s an open-loop load spec asks for (time-weighted over stages); null for closed loop. */
export function requestedRateOf(load: LoadSpec | null): number | null {
  if (load === null) return null;
  if (load.type === 'constant' || load.type === 'poisson') return load.rate ?? null;
  if (load.type === 'stages' && load.stages) {
    let weighted = 0;
    let total = 0;
    for (const s of load.stages) {
      if (s.type === 'concurrency' || s.rate === undefined) return null;
      weighted += s.rate * s.durationS;
      total += s.durationS;
    }
    return total > 0 ? weighted / total : null;
  }
  return null;
}

export function computeRates(input: {
  finished: number;
  ok: number;
  tokens: { prompt: number; completion: number };
  window: { firstSentMs: number; lastSentMs: number; lastEndMs: number } | null;
  load: LoadSpec | null;
}): Summary['rates'] {
  const { finished, ok, tokens, window, load } = input;
  const durationS = window ? Math.max(0, window.lastEndMs - window.firstSentMs) / 1000 : 0;
  const per = (n: number) => (durationS > 0 ? n / durationS : 0);
  const sendSpanS = window ? (window.lastSentMs - window.firstSentMs) / 1000 : 0;
  return {
    durationS,
    requestsPerS: per(finished),
    okPerS: per(ok),
    outputTokensPerS: per(tokens.completion),
    promptTokensPerS: per(tokens.prompt),
    requestedRate: requestedRateOf(load),
    // n requests sent at a steady rate span n − 1 gaps.
    achievedSendRate: finished >= 2 && sendSpanS > 0 ? (finished - 1) / sendSpanS : null,
  };
}

/** Drop user:password, query and fragment from a target URL: credentials must not reach result files. */

function normalizeMeta(m: SummaryMetaInput): SummaryMeta {
  const startedMs = Date.parse(m.startedAt);
  const endedMs = Date.parse(m.endedAt);
  if (Number.isNaN(startedMs)) throw new Error(`meta.startedAt: expected an ISO date-time, got ${JSON.stringify(m.startedAt)}`);
  if (Number.isNaN(endedMs)) throw new Error(`meta.endedAt: expected an ISO date-time, got ${JSON.stringify(m.endedAt)}`);
  return {
    scenario: m.scenario,
    target: redactUrl(m.target),
    startedAt: m.startedAt,
    endedAt: m.endedAt,
    durationS: m.durationS ?? Math.max(0, endedMs - startedMs) / 1000,
    seed: m.seed ?? null,
    tokenizer: m.tokenizer ?? 'unknown',
    load: m.load ?? null,
    workers: m.workers ?? 1,
    client: m.client ?? {},
    mergedFrom: m.mergedFrom ?? 1,
  };
}
