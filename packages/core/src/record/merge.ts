// Exact merge of summaries (several workers of one run, or shards of one request file): counts and tokens add,
// HDR histograms add bucket by bucket — so every percentile equals that of one summary over all the requests,
// within HDR precision — timelines are aligned by wall-clock start, and group → pod counts add.
import { addInto, createMsHistogram, decodeHistogram, type ValueHistogram } from './histogram.ts';
import { computeRates, latencyStats } from './recorder.ts';
import { LATENCY_METRICS, type DimensionStats, type LatencyMetric, type Summary, type SummaryMeta } from './summary.ts';
import { mergeTimeseries } from './timeseries.ts';
import { RoutebenchError } from '../errors.ts';

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

function sortKeys<T>(r: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(r).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

function distinct(values: string[]): string {
  return [...new Set(values)].join(' + ');
}

function mergeMeta(parts: readonly Summary[], startMs: number[]): SummaryMeta {
  const first = parts[0].meta;
  const iStart = startMs.indexOf(Math.min(...startMs));
  const endMs = parts.map((p) => Date.parse(p.meta.endedAt));
  const iEnd = endMs.indexOf(Math.max(...endMs));
  const sameSeed = parts.every((p) => p.meta.seed === first.seed);
  const sameLoad = parts.every((p) => JSON.stringify(p.meta.load) === JSON.stringify(first.load));
  return {
    scenario: distinct(parts.map((p) => p.meta.scenario)),
    target: distinct(parts.map((p) => p.meta.target)),
    startedAt: parts[iStart].meta.startedAt,
    endedAt: parts[iEnd].meta.endedAt,
    durationS: Math.max(0, endMs[iEnd] - startMs[iStart]) / 1000,
    seed: sameSeed ? first.seed : null,
    tokenizer: distinct(parts.map((p) => p.meta.tokenizer)),
    load: sameLoad ? first.load : null,
    workers: parts.reduce((n, p) => n + p.meta.workers, 0),
    // Diagnostics describe each client (worker thread or process); keep them side by side rather than
    // pretending to combine them, but lift the bottleneck flag: one client that fell behind its share of the
    // load makes the merged run's load not what was asked, and claims read meta.client.bottleneck.
    client: mergedClient(parts.map((p) => p.meta.client)),
    mergedFrom: parts.reduce((n, p) => n + p.meta.mergedFrom, 0),
  };
}

function mergedClient(parts: ReadonlyArray<Record<string, unknown> | undefined>): Record<string, unknown> {
  const flagged = parts.flatMap((c, i) => (c && c.bottleneck === true ? [`part ${i + 1}: ${typeof c.bottleneckReason === 'string' ? c.bottleneckReason : 'bottleneck'}`] : []));
  // The widest part's arrival window bounds the merged run's timing (latency-slo reads it).
  const windows = parts.map((c) => c?.arrivalWindowP99Ms).filter((x): x is number => typeof x === 'number');
  return {
    parts,
    bottleneck: flagged.length > 0,
    bottleneckReason: flagged.length > 0 ? flagged.join('; ') : null,
    ...(windows.length > 0 && { arrivalWindowP99Ms: Math.max(...windows) }),
  };
}

/** `labels` name the inputs in errors (the CLI passes the run folders); default "mergeSummaries: summary <i>". */
export function mergeSummaries(summaries: readonly Summary[], labels?: readonly string[]): Summary {
  if (summaries.length === 0) throw new RoutebenchError('RB_INPUT_INVALID', 'mergeSummaries: need at least one summary');
  const label = (i: number) => labels?.[i] ?? `mergeSummaries: summary ${i}`;
  for (const [i, s] of summaries.entries()) {
    if (s.schemaVersion !== 1) throw new RoutebenchError('RB_INPUT_INVALID', `${label(i)} has schemaVersion ${String(s.schemaVersion)}, expected 1`);
    // An aggregate-only import (routebench import of a report without per-request data) has the source's own
    // percentiles and empty histograms: merged, it would report nulls as if they were figures.
    if (s.extra.aggregateOnly === true) {
      throw new RoutebenchError('RB_INPUT_INVALID', `${label(i)} is an aggregate-only import (no per-request records, no histograms): its percentiles cannot be merged exactly; compare it instead`);
    }
  }
  const startMs = summaries.map((s, i) => {
    const t = Date.parse(s.meta.startedAt);
    if (Number.isNaN(t)) throw new RoutebenchError('RB_INPUT_INVALID', `${label(i)} meta.startedAt is not a date-time`);
    return t;
  });
  const baseMs = Math.min(...startMs);
  const meta = mergeMeta(summaries, startMs);

  const counts: Summary['counts'] = { sent: 0, finished: 0, ok: 0, error: 0, cancelled: 0, inFlight: 0, warmup: { sent: 0, finished: 0 } };
  const tokens = { prompt: 0, completion: 0, cached: 0 };
  const errorsByClass: Record<string, number> = {};
  const errorSamples: Record<string, string> = {};
  const errorsByHttpStatus: Record<string, number> = {};
  const finishReasons: Record<string, number> = {};
  const podSources: Record<string, number> = {};
  const byGroup: Record<string, Record<string, number>> = {};
  let groupsDropped = 0;
  let dimensionsDropped = 0;
  let maxDimensions = 0;
  let maxGroups = 0;
  let window: Summary['window'] = null;
  let requestedRate: number | null = 0;

  interface DimMerge {
    count: number;
    ok: number;
    errors: number;
    cancelled: number;
    tokens: { prompt: number; completion: number; cached: number };
    hists: Record<LatencyMetric, ValueHistogram>;
  }
  const dims = new Map<string, DimMerge>();

  for (let i = 0; i < summaries.length; i++) {
    const s = summaries[i];
    const offsetMs = startMs[i] - baseMs;
    const c = s.counts;
    counts.sent += c.sent;
    counts.finished += c.finished;
    counts.ok += c.ok;
    counts.error += c.error;
    counts.cancelled += c.cancelled;
    counts.inFlight += c.inFlight;
    counts.warmup.sent += c.warmup.sent;
    counts.warmup.finished += c.warmup.finished;
    tokens.prompt += s.counters.tokens.prompt;
    tokens.completion += s.counters.tokens.completion;
    tokens.cached += s.counters.tokens.cached;
    addCounts(errorsByClass, s.counters.errorsByClass);
    for (const [cls, msg] of Object.entries(s.counters.errorSamples ?? {})) errorSamples[cls] ??= msg;
    addCounts(errorsByHttpStatus, s.counters.errorsByHttpStatus);
    addCounts(finishReasons, s.counters.finishReasons);
    addCounts(podSources, s.counters.podSources);
    for (const [g, perPod] of Object.entries(s.groups.byGroup)) addCounts((byGroup[g] ??= {}), perPod);
    groupsDropped += s.groups.droppedRecords;
    dimensionsDropped += s.limits.dimensionsDropped;
    maxDimensions = Math.max(maxDimensions, s.limits.maxDimensions);
    maxGroups = Math.max(maxGroups, s.limits.maxGroups);
    if (s.window) {
      const w = { firstSentMs: s.window.firstSentMs + offsetMs, lastSentMs: s.window.lastSentMs + offsetMs, lastEndMs: s.window.lastEndMs + offsetMs };
      window = window
        ? {
            firstSentMs: Math.min(window.firstSentMs, w.firstSentMs),
            lastSentMs: Math.max(window.lastSentMs, w.lastSentMs),
            lastEndMs: Math.max(window.lastEndMs, w.lastEndMs),
          }
        : w;
    }
    // Workers of one run share its load, so the rates they were asked for add up.
    requestedRate = requestedRate === null || s.rates.requestedRate === null ? null : requestedRate + s.rates.requestedRate;

    for (const [name, d] of Object.entries(s.dimensions)) {
      let m = dims.get(name);
      if (!m) {
        m = {
          count: 0,
          ok: 0,
          errors: 0,
          cancelled: 0,
          tokens: { prompt: 0, completion: 0, cached: 0 },
          hists: Object.fromEntries(LATENCY_METRICS.map((k) => [k, createMsHistogram()])) as Record<LatencyMetric, ValueHistogram>,
        };
        dims.set(name, m);
      }
      m.count += d.count;
      m.ok += d.ok;
      m.errors += d.errors;
      m.cancelled += d.cancelled;
      m.tokens.prompt += d.tokens.prompt;
      m.tokens.completion += d.tokens.completion;
      m.tokens.cached += d.tokens.cached;
      for (const k of LATENCY_METRICS) {
        try {
          addInto(m.hists[k], decodeHistogram(d[k].hist, 'ms'));
        } catch (err) {
          throw new RoutebenchError('RB_INPUT_INVALID', `mergeSummaries: summary ${i} dimensions["${name}"].${k}.hist: ${(err as Error).message}`);
        }
      }
    }
  }

  const dimensions: Record<string, DimensionStats> = {};
  const names = [...dims.keys()].sort((a, b) => (a === 'overall' ? -1 : b === 'overall' ? 1 : a < b ? -1 : a > b ? 1 : 0));
  for (const name of names) {
    const m = dims.get(name)!;
    const out = { count: m.count, ok: m.ok, errors: m.errors, cancelled: m.cancelled, tokens: m.tokens } as DimensionStats;
    for (const k of LATENCY_METRICS) out[k] = latencyStats(m.hists[k]);
    dimensions[name] = out;
  }

  const rates = computeRates({ finished: counts.finished, ok: counts.ok, tokens, window, load: null });
  rates.requestedRate = requestedRate;

  const groupsOut: Record<string, Record<string, number>> = {};
  for (const g of Object.keys(byGroup).sort()) groupsOut[g] = sortKeys(byGroup[g]);

  return {
    schemaVersion: 1,
    meta,
    counts,
    window,
    rates,
    counters: {
      errorsByClass: sortKeys(errorsByClass),
      errorSamples: sortKeys(errorSamples),
      errorsByHttpStatus: sortKeys(errorsByHttpStatus),
      finishReasons: sortKeys(finishReasons),
      podSources: sortKeys(podSources),
      tokens,
    },
    dimensions,
    groups: { byGroup: groupsOut, droppedRecords: groupsDropped },
    limits: { maxDimensions, maxGroups, dimensionsDropped },
    timeseries: mergeTimeseries(summaries.map((s, i) => ({ series: s.timeseries, offsetS: Math.round((startMs[i] - baseMs) / 1000) }))),
    // Claims and scraped metrics describe one run; they are recomputed on the merged result, not combined.
    extra: {},
  };
}
