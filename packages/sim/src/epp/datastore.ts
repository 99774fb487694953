// The EPP's view of the pool: registered pods and their scraped metrics. Like GIE's per-pod refresher
// (--refresh-metrics-interval=50ms) it scrapes each pod's /metrics over HTTP and keeps the first series
// of each family (vLLM exports no timestamps). A pod joins the candidate set once /health/ready has
// answered 200 (Kubernetes readiness) and it has been scraped; it leaves when its metrics go stale.
import { parsePrometheusText, type PromFamily } from '@routebench/core';
import type { PodIdentity } from '../types.ts';
import type { Endpoint, EndpointMetrics } from './scheduling-types.ts';

export interface PodRegistration extends PodIdentity {
  /** Where requests go (sidecar or pod). */
  targetUrl: string;
  /** Pod base URL (metrics and readiness are read from the pod itself). */
  podUrl: string;
}

export interface DatastoreOptions {
  intervalMs?: number;
  /** Metrics older than this make a pod not ready (GIE pool gauges use 2 s). */
  stalenessMs?: number;
}

export interface Datastore {
  add(pod: PodRegistration): void;
  remove(name: string): void;
  /** Every registered endpoint, ready or not. */
  all(): Endpoint[];
  /** Endpoints that passed readiness and have fresh metrics. */
  ready(now?: number): Endpoint[];
  /** Resolve after one scrape round has been attempted for every registered pod. */
  refreshNow(): Promise<void>;
  stop(): void;
}

const firstValue = (f: PromFamily | undefined) => f?.samples[0]?.value;

/** Extract the metrics the EPP uses from a pod's exposition (either KV-usage metric generation). */
export function endpointMetricsFromText(text: string, now: number): EndpointMetrics {
  const fams = new Map(parsePrometheusText(text).families.map((f) => [f.name, f]));
  const cacheInfo = fams.get('vllm:cache_config_info')?.samples[0]?.labels;
  const kv = firstValue(fams.get('vllm:kv_cache_usage_perc')) ?? firstValue(fams.get('vllm:gpu_cache_usage_perc')) ?? 0;
  return {
    waiting: firstValue(fams.get('vllm:num_requests_waiting')) ?? 0,
    running: firstValue(fams.get('vllm:num_requests_running')) ?? 0,
    kvUsage: kv,
    blockSize: cacheInfo?.block_size ? Number(cacheInfo.block_size) : undefined,
    numGpuBlocks: cacheInfo?.num_gpu_blocks ? Number(cacheInfo.num_gpu_blocks) : undefined,
    updatedAt: now,
  };
}

interface Entry {
  reg: Pick<PodRegistration, 'podUrl'>;
  endpoint: Endpoint;
  readySeen: boolean;
  inflight?: Promise<void>;
}

export function createDatastore(opts: DatastoreOptions = {}): Datastore {
  const intervalMs = opts.intervalMs ?? 50;
  const stalenessMs = opts.stalenessMs ?? 2000;
  const pods = new Map<string, Entry>();

  async function scrape(e: Entry): Promise<void> {
    try {
      if (!e.readySeen) {
        const r = await fetch(`${e.reg.podUrl}/health/ready`, { signal: AbortSignal.timeout(1000) });
        await r.arrayBuffer();
        if (r.status !== 200) return;
        e.readySeen = true;
      }
      const r = await fetch(`${e.reg.podUrl}/metrics`, { signal: AbortSignal.timeout(1000) });
      const text = await r.text();
      if (r.status === 200) e.endpoint.metrics = endpointMetricsFromText(text, Date.now());
    } catch {
      // Unreachable or bad exposition: keep the old values; they go stale.
    }
  }
  const round = () =>
    Promise.all(
      [...pods.values()].map((e) => {
        e.inflight ??= scrape(e).finally(() => (e.inflight = undefined));
        return e.inflight;
      }),
    ).then(() => undefined);
  const timer = setInterval(() => void round(), intervalMs);
  timer.unref();

  const isReady = (e: Entry, now: number) => e.readySeen && e.endpoint.metrics.updatedAt > 0 && now - e.endpoint.metrics.updatedAt <= stalenessMs;
  return {
    add(p) {
      pods.set(p.name, {
        reg: p,
        readySeen: false,
        endpoint: {
          name: p.name,
          namespace: p.namespace,
          role: p.role,
          models: p.models,
          address: `${p.host}:${p.port}`,
          targetUrl: p.targetUrl,
          metricsUrl: `${p.podUrl}/metrics`,
          metrics: { waiting: 0, running: 0, kvUsage: 0, updatedAt: 0 },
        },
      });
    },
    remove: (name) => void pods.delete(name),
    all: () => [...pods.values()].map((e) => e.endpoint),
    ready: (now = Date.now()) => [...pods.values()].filter((e) => isReady(e, now)).map((e) => e.endpoint),
    refreshNow: round,
    stop: () => clearInterval(timer),
  };
}
