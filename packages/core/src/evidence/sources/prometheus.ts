// `prometheus` source: ask a Prometheus server (HTTP API) for per-pod increases over the measured
// window, for clusters where pods are scraped by Prometheus rather than by us. One instant query per
// counter at window end: `sum by (<podLabel>) (increase(<name>{<selector>}[<window>s]))`; gauges via
// one range query each. increase() already handles counter resets.
import { request } from 'undici';
import { z } from 'zod';
import type { CounterDelta, GaugeSeries, ScrapeError, SourceEvidence, TargetEvidence } from '../metrics-evidence.ts';
import { exposedNameVariants, CANONICAL_METRICS } from '../metric-names.ts';
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
    gauges: z.array(z.string().min(1)).default([CANONICAL_METRICS.running, CANONICAL_METRICS.waiting, CANONICAL_METRICS.kvUsage]),
    /** Wait this long after the window ends before querying, so the last scrape has landed. */
    evalDelayMs: z.number().int().nonnegative().default(0),
    timeoutMs: z.number().int().positive().default(10_000),
  })
  .refine((c) => !(c.bearerTokenEnv && c.bearerTokenFile), { message: 'set bearerTokenEnv or bearerTokenFile, not both' });
export type PrometheusSourceConfig = z.infer<typeof PrometheusSourceSchema>;

export interface QuerySource {
  readonly kind: 'prometheus';
  readonly name: string;
  /** Evidence for the window [startEpochMs, endEpochMs]; `toClock` maps epoch ms to the collector clock. */
  collectWindow(startEpochMs: number, endEpochMs: number, toClock: (epochMs: number) => number): Promise<SourceEvidence>;
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

  return {
    kind: 'prometheus',
    name: config.name,
    async collectWindow(startEpochMs, endEpochMs, toClock) {
      if (config.evalDelayMs > 0) await new Promise((r) => setTimeout(r, config.evalDelayMs));
      const windowS = Math.max(1, Math.round((endEpochMs - startEpochMs) / 1000));
      const errors: ScrapeError[] = [];
      const pods = new Map<string, TargetEvidence>();
      const pod = (name: string): TargetEvidence => {
        let t = pods.get(name);
        if (!t) {
          t = { name, role: null, address: null, url: null, scrapesOk: 0, scrapesFailed: 0, complete: true, counters: [], histograms: [], gauges: [] };
          pods.set(name, t);
        }
        return t;
      };
      for (const metric of config.counters) {
        try {
          // Try each exposed name (generations, with/without _total); the first with data wins.
          for (const exposed of exposedNameVariants(metric, 'counter')) {
            const result = await query('query', {
              query: `sum by (${config.podLabel}) (increase(${matchers(exposed)}[${windowS}s]))`,
              time: String(endEpochMs / 1000),
            });
            if (result.length === 0) continue;
            for (const r of result) {
              const delta: CounterDelta = {
                metric,
                exposedAs: exposed,
                labels: {},
                before: null,
                after: null,
                delta: Number(r.value?.[1] ?? NaN),
                resets: 0,
              };
              if (Number.isFinite(delta.delta)) pod(r.metric[config.podLabel] ?? '(no pod label)').counters.push(delta);
            }
            break;
          }
        } catch (err) {
          errors.push({ target: null, phase: 'query', atMs: toClock(Date.now()), message: (err as Error).message });
        }
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
              pod(r.metric[config.podLabel] ?? '(no pod label)').gauges.push(series);
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
