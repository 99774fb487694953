// `prometheus` source: ask a Prometheus server (HTTP API) for per-pod counter deltas over the measured
// window and gauge series, for clusters where pods are scraped by Prometheus rather than by us.
//
// Counters: one instant query per counter for the raw samples, `{__name__="<name>",<selector>}[<window +
// lookback>]`, read once Prometheus has scraped after the window end (see settleTimeoutMs), and the
// counter arithmetic done here as the direct-scrape collector does it: delta = last sample − last
// sample at or before the window start, restart-aware. Not `increase(x[window])`: PromQL's increase
// only sees samples inside the range, so the rise between the last sample before the window and the
// first inside it is lost (extrapolation guesses at it only when the counter moves inside the range).
// Against a real Prometheus scraping the simulator every 1 s, a 3 s window whose load finished in its
// first second read increase() = 0 for every pod while the pods had served 24 requests (see
// packages/scenarios/test/evidence/sources/prometheus-api.test.ts). increase() also needs two samples
// in the range and extrapolates towards the range ends, so integer counters read as non-integers
// (prometheus/prometheus promql/functions.go extrapolatedRate; the maintainers' position on keeping the
// extrapolation: prometheus/prometheus#3746).
//
// Window: samples up to the read time count (the load has stopped by then). The baseline is the last
// sample at or before the start, so load in the scrape interval before the window counts too:
// Prometheus cannot place it more finely than one scrape interval. Back-to-back routebench runs are not
// affected: each run's settle waits for a scrape after its end before the next run starts. Timestamps
// are Prometheus's clock compared with ours: keep the two hosts NTP-synced.
// Gauges: one range query each, `max by (<podLabel>)`.
import { request } from 'undici';
import { z } from 'zod';
import { timerMs } from '../../timer-ms.ts';
import type { CounterDelta, GaugeSeries, ScrapeError, SourceEvidence, TargetEvidence } from '../metrics-evidence.ts';
import { exposedNameVariants, CANONICAL_METRICS } from '../metric-names.ts';
import { observeCounter, type CounterTrack } from '../counter-math.ts';
import { redactSecrets, resolveBearerToken } from './secrets.ts';
import { redactUrl } from '../../redact-url.ts';

export const PrometheusSourceSchema = z
  .strictObject({
    kind: z.literal('prometheus'),
    name: z.string().min(1).default('prometheus'),
    /** Base URL of the Prometheus server (queries go to <url>/api/v1/query). */
    url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
    bearerTokenEnv: z.string().min(1).optional(),
    bearerTokenFile: z.string().min(1).optional(),
    /** Label naming the pod in the stored series (kube-prometheus: `pod`). */
    podLabel: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'expected a Prometheus label name').default('pod'),
    /** Extra PromQL label matchers, e.g. `namespace="llm-d"`. */
    selector: z.string().default(''),
    /** Canonical counter names (see metric-names.ts) to query. */
    counters: z.array(z.string().min(1)).default([CANONICAL_METRICS.requestSuccess, CANONICAL_METRICS.promptTokens, CANONICAL_METRICS.generationTokens, CANONICAL_METRICS.prefixCacheHits, CANONICAL_METRICS.prefixCacheQueries, CANONICAL_METRICS.eppSchedulerAttempts]),
    /** Canonical gauge names (max per pod). The EPP's pool gauges are included so a Prometheus-only setup still feeds the autoscale and kv claims. */
    gauges: z.array(z.string().min(1)).default([CANONICAL_METRICS.running, CANONICAL_METRICS.waiting, CANONICAL_METRICS.kvUsage, CANONICAL_METRICS.eppReadyPods, CANONICAL_METRICS.eppAvgKv, CANONICAL_METRICS.eppAvgQueue]),
    /**
     * How far before the window start to look for each counter's baseline sample (seconds). Default:
     * Prometheus's own lookback delta (--query.lookback-delta, 5m); it must exceed the scrape interval.
     */
    baselineLookbackS: z.number().int().positive().default(300),
    /**
     * Counters are read up to the moment every counter series has a sample taken at or after the window
     * end: the first scrape after the load stopped holds its final values (what the direct collector's
     * after-scrape sees). Reading at the window end instead misses whatever finished in the last scrape
     * interval — everything, in a run shorter than one. Wait at most this long for that scrape (then
     * read anyway and record an error); 0 turns the wait off.
     */
    settleTimeoutMs: timerMs().int().nonnegative().default(120_000),
    /** Extra fixed wait after the window ends, before settling; counters are read no earlier than end + this. */
    evalDelayMs: timerMs().int().nonnegative().default(0),
    timeoutMs: timerMs().int().positive().default(10_000),
  })
  .refine((c) => !(c.bearerTokenEnv && c.bearerTokenFile), { message: 'set bearerTokenEnv or bearerTokenFile, not both' });
export type PrometheusSourceConfig = z.infer<typeof PrometheusSourceSchema>;

export interface QuerySource {
  readonly kind: 'prometheus';
  readonly name: string;
  /** Evidence for the window [startEpochMs, endEpochMs]; `toClock` maps epoch ms to the collector clock. */
  collectWindow(startEpochMs: number, endEpochMs: number, toClock: (epochMs: number) => number, opts?: CollectWindowOptions): Promise<SourceEvidence>;
}

export interface CollectWindowOptions {
  /**
   * Read the counters at this time instead of now and skip the settle wait: judging a window that ended long
   * ago (`routebench judge --prometheus`), where samples taken since then carry other load.
   */
  readAtEpochMs?: number;
}

interface PromVectorResult {
  metric: Record<string, string>;
  value?: [number, string];
  values?: Array<[number, string]>;
}

export function createPrometheusSource(config: PrometheusSourceConfig): QuerySource {
  const base = config.url.replace(/\/+$/, '');

  async function query(path: 'query' | 'query_range', params: Record<string, string>): Promise<PromVectorResult[]> {
    const token = await resolveBearerToken(config);
    const url = `${base}/api/v1/${path}?${new URLSearchParams(params)}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    try {
      const res = await request(url, { headers, signal: AbortSignal.timeout(config.timeoutMs) });
      const text = await res.body.text();
      let body: { status?: string; error?: string; data?: { result?: PromVectorResult[] } };
      try {
        body = JSON.parse(text);
      } catch {
        throw new Error(`HTTP ${res.statusCode}, not JSON: ${text.slice(0, 120)}`);
      }
      if (res.statusCode !== 200 || body.status !== 'success') throw new Error(`HTTP ${res.statusCode}: ${body.error ?? body.status ?? 'error'}`);
      return body.data?.result ?? [];
    } catch (err) {
      throw new Error(redactSecrets(`${path} ${params.query} at ${redactUrl(base)}: ${(err as Error).message}`, [token]));
    }
  }

  const matchers = (name: string) => `{__name__="${name}"${config.selector ? `,${config.selector}` : ''}}`;

  // Every exposed form of every configured counter, for the settle queries. Only valid metric names can
  // be stored (and they need no escaping), so the rest are left out.
  const counterNames = [...new Set(config.counters.flatMap((m) => exposedNameVariants(m, 'counter')))].filter((n) => /^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(n));

  /**
   * Poll `min(timestamp(<counter>))` per exposed name (the oldest newest-sample over the series we read;
   * a scrape's samples carry its start time) until every one is at or after the window end, and return
   * the time to read at. One query per name because timestamp() drops the name: over several names its
   * result can hold the same label set twice, which a real Prometheus refuses ("vector cannot contain
   * metrics with the same labelset", seen on 2.42). Names without data are not asked again. Throws,
   * after settleTimeoutMs, saying how far behind the oldest series is.
   */
  async function settle(endEpochMs: number, notBeforeMs: number): Promise<number> {
    if (config.settleTimeoutMs === 0) return notBeforeMs;
    const deadline = Date.now() + config.settleTimeoutMs;
    let names = counterNames;
    for (;;) {
      const at = Math.max(Date.now(), notBeforeMs);
      let oldest = Infinity;
      const withData: string[] = [];
      for (const n of names) {
        const result = await query('query', { query: `min(timestamp(${matchers(n)}))`, time: String(at / 1000) });
        const ts = Number(result[0]?.value?.[1] ?? NaN);
        if (!Number.isFinite(ts)) continue;
        withData.push(n);
        oldest = Math.min(oldest, ts * 1000);
      }
      names = withData;
      if (names.length === 0 || oldest >= endEpochMs) return at;
      if (Date.now() >= deadline) {
        throw new Error(
          `no scrape after the window end within ${config.settleTimeoutMs} ms (oldest series last scraped ${((endEpochMs - oldest) / 1000).toFixed(1)} s before it): counters may miss the last scrape interval`,
        );
      }
      await new Promise((r) => setTimeout(r, Math.min(1000, Math.max(50, deadline - Date.now()))));
    }
  }

  return {
    kind: 'prometheus',
    name: config.name,
    async collectWindow(startEpochMs, endEpochMs, toClock, opts = {}) {
      const windowS = Math.max(1, Math.round((endEpochMs - startEpochMs) / 1000));
      const errors: ScrapeError[] = [];
      let evalAtMs = opts.readAtEpochMs ?? Math.max(Date.now(), endEpochMs + config.evalDelayMs);
      if (opts.readAtEpochMs === undefined) {
        if (config.evalDelayMs > 0) await new Promise((r) => setTimeout(r, config.evalDelayMs));
        try {
          evalAtMs = await settle(endEpochMs, evalAtMs);
        } catch (err) {
          errors.push({ target: null, phase: 'query', atMs: toClock(Date.now()), message: (err as Error).message });
        }
      }
      const pods = new Map<string, TargetEvidence>();
      const pod = (name: string, metric: string): TargetEvidence => {
        let t = pods.get(name);
        if (!t) {
          t = { name, role: null, address: null, url: null, scrapesOk: 0, scrapesFailed: 0, complete: true, counters: [], histograms: [], gauges: [] };
          pods.set(name, t);
        }
        // Stored series name the EPP's pod (e.g. `gaie-epp-6f9c…`), not 'epp': the claims find the EPP
        // by role, so a pod that serves EPP metrics is the EPP.
        if (isEppMetric(metric)) t.role = 'epp';
        return t;
      };
      let countersFound = 0;
      let counterQueriesFailed = 0;
      for (const metric of config.counters) {
        try {
          // Try each exposed name (generations, with/without _total); the first with data wins.
          for (const exposed of exposedNameVariants(metric, 'counter')) {
            const rangeMs = evalAtMs - startEpochMs + config.baselineLookbackS * 1000;
            const result = await query('query', { query: `${matchers(exposed)}[${rangeMs}ms]`, time: String(evalAtMs / 1000) });
            if (result.length === 0) continue;
            const byPod = new Map<string, CounterDelta>();
            for (const r of result) {
              const d = seriesDelta(r.values ?? [], startEpochMs);
              if (!d) continue;
              const podName = r.metric[config.podLabel] ?? '(no pod label)';
              const acc = byPod.get(podName);
              if (!acc) byPod.set(podName, { metric, exposedAs: exposed, labels: {}, before: d.before, after: d.after, delta: d.delta, resets: d.resets });
              else byPod.set(podName, { ...acc, before: acc.before! + d.before, after: acc.after! + d.after, delta: acc.delta + d.delta, resets: acc.resets + d.resets });
            }
            for (const [podName, delta] of byPod) pod(podName, metric).counters.push(delta);
            countersFound++;
            break;
          }
        } catch (err) {
          counterQueriesFailed++;
          errors.push({ target: null, phase: 'query', atMs: toClock(Date.now()), message: (err as Error).message });
        }
      }
      // Nothing at all is not "no load": say so, or a wrong selector reads as an idle cluster.
      if (config.counters.length > 0 && countersFound === 0 && counterQueriesFailed === 0) {
        errors.push({
          target: null,
          phase: 'query',
          atMs: toClock(Date.now()),
          message: `no series for any of ${config.counters.join(', ')}${config.selector ? ` matching {${config.selector}}` : ''} from ${redactUrl(base)}: is Prometheus scraping the pods, and does the selector match?`,
        });
      }
      for (const metric of config.gauges) {
        try {
          for (const exposed of exposedNameVariants(metric, 'gauge')) {
            const result = await query('query_range', {
              query: `max by (${config.podLabel}) (${matchers(exposed)})`,
              start: String(startEpochMs / 1000),
              end: String(endEpochMs / 1000),
              step: `${Math.max(1, Math.round(windowS / 200))}s`,
            });
            if (result.length === 0) continue;
            for (const r of result) {
              const series: GaugeSeries = {
                metric,
                exposedAs: exposed,
                labels: {},
                points: (r.values ?? []).map(([t, v]) => [toClock(t * 1000), Number.isFinite(Number(v)) ? Number(v) : null]),
              };
              pod(r.metric[config.podLabel] ?? '(no pod label)', metric).gauges.push(series);
            }
            break;
          }
        } catch (err) {
          errors.push({ target: null, phase: 'query', atMs: toClock(Date.now()), message: (err as Error).message });
        }
      }
      return { name: config.name, kind: 'prometheus', targets: [...pods.values()], errors };
    },
  };
}

/** Metrics only the EPP exports: GIE's `inference_pool_*` / `inference_extension_*` / `inference_objective_*` and llm-d's scheduler families. */
export function isEppMetric(canonical: string): boolean {
  return /^(inference_pool_|inference_extension_|inference_objective_|llm_d_)/.test(canonical);
}

/**
 * One series' delta over the window from its raw samples (ascending [epoch s, value]): from the last
 * sample at or before the window start to the last sample in it, a drop counting as a restart (the new
 * value is the increase), as the direct-scrape collector counts. A series with no sample before the
 * window was born inside it (prometheus_client creates labelled children lazily; a pod scaled up
 * mid-run starts at 0), so its whole value counts — the same rule as the collector's for a target or
 * series first seen after its baseline. Ambiguous case, said plainly: a pod Prometheus only began to
 * scrape mid-window (new scrape config) looks the same and is over-counted by its earlier history.
 */
export function seriesDelta(values: ReadonlyArray<[number, string]>, startEpochMs: number): { before: number; after: number; delta: number; resets: number } | null {
  let track: CounterTrack | undefined;
  let baselineSeen = false;
  for (const [t, raw] of values) {
    const v = Number(raw);
    if (!Number.isFinite(v)) continue;
    if (t * 1000 <= startEpochMs) {
      track = { first: v, last: v, delta: 0, resets: 0 }; // later baseline samples replace earlier ones
      baselineSeen = true;
      continue;
    }
    track = observeCounter(track, v, !baselineSeen);
  }
  if (!track) return null;
  return { before: baselineSeen ? track.first : 0, after: track.last, delta: track.delta, resets: track.resets };
}
