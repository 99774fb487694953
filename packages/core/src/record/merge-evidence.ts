// Merging the server-side evidence of several shards of one run (the pods of `routebench k8s job`, or `run --shard
// i/N` processes), so the scenario's claims can be judged on the whole run rather than on each 1/N of it.
// The summaries merge exactly (record/merge.ts). The rest depends on what the shards measured:
//
//  - shared target (the shards sent to one gateway, e.g. --target): every shard scraped the SAME pods, so their
//    counter deltas overlap and must not be added. A counter's merged delta is the latest shard's "after" minus the
//    earliest shard's "before" (the union window); when a shard saw a restart, or a source has no before/after
//    (a Prometheus query), the largest single-shard delta stands in (it understates; never double counts).
//    Histograms have no before/after in the evidence, so the shard whose window counted most stands in.
//  - own target per shard (the embedded simulator: each pod started its own cluster): the shards' pods are
//    different processes with the same names, each serving that shard's requests, so deltas, histogram buckets and
//    scrape counts add, as if one cluster had served every shard's requests.
//
// Either way gauges are sampled series: their points are put on one epoch clock and interleaved. Attribution is
// per request (the pods are on the records), so the records concatenate and a record-based split adds up; a split
// that came from counters is recomputed from the merged counters. Scrape errors are kept, re-timed.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { CacheState, PodRole, RunEvidence } from '../claims/context.ts';
import { histogramQuantile } from '../evidence/counter-math.ts';
import { MetricsEvidenceSchema, type CounterDelta, type GaugeSeries, type HistogramDelta, type MetricsEvidence, type ScrapeError, type SourceEvidence, type TargetEvidence } from '../evidence/metrics-evidence.ts';
import { parseLe } from '../evidence/prom-parse.ts';
import { orderSources, podSplit } from '../evidence/attribution/attribute.ts';
import { aliasesFromEvidence, createPodResolver } from '../evidence/attribution/pod-identity.ts';
import type { PodSplit } from '../evidence/attribution/split.ts';
import { jsonlIterable } from '../output/jsonl.ts';
import { RUN_FILES } from '../output/run-folder.ts';
import { AutoscaleTimescaleSchema } from '../upstream/autoscale.ts';
import { RoutebenchError } from '../errors.ts';
import type { RequestRecord } from './request-record.ts';
import { parseSummary, type Summary } from './summary.ts';
import { mergeSummaries } from './merge.ts';

export interface MergeEvidenceOptions {
  /**
   * True when every shard sent to (and scraped) the same servers; false when each shard had its own target
   * (one embedded simulator per pod). Decides whether counter deltas overlap (union window) or add.
   */
  sharedTarget: boolean;
}

/** The attribution summary a run folder's summary.json carries (`extra.attribution`, measure.ts). */
const AttributionSchema = z.looseObject({
  sourcesUsed: z.array(z.string()),
  split: z.strictObject({ counts: z.record(z.string(), z.number()), source: z.string(), complete: z.boolean() }).nullable(),
  unattributed: z.number().optional(),
  placedBy: z.record(z.string(), z.number()).optional(),
  heldForLog: z.number().optional(),
  eppLogLines: z.number().optional(),
  warnings: z.array(z.string()).optional(),
});
type Attribution = z.infer<typeof AttributionSchema>;

const CacheStateSchema = z.strictObject({
  pods: z.record(z.string(), z.strictObject({ outcome: z.enum(['reset', 'not-allowed', 'unreachable', 'failed']), httpStatus: z.number().nullable() })),
  cold: z.boolean(),
});
const PodRolesSchema = z.record(z.string(), z.enum(['both', 'prefill', 'decode']));
const PodModelsSchema = z.record(z.string(), z.array(z.string()));

function field<T>(schema: z.ZodType<T>, value: unknown, where: string): T | undefined {
  if (value === undefined || value === null) return undefined;
  const r = schema.safeParse(value);
  if (!r.success) throw new RoutebenchError('RB_INPUT_INVALID', `${where}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`, { field: where });
  return r.data;
}

/**
 * A run folder's evidence as measure() handed it to the claims: summary.json (with the metrics, attribution, pod
 * roles and models, cache state and autoscaler timescale in `extra`), requests.jsonl streamed, epp.log when present.
 */
export function runEvidenceFromFolder(dir: string): RunEvidence {
  const file = join(dir, RUN_FILES.summary);
  if (!existsSync(file)) throw new RoutebenchError('RB_INPUT_INVALID', `${dir}: no ${RUN_FILES.summary}`, { field: file });
  let summary: Summary;
  try {
    summary = parseSummary(JSON.parse(readFileSync(file, 'utf8')));
  } catch (e) {
    throw new RoutebenchError('RB_INPUT_INVALID', `${file}: ${(e as Error).message}`, { field: file });
  }
  const x = summary.extra;
  const metrics = field(MetricsEvidenceSchema, x.metrics, `${file} extra.metrics`) ?? null;
  const attribution = field(AttributionSchema, x.attribution, `${file} extra.attribution`) ?? null;
  const podRoles = field(PodRolesSchema, x.podRoles, `${file} extra.podRoles`);
  const podModels = field(PodModelsSchema, x.podModels, `${file} extra.podModels`);
  const cacheState = field(CacheStateSchema, x.cacheState, `${file} extra.cacheState`);
  const autoscaleTimescale = field(AutoscaleTimescaleSchema, x.autoscaleTimescale, `${file} extra.autoscaleTimescale`);
  const requests = join(dir, RUN_FILES.requests);
  const eppLog = join(dir, 'epp.log');
  return {
    summary,
    metrics,
    attribution,
    ...(podRoles && { podRoles }),
    ...(podModels && { podModels }),
    ...(cacheState && { cacheState }),
    ...(autoscaleTimescale && { autoscaleTimescale }),
    ...(existsSync(requests) && { records: jsonlIterable<RequestRecord>(requests) }),
    ...(existsSync(eppLog) && { eppLog: [readFileSync(eppLog, 'utf8')] }),
  };
}

const keyOf = (...parts: string[]) => parts.join('\u0000');
const labelsKey = (l: Record<string, string>) => JSON.stringify(Object.entries(l).sort((a, b) => (a[0] < b[0] ? -1 : 1)));
const seriesKey = (s: { metric: string; exposedAs: string; labels: Record<string, string> }) => keyOf(s.metric, s.exposedAs, labelsKey(s.labels));

/** Each part's collector clock → epoch ms (the collector's clock is Date.now() unless a test injected another). */
const toEpoch = (m: MetricsEvidence) => (t: number) => m.startedAtEpochMs + (t - m.window.startMs);

interface Placed<T> {
  value: T;
  /** The part's window on the epoch clock. */
  startEpoch: number;
  endEpoch: number;
}

function mergeCounters(parts: Placed<CounterDelta>[], shared: boolean): CounterDelta {
  const first = parts[0]!.value;
  if (!shared) {
    const sumOrNull = (f: (c: CounterDelta) => number | null) => (parts.every((p) => f(p.value) !== null) ? parts.reduce((a, p) => a + f(p.value)!, 0) : null);
    return {
      ...first,
      before: sumOrNull((c) => c.before),
      after: sumOrNull((c) => c.after),
      delta: parts.reduce((a, p) => a + p.value.delta, 0),
      resets: parts.reduce((a, p) => a + p.value.resets, 0),
    };
  }
  const earliest = parts.reduce((a, p) => (p.startEpoch < a.startEpoch ? p : a));
  const latest = parts.reduce((a, p) => (p.endEpoch > a.endEpoch ? p : a));
  const noResets = parts.every((p) => p.value.resets === 0);
  const before = earliest.value.before;
  const after = latest.value.after;
  const maxDelta = Math.max(...parts.map((p) => p.value.delta));
  if (noResets && before !== null && after !== null && after >= before) {
    // Never below a single shard's own increase (a counter does not go down without a restart).
    return { ...first, before, after, delta: Math.max(after - before, maxDelta), resets: 0 };
  }
  return { ...first, before, after, delta: maxDelta, resets: Math.max(...parts.map((p) => p.value.resets)) };
}

function mergeHistograms(parts: Placed<HistogramDelta>[], shared: boolean): HistogramDelta {
  if (shared) return parts.reduce((a, p) => (p.value.countDelta > a.value.countDelta ? p : a)).value;
  const byLe = new Map<string, number>();
  for (const p of parts) for (const b of p.value.buckets) byLe.set(b.le, (byLe.get(b.le) ?? 0) + b.delta);
  const buckets = [...byLe].map(([le, delta]) => ({ le, delta, leNum: parseLe(le) })).sort((a, b) => a.leNum - b.leNum);
  const cum = buckets.map((b) => ({ le: b.leNum, count: b.delta }));
  return {
    ...parts[0]!.value,
    buckets: buckets.map(({ le, delta }) => ({ le, delta })),
    countDelta: parts.reduce((a, p) => a + p.value.countDelta, 0),
    sumDelta: parts.reduce((a, p) => a + p.value.sumDelta, 0),
    resets: parts.reduce((a, p) => a + p.value.resets, 0),
    quantiles: { p50: histogramQuantile(0.5, cum), p90: histogramQuantile(0.9, cum), p99: histogramQuantile(0.99, cum) },
  };
}

function mergeGauges(parts: Array<{ value: GaugeSeries; clock: (t: number) => number }>): GaugeSeries {
  const points = parts.flatMap((p) => p.value.points.map(([t, v]) => [p.clock(t), v] as [number, number | null])).sort((a, b) => a[0] - b[0]);
  return { ...parts[0]!.value, points };
}

function groupBy<T>(items: Iterable<T>, key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}

/** Several shards' metrics evidence as one, on the epoch clock (window = the union of the shards' windows). */
export function mergeMetricsEvidence(parts: readonly (MetricsEvidence | null)[], opts: MergeEvidenceOptions): MetricsEvidence | null {
  const present = parts.filter((m): m is MetricsEvidence => m !== null);
  if (present.length === 0) return null;
  const placed = present.map((m) => {
    const clock = toEpoch(m);
    return { m, clock, startEpoch: clock(m.window.startMs), endEpoch: clock(m.window.endMs) };
  });
  const startEpoch = Math.min(...placed.map((p) => p.startEpoch));
  const endEpoch = Math.max(...placed.map((p) => p.endEpoch));

  const sourceParts = groupBy(
    placed.flatMap((p) => p.m.sources.map((s) => ({ s, p }))),
    (x) => x.s.name,
  );
  const sources: SourceEvidence[] = [];
  for (const list of sourceParts.values()) {
    const errors: ScrapeError[] = list.flatMap(({ s, p }) => s.errors.map((e) => ({ ...e, atMs: p.clock(e.atMs) }))).sort((a, b) => a.atMs - b.atMs);
    const targets: TargetEvidence[] = [];
    for (const tl of groupBy(list.flatMap(({ s, p }) => s.targets.map((t) => ({ t, p }))), (x) => x.t.name).values()) {
      const t0 = tl[0]!.t;
      const counters = [...groupBy(tl.flatMap(({ t, p }) => t.counters.map((c) => ({ value: c, startEpoch: p.startEpoch, endEpoch: p.endEpoch }))), (x) => seriesKey(x.value)).values()].map((g) =>
        mergeCounters(g, opts.sharedTarget),
      );
      const histograms = [...groupBy(tl.flatMap(({ t, p }) => t.histograms.map((h) => ({ value: h, startEpoch: p.startEpoch, endEpoch: p.endEpoch }))), (x) => seriesKey(x.value)).values()].map((g) =>
        mergeHistograms(g, opts.sharedTarget),
      );
      const gauges = [...groupBy(tl.flatMap(({ t, p }) => t.gauges.map((g) => ({ value: g, clock: p.clock }))), (x) => seriesKey(x.value)).values()].map(mergeGauges);
      targets.push({
        name: t0.name,
        role: tl.find((x) => x.t.role !== null)?.t.role ?? null,
        address: t0.address,
        url: t0.url,
        scrapesOk: tl.reduce((a, x) => a + x.t.scrapesOk, 0),
        scrapesFailed: tl.reduce((a, x) => a + x.t.scrapesFailed, 0),
        // A shard whose window had no before/after pair for this target understates it: the merge does too.
        complete: tl.every((x) => x.t.complete),
        counters,
        histograms,
        gauges,
      });
    }
    sources.push({ name: list[0]!.s.name, kind: list[0]!.s.kind, targets, errors });
  }
  return { schemaVersion: 1, startedAtEpochMs: startEpoch, window: { startMs: startEpoch, endMs: endEpoch }, intervalMs: present[0]!.intervalMs, sources };
}

function mergeAttribution(parts: readonly RunEvidence[], metrics: MetricsEvidence | null, finishedOk: number): RunEvidence['attribution'] {
  const atts = parts.map((p) => p.attribution as Attribution | null);
  if (atts.every((a) => a === null)) return null;
  const placedBy: Record<string, number> = {};
  for (const a of atts) for (const [k, v] of Object.entries(a?.placedBy ?? {})) placedBy[k] = (placedBy[k] ?? 0) + v;
  const unattributed = atts.reduce((n, a) => n + (a?.unattributed ?? 0), 0);
  const placed = Object.values(placedBy).reduce((a, b) => a + b, 0);
  // Every record of every shard was placed: the record-based splits add. Otherwise the split comes from the
  // merged counters, as live-attribution's summarize() does for one run.
  const recordSplits = atts.every((a) => a?.split && a.split.complete && (a.unattributed ?? 0) === 0 && !/^(counter|epp-metric):/.test(a.split.source));
  const counts: Record<string, number> = {};
  if (recordSplits) for (const a of atts) for (const [pod, n] of Object.entries(a!.split!.counts)) counts[pod] = (counts[pod] ?? 0) + n;
  const sources = new Set(Object.keys(placedBy));
  let split: PodSplit | null;
  if (recordSplits) {
    split = { counts, source: orderSources(atts.map((a) => a!.split!.source)).join('+'), complete: true };
  } else {
    split = podSplit({
      counts,
      placed: 0,
      unplaced: unattributed,
      finished: finishedOk,
      sources,
      evidence: metrics,
      resolve: createPodResolver(metrics ? aliasesFromEvidence(metrics) : {}),
    });
  }
  const warnings = [...new Set(atts.flatMap((a) => a?.warnings ?? []))];
  const sourcesUsed = orderSources([...atts.flatMap((a) => a?.sourcesUsed ?? []), ...sources]);
  return {
    sourcesUsed,
    split,
    unattributed,
    placedBy,
    heldForLog: atts.reduce((n, a) => n + (a?.heldForLog ?? 0), 0),
    eppLogLines: atts.reduce((n, a) => n + (a?.eppLogLines ?? 0), 0),
    ...(warnings.length > 0 && { warnings }),
  } as RunEvidence['attribution'];
}

function mergeCacheState(parts: readonly (CacheState | undefined)[]): CacheState | undefined {
  const present = parts.filter((c): c is CacheState => c !== undefined);
  if (present.length === 0) return undefined;
  const pods: CacheState['pods'] = {};
  // A pod name shared by several shards' clusters: any shard whose reset did not take makes it not cold.
  for (const c of present) for (const [pod, r] of Object.entries(c.pods)) if (!pods[pod] || pods[pod].outcome === 'reset') pods[pod] = r;
  return { pods, cold: present.length === parts.length && present.every((c) => c.cold) };
}

function chain<T>(iters: readonly Iterable<T>[]): Iterable<T> {
  return {
    *[Symbol.iterator]() {
      for (const it of iters) yield* it;
    },
  };
}

/**
 * One RunEvidence from several shards' evidence: the summaries merged exactly (with the merged metrics and
 * attribution in `extra`, as measure() puts them), records concatenated, pod roles and models united.
 */
export function mergeRunEvidence(parts: readonly RunEvidence[], opts: MergeEvidenceOptions): RunEvidence {
  if (parts.length === 0) throw new RoutebenchError('RB_INPUT_INVALID', 'mergeRunEvidence: need at least one run');
  const summary = mergeSummaries(parts.map((p) => p.summary));
  const metrics = mergeMetricsEvidence(
    parts.map((p) => p.metrics),
    opts,
  );
  const attribution = mergeAttribution(parts, metrics, summary.counts.ok);
  const podRoles: Record<string, PodRole> = Object.assign({}, ...parts.map((p) => p.podRoles ?? {}));
  const podModels: Record<string, string[]> = {};
  for (const p of parts) for (const [pod, ms] of Object.entries(p.podModels ?? {})) podModels[pod] = [...new Set([...(podModels[pod] ?? []), ...ms])];
  const cacheState = mergeCacheState(parts.map((p) => p.cacheState));
  const autoscaleTimescale = parts.find((p) => p.autoscaleTimescale)?.autoscaleTimescale;
  const records = parts.every((p) => p.records) ? chain(parts.map((p) => p.records!)) : undefined;
  const eppLog = parts.flatMap((p) => (p.eppLog === undefined ? [] : typeof p.eppLog === 'string' ? [p.eppLog] : [...p.eppLog]));
  const hasRoles = parts.some((p) => p.podRoles);
  const hasModels = parts.some((p) => p.podModels);
  // The EPP's ready-pods gauge over the merged window, as measure() puts it beside the metrics for the report.
  const readyPods = metrics?.sources
    .flatMap((s) => s.targets)
    .flatMap((t) => t.gauges.filter((g) => g.metric === 'inference_pool_ready_pods'))[0]
    ?.points.filter((p): p is [number, number] => p[1] !== null)
    .map(([t, value]) => ({ t, value }));
  summary.extra = {
    metrics,
    attribution,
    ...(readyPods && { readyPods }),
    ...(hasRoles && { podRoles }),
    ...(hasModels && { podModels }),
    ...(cacheState && { cacheState }),
    ...(autoscaleTimescale && { autoscaleTimescale }),
    shards: parts.map((p) => p.summary.extra.shard ?? null),
  };
  return {
    summary,
    metrics,
    attribution,
    ...(hasRoles && { podRoles }),
    ...(hasModels && { podModels }),
    ...(cacheState && { cacheState }),
    ...(autoscaleTimescale && { autoscaleTimescale }),
    ...(records && { records }),
    ...(eppLog.length > 0 && { eppLog }),
  };
}
