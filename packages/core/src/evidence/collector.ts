// Collects server-side evidence around a measured phase: a snapshot of every target before, a sample
// every intervalMs (gauge time series; counters tracked step by step so restarts are caught), a
// snapshot after. A target that times out or serves garbage becomes a recorded scrape error: the
// collector never throws out of a run once started.
import { z } from 'zod';
import { timerMs } from '../timer-ms.ts';
import type { MetricsEvidence, ScrapeError, SourceEvidence, TargetEvidence } from './metrics-evidence.ts';
import { histogramQuantile, observeCounter, type CounterTrack } from './counter-math.ts';
import { canonicalMetricName, CANONICAL_METRICS } from './metric-names.ts';
import { parseConfig } from '../parse-config.ts';
import { labelKey, parseLe, parsePrometheusText, type PromFamily } from './prom-parse.ts';
import { createKubernetesSource, type KubernetesSource, type PodLog } from './sources/kubernetes.ts';
import { createPrometheusSource, type QuerySource } from './sources/prometheus.ts';
import type { ScrapeSource, ScrapeTarget } from './sources/scrape-source.ts';
import { MetricsSourceSchema } from './sources/source-config.ts';
import { createStaticSource } from './sources/static.ts';

export const DEFAULT_GAUGE_METRICS = [CANONICAL_METRICS.running, CANONICAL_METRICS.waiting, CANONICAL_METRICS.kvUsage, CANONICAL_METRICS.eppReadyPods, CANONICAL_METRICS.eppAvgKv, CANONICAL_METRICS.eppAvgQueue, CANONICAL_METRICS.eppPerPodQueue] as const;

export const CollectorOptionsSchema = z.strictObject({
  sources: z.array(MetricsSourceSchema),
  intervalMs: timerMs().int().min(50, 'sampling faster than every 50 ms only loads the servers').default(1000),
  /** Canonical gauge names kept as time series per target. */
  gaugeMetrics: z.array(z.string().min(1)).default([...DEFAULT_GAUGE_METRICS]),
});
export type CollectorOptions = z.infer<typeof CollectorOptionsSchema>;
export type CollectorOptionsInput = z.input<typeof CollectorOptionsSchema>;

export interface CollectorDeps {
  /** Clock for evidence timestamps (ms); give the run's clock to line evidence up with records. */
  now?: () => number;
  /**
   * Scrape sources built by the caller, scraped beside the configured ones (saved exposition snapshots:
   * evidence/saved/snapshot-delta.ts, so their deltas are computed by this same code).
   */
  scrapeSources?: readonly ScrapeSource[];
}

export interface Collector {
  /** Takes the after snapshot and returns the evidence. Safe to call once; later calls return the same. */
  stop(): Promise<MetricsEvidence>;
  /** Whether a source can fetch EPP logs (a Kubernetes source that names the EPP). */
  readonly hasEppLogs: boolean;
  /** host:port → target name of every target discovered so far (maps EPP `ip:port` endpoints to pods mid-run). */
  addresses(): Record<string, string>;
  /** EPP logs from every Kubernetes source that names an EPP (for attribution). */
  fetchEppLogs(options?: { sinceSeconds?: number }): Promise<PodLog[]>;
  /** Whether a source reads the model-server pods' logs (a Kubernetes source with `pods.requestLogs`). */
  readonly hasPodLogs: boolean;
  /** vLLM pods' logs from every Kubernetes source with `pods.requestLogs` (for the `vllm-log` attribution path). */
  fetchPodLogs(options?: { sinceSeconds?: number }): Promise<PodLog[]>;
}

type Phase = 'before' | 'sample' | 'after';

interface SeriesTrack {
  metric: string;
  exposedAs: string;
  labels: Record<string, string>;
  first: number | null;
  track: CounterTrack | undefined;
}

interface HistTrack {
  metric: string;
  exposedAs: string;
  labels: Record<string, string>;
  buckets: Map<string, CounterTrack>;
  count: CounterTrack | undefined;
  sum: CounterTrack | undefined;
  resets: number;
}

interface TargetState {
  target: ScrapeTarget;
  ok: number;
  failed: number;
  /** Counters seen at a known baseline: a successful `before`, or a pod that appeared after it. */
  baselineKnown: boolean;
  afterOk: boolean;
  observations: number;
  counters: Map<string, SeriesTrack>;
  histograms: Map<string, HistTrack>;
  gauges: Map<string, { metric: string; exposedAs: string; labels: Record<string, string>; points: Array<[number, number | null]> }>;
}

interface ScrapeSourceState {
  source: ScrapeSource;
  targets: Map<string, TargetState>;
  errors: ScrapeError[];
}

export async function startCollector(input: CollectorOptionsInput, deps: CollectorDeps = {}): Promise<Collector> {
  const options = parseConfig(CollectorOptionsSchema, input, 'metrics collector config');
  const now = deps.now ?? (() => Date.now());
  const gaugeSet = new Set(options.gaugeMetrics);
  const scrapeSources: ScrapeSourceState[] = [];
  const querySources: QuerySource[] = [];
  const kubeSources: KubernetesSource[] = [];
  for (const cfg of options.sources) {
    if (cfg.kind === 'static') scrapeSources.push({ source: createStaticSource(cfg), targets: new Map(), errors: [] });
    else if (cfg.kind === 'kubernetes') {
      const s = createKubernetesSource(cfg);
      kubeSources.push(s);
      scrapeSources.push({ source: s, targets: new Map(), errors: [] });
    } else querySources.push(createPrometheusSource(cfg));
  }
  for (const source of deps.scrapeSources ?? []) scrapeSources.push({ source, targets: new Map(), errors: [] });

  const startedAtEpochMs = Date.now();
  const startMs = now();

  const ingest = (state: TargetState, families: PromFamily[], t: number, phase: Phase) => {
    // A series appearing after a known baseline started from 0 in between.
    const startsAtZero = state.observations > 0 || (phase !== 'before' && state.baselineKnown);
    for (const f of families) {
      const isCounter = f.type === 'counter' || (f.type === 'untyped' && f.name.endsWith('_total'));
      if (isCounter) {
        const metric = canonicalMetricName(f.name.endsWith('_total') ? f.name : f.name + '_total', 'counter');
        for (const s of f.samples) {
          if (s.name.endsWith('_created')) continue;
          const key = `${s.name}|${labelKey(s.labels)}`;
          let tr = state.counters.get(key);
          if (!tr) {
            tr = { metric, exposedAs: s.name, labels: s.labels, first: null, track: undefined };
            state.counters.set(key, tr);
          }
          tr.track = observeCounter(tr.track, s.value, startsAtZero);
          if (tr.first === null) tr.first = startsAtZero ? 0 : s.value;
        }
      } else if (f.type === 'histogram') {
        ingestHistogram(state, f, startsAtZero);
      } else if (f.type === 'gauge' || f.type === 'untyped') {
        const metric = canonicalMetricName(f.name, f.type);
        if (!gaugeSet.has(metric)) continue;
        for (const s of f.samples) {
          const key = `${s.name}|${labelKey(s.labels)}`;
          let g = state.gauges.get(key);
          if (!g) {
            g = { metric, exposedAs: s.name, labels: s.labels, points: [] };
            state.gauges.set(key, g);
          }
          g.points.push([t, Number.isFinite(s.value) ? s.value : null]);
        }
      }
    }
    state.observations++;
  };

  const scrapeAll = async (phase: Phase) => {
    await Promise.all(
      scrapeSources.map(async (ss) => {
        let targets: ScrapeTarget[];
        try {
          targets = await ss.source.discover();
        } catch (err) {
          ss.errors.push({ target: null, phase: 'discover', atMs: now(), message: errorMessage(err) });
          return;
        }
        await Promise.all(
          targets.map(async (target) => {
            let state = ss.targets.get(target.name);
            if (!state) {
              state = {
                target,
                ok: 0,
                failed: 0,
                // A pod first discovered after the before snapshot did not exist then: its counters began at 0.
                baselineKnown: phase !== 'before',
                afterOk: false,
                observations: 0,
                counters: new Map(),
                histograms: new Map(),
                gauges: new Map(),
              };
              ss.targets.set(target.name, state);
            }
            state.target = target;
            try {
              const text = await ss.source.scrape(target);
              const t = now();
              const parsed = parsePrometheusText(text);
              if (parsed.families.length === 0) throw new Error('empty exposition (no metric families)');
              ingest(state, parsed.families, t, phase);
              state.ok++;
              if (phase === 'before') state.baselineKnown = true;
              if (phase === 'after') state.afterOk = true;
            } catch (err) {
              state.failed++;
              const raw = errorMessage(err);
              const message = ss.source.redact ? await ss.source.redact(target, raw) : raw;
              ss.errors.push({ target: target.name, phase, atMs: now(), message });
            }
          }),
        );
      }),
    );
  };

  await scrapeAll('before');

  let tick: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (tick) return; // a slow scrape round is not stacked with the next
    tick = scrapeAll('sample').finally(() => {
      tick = null;
    });
  }, options.intervalMs);
  timer.unref?.();

  let result: Promise<MetricsEvidence> | null = null;
  const finish = async (): Promise<MetricsEvidence> => {
    clearInterval(timer);
    if (tick) await tick;
    await scrapeAll('after');
    const endMs = now();
    const endEpochMs = Date.now();
    const sources: SourceEvidence[] = scrapeSources.map((ss) => ({
      name: ss.source.name,
      kind: ss.source.kind,
      targets: [...ss.targets.values()].map(targetEvidence),
      errors: ss.errors,
    }));
    const toClock = (epochMs: number) => startMs + (epochMs - startedAtEpochMs);
    for (const qs of querySources) {
      try {
        sources.push(await qs.collectWindow(startedAtEpochMs, endEpochMs, toClock));
      } catch (err) {
        sources.push({ name: qs.name, kind: 'prometheus', targets: [], errors: [{ target: null, phase: 'query', atMs: now(), message: errorMessage(err) }] });
      }
    }
    return { schemaVersion: 1, startedAtEpochMs, window: { startMs, endMs }, intervalMs: options.intervalMs, sources };
  };

  return {
    stop() {
      result ??= finish();
      return result;
    },
    hasEppLogs: options.sources.some((c) => c.kind === 'kubernetes' && c.epp !== undefined),
    addresses() {
      const out: Record<string, string> = {};
      for (const src of scrapeSources) for (const st of src.targets.values()) if (st.target.address) out[st.target.address] = st.target.name;
      return out;
    },
    async fetchEppLogs(opts) {
      const all: PodLog[] = [];
      for (const k of kubeSources) all.push(...(await k.fetchEppLogs(opts)));
      return all;
    },
    hasPodLogs: options.sources.some((c) => c.kind === 'kubernetes' && c.pods.requestLogs === true),
    async fetchPodLogs(opts) {
      const all: PodLog[] = [];
      for (const k of kubeSources) all.push(...(await k.fetchPodLogs(opts)));
      return all;
    },
  };
}

function ingestHistogram(state: TargetState, f: PromFamily, startsAtZero: boolean): void {
  const metric = canonicalMetricName(f.name, 'histogram');
  // Group the family's samples into series (labels without `le`).
  const groups = new Map<string, { labels: Record<string, string>; buckets: Map<string, number>; count?: number; sum?: number }>();
  for (const s of f.samples) {
    const suffix = s.name.slice(f.name.length);
    if (suffix !== '_bucket' && suffix !== '_count' && suffix !== '_sum') continue;
    const key = labelKey(s.labels, ['le']);
    let g = groups.get(key);
    if (!g) {
      const { le: _le, ...labels } = s.labels;
      g = { labels, buckets: new Map() };
      groups.set(key, g);
    }
    if (suffix === '_bucket') g.buckets.set(normalizeLe(s.labels.le), s.value);
    else if (suffix === '_count') g.count = s.value;
    else g.sum = s.value;
  }
  for (const [key, g] of groups) {
    let h = state.histograms.get(key + '|' + f.name);
    if (!h) {
      h = { metric, exposedAs: f.name, labels: g.labels, buckets: new Map(), count: undefined, sum: undefined, resets: 0 };
      state.histograms.set(key + '|' + f.name, h);
    }
    // One restart resets every part of the histogram at once: detect it on any part, apply to all.
    const restarted =
      (g.count !== undefined && h.count !== undefined && g.count < h.count.last) ||
      [...g.buckets].some(([le, v]) => {
        const prev = h.buckets.get(le);
        return prev !== undefined && v < prev.last;
      });
    const step = (tr: CounterTrack | undefined, v: number): CounterTrack => {
      if (restarted && tr && Number.isFinite(v)) return { ...tr, last: v, delta: tr.delta + v, resets: tr.resets + 1 };
      return observeCounter(tr, v, startsAtZero);
    };
    if (restarted) h.resets++;
    for (const [le, v] of g.buckets) h.buckets.set(le, step(h.buckets.get(le), v));
    if (g.count !== undefined) h.count = step(h.count, g.count);
    // _sum may legitimately decrease (negative observations); treat it like the rest only on restart.
    if (g.sum !== undefined) {
      if (!h.sum) h.sum = observeCounter(undefined, g.sum, startsAtZero);
      else if (restarted) h.sum = { ...h.sum, last: g.sum, delta: h.sum.delta + g.sum };
      else h.sum = { ...h.sum, last: g.sum, delta: h.sum.delta + (g.sum - h.sum.last) };
    }
  }
}

function normalizeLe(le: string | undefined): string {
  const n = parseLe(le);
  if (Number.isNaN(n)) return le ?? '';
  return n === Infinity ? '+Inf' : String(n);
}

function targetEvidence(state: TargetState): TargetEvidence {
  return {
    name: state.target.name,
    role: state.target.role ?? null,
    address: state.target.address ?? null,
    url: state.target.url ?? null,
    scrapesOk: state.ok,
    scrapesFailed: state.failed,
    // Deltas are only evidence when we saw the baseline and the end (the last good sample stands in
    // for a failed after-scrape only if it exists; it understates, so it is marked incomplete).
    complete: state.baselineKnown && state.afterOk,
    counters: [...state.counters.values()]
      .filter((c) => c.track && Number.isFinite(c.track.last))
      .map((c) => ({
        metric: c.metric,
        exposedAs: c.exposedAs,
        labels: c.labels,
        before: c.first,
        after: c.track!.last,
        delta: c.track!.delta,
        resets: c.track!.resets,
      })),
    histograms: [...state.histograms.values()].map((h) => {
      const buckets = [...h.buckets]
        .map(([le, tr]) => ({ le, leNum: parseLe(le), delta: tr.delta }))
        .filter((b) => !Number.isNaN(b.leNum))
        .sort((a, b) => a.leNum - b.leNum);
      const cum = buckets.map((b) => ({ le: b.leNum, count: b.delta }));
      return {
        metric: h.metric,
        exposedAs: h.exposedAs,
        labels: h.labels,
        buckets: buckets.map((b) => ({ le: b.le, delta: b.delta })),
        countDelta: h.count?.delta ?? 0,
        sumDelta: h.sum?.delta ?? 0,
        resets: h.resets,
        quantiles: { p50: histogramQuantile(0.5, cum), p90: histogramQuantile(0.9, cum), p99: histogramQuantile(0.99, cum) },
      };
    }),
    gauges: [...state.gauges.values()],
  };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
