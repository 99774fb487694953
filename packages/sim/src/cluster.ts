// startCluster: a whole simulated llm-d stack on loopback — vLLM-like pods, a P/D routing sidecar in
// front of each decode pod (when asked), the EPP (datastore scraping every pod's /metrics, scheduler from
// an EndpointPickerConfig, gateway proxy, EPP metrics and JSON log), and optionally an HPA-like
// autoscaler on inference_pool_average_queue_size.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHART_DEFAULT_EPP_VERBOSITY, DEFAULT_LLMD_VERSION, LlmdVersionSchema, createRng } from '@routebench/core';
import { z } from 'zod';
import { startAutoscaler, type Autoscaler } from './autoscaler.ts';
import { EppConfigError, formatPath, loadEppConfig, resolveEppConfig, type ResolvedEppConfig } from './epp/config.ts';
import { createDatastore } from './epp/datastore.ts';
import { openEppLog, type EppLog } from './epp/epp-log.ts';
import { createEppMetrics } from './epp/epp-metrics.ts';
import { startGateway } from './epp/gateway.ts';
import type { PrefixCacheScorer } from './epp/plugins/prefix-cache-scorer.ts';
import { createScheduler, type Scheduler } from './epp/scheduler.ts';
import { loadXxh64 } from './epp/xxhash64.ts';
import { createKvEventBus, KvEventsFaultSchema, type KvEventsFault } from './kv-event-bus.ts';
import { hashBlock } from './pod/kv-cache.ts';
import { PodSpecSchema, startPod, type SimPod } from './pod/index.ts';
import { startSidecar, type Sidecar } from './sidecar.ts';
import type { PodFaults } from './types.ts';

const EppConfigFieldSchema = z.union([z.string().min(1), z.record(z.string(), z.unknown())]).superRefine((v, ctx) => {
  try {
    // The spec's llmdVersion is not visible here: check that some version accepts it; startCluster checks the spec's own.
    if (typeof v === 'string') loadEppConfig(v, { version: 'any' });
    else resolveEppConfig(v, { version: 'any' });
  } catch (e) {
    if (!(e instanceof EppConfigError)) throw e;
    for (const issue of e.issues) ctx.addIssue({ code: 'custom', message: issue });
  }
});

export const AutoscaleSpecSchema = z.strictObject({
  /** Pod spec for new replicas; its name is the prefix of replica names (`<name>-<n>`). */
  template: PodSpecSchema,
  minReplicas: z.number().int().nonnegative().default(1),
  maxReplicas: z.number().int().positive(),
  /** Target for inference_pool_average_queue_size (HPA External metric, type Value). */
  targetQueueSize: z.number().positive().default(5),
  intervalMs: z.number().positive().default(500),
  scaleUpStabilizationMs: z.number().nonnegative().default(0),
  scaleDownStabilizationMs: z.number().nonnegative().default(2000),
  tolerance: z.number().nonnegative().default(0.1),
});

export const ClusterSpecSchema = z.strictObject({
  /** The gateway's loopback port (`routebench sim --port`); 0 = any free port. */
  gatewayPort: z.number().int().min(0).max(65535).default(0),
  /** Which llm-d generation's formats and semantics the EPP, sidecar and pods follow (core/src/upstream/versions.ts). */
  llmdVersion: LlmdVersionSchema.default(DEFAULT_LLMD_VERSION),
  /** EPP log verbosity (`--v`); the inferencepool chart's default is 1, per-request lines need 3 or 4. */
  eppVerbosity: z.number().int().min(0).max(10).default(CHART_DEFAULT_EPP_VERBOSITY),
  /**
   * The EPP's `/metrics` requires `Authorization: Bearer <token>` (GIE `--metrics-endpoint-auth`, default
   * true). The token is `eppMetricsToken`, or a random one exposed as `cluster.eppMetricsToken`.
   */
  eppMetricsAuth: z.boolean().default(true),
  eppMetricsToken: z.string().min(1).optional(),
  /** 'regenerate': the gateway replaces the client's x-request-id (Envoy's default for edge requests). */
  gatewayRequestId: z.enum(['preserve', 'regenerate']).default('preserve'),
  /** InferencePool name (label `name` of inference_pool_* gauges). */
  poolName: z.string().min(1).default('routebench-pool'),
  /** EndpointPickerConfig: YAML text or the parsed object. */
  eppConfig: EppConfigFieldSchema,
  pods: z.array(PodSpecSchema),
  /** Put the P/D routing sidecar in front of every decode pod. */
  sidecars: z.boolean().default(false),
  /**
   * 'dropped': the EPP never receives the pods' KV events (the seed study's precise-scorer failure).
   * 'pod-id-mismatch': events arrive, but each pod's topic names it by pod IP alone (`kv@${POD_IP}@<model>`,
   * the older guide form) while the scorer keys endpoints by IP:port, so nothing matches (core upstream/kv-events.ts).
   */
  kvEvents: KvEventsFaultSchema.default('ok'),
  /** Append one JSON line per request here. */
  eppLogPath: z.string().min(1).optional(),
  seed: z.union([z.number().int(), z.string()]).default(1),
  scrapeIntervalMs: z.number().int().positive().default(50),
  /** InferenceObjective name → priority; negative priorities are shed with 429 when saturated. */
  objectives: z.record(z.string(), z.number().int()).optional(),
  autoscale: AutoscaleSpecSchema.optional(),
});
export type ClusterSpec = z.infer<typeof ClusterSpecSchema>;
export type ClusterSpecInput = z.input<typeof ClusterSpecSchema>;

export function parseClusterSpec(input: unknown): ClusterSpec {
  const r = ClusterSpecSchema.safeParse(input);
  if (r.success) return r.data;
  throw new Error(`invalid cluster spec: ${r.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; ')}`);
}

export interface Cluster {
  gatewayUrl: string;
  eppMetricsUrl: string;
  /**
   * The bearer token the EPP's /metrics wants (undefined with eppMetricsAuth: false), and a 0600 file
   * holding it (removed by stop()) — what `--epp-token-file` and `bearerTokenFile` take.
   */
  eppMetricsToken: string | undefined;
  eppTokenFile: string | undefined;
  eppLogPath: string | undefined;
  /** Live list: grows and shrinks with autoscaling. */
  readonly pods: SimPod[];
  podMetricsUrls(): Record<string, string>;
  setFaults(podName: string, faults: PodFaults): void;
  kvEventsFault: KvEventsFault;
  scheduler: Scheduler;
  eppConfig: ResolvedEppConfig;
  autoscaler: Autoscaler | undefined;
  /** Resolves once every current pod is ready and scraped by the EPP (or rejects after timeoutMs). */
  waitReady(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startCluster(input: ClusterSpecInput): Promise<Cluster> {
  const spec = parseClusterSpec(input);
  const eppConfig = typeof spec.eppConfig === 'string' ? loadEppConfig(spec.eppConfig, { version: spec.llmdVersion }) : resolveEppConfig(spec.eppConfig, { version: spec.llmdVersion });
  const bus = createKvEventBus();
  const xxh64 = await loadXxh64();
  const datastore = createDatastore({ intervalMs: spec.scrapeIntervalMs });
  let metricsRef: ReturnType<typeof createEppMetrics> | undefined;
  const scheduler = createScheduler(eppConfig, {
    rng: createRng(`${spec.seed}:epp`),
    xxh64,
    kvEventBus: spec.kvEvents === 'dropped' ? undefined : bus,
    hashBlock,
    onPrefixMatch: (m) => metricsRef?.prefixMatch(m.matchBlocks, m.totalBlocks, m.blockSize),
  });
  const prefixScorers = [...scheduler.plugins.values()].filter((p): p is PrefixCacheScorer => p.type === 'prefix-cache-scorer');
  const handler = eppConfig.plugins.find((p) => p.name === eppConfig.profileHandler)!;
  const metrics = createEppMetrics({
    poolName: spec.poolName,
    endpoints: () => datastore.ready(),
    indexerSize: () => prefixScorers.reduce((n, p) => n + p.indexer.size(), 0),
    version: spec.llmdVersion,
    ...((handler.type === 'pd-profile-handler' || handler.type === 'disagg-profile-handler') && { decisionHandler: { type: handler.type, name: handler.name } }),
  });
  metricsRef = metrics;
  const log: EppLog | undefined = spec.eppLogPath ? openEppLog(spec.eppLogPath, { version: spec.llmdVersion, verbosity: spec.eppVerbosity }) : undefined;

  const pods: SimPod[] = [];
  const sidecars = new Map<string, Sidecar>();

  async function addPod(podSpec: z.infer<typeof PodSpecSchema>): Promise<SimPod> {
    const pod = await startPod(podSpec, { kvEvents: bus, kvEventsPodId: spec.kvEvents === 'pod-id-mismatch' ? 'address' : 'address-port' });
    pods.push(pod);
    let targetUrl = pod.url;
    if (spec.sidecars && pod.role === 'decode') {
      const sc = await startSidecar({ decoderUrl: pod.url });
      sidecars.set(pod.name, sc);
      targetUrl = sc.url;
    }
    datastore.add({ name: pod.name, namespace: pod.namespace, role: pod.role, models: pod.models, host: pod.host, port: pod.port, targetUrl, podUrl: pod.url });
    return pod;
  }

  async function removePod(pod: SimPod): Promise<void> {
    // Out of the EPP's candidate set first, so nothing new is routed to it; then drain in-flight work.
    datastore.remove(pod.name);
    for (const p of prefixScorers) p.indexer.removePod(pod.name);
    await sleep(spec.scrapeIntervalMs * 2);
    await pod.drain();
    await pod.stop();
    await sidecars.get(pod.name)?.close();
    sidecars.delete(pod.name);
    pods.splice(pods.indexOf(pod), 1);
  }

  for (const p of spec.pods) await addPod(p);

  let autoscaler: Autoscaler | undefined;
  if (spec.autoscale) {
    const a = spec.autoscale;
    let seq = 0;
    const scaled = () => pods.filter((p) => p.name.startsWith(`${a.template.name}-`));
    const startReplica = () => addPod({ ...a.template, name: `${a.template.name}-${seq++}` });
    for (let i = scaled().length; i < a.minReplicas; i++) await startReplica();
    autoscaler = startAutoscaler({
      readMetric: async () => {
        const eps = datastore.ready();
        return eps.length ? Math.floor(eps.reduce((s, e) => s + e.metrics.waiting, 0) / eps.length) : 0;
      },
      currentReplicas: () => scaled().length,
      scaleTo: async (n) => {
        const cur = scaled();
        if (n > cur.length) await Promise.all(Array.from({ length: n - cur.length }, () => startReplica()));
        else if (n < cur.length) await Promise.all(cur.slice(n).reverse().map((p) => removePod(p)));
      },
      target: a.targetQueueSize,
      minReplicas: a.minReplicas,
      maxReplicas: a.maxReplicas,
      intervalMs: a.intervalMs,
      scaleUpStabilizationMs: a.scaleUpStabilizationMs,
      scaleDownStabilizationMs: a.scaleDownStabilizationMs,
      tolerance: a.tolerance,
    });
  }

  // The EPP's /metrics requires a token by default (EPP_METRICS_AUTH_DEFAULT, GIE v1.4.0 options.go:123).
  const eppMetricsToken = spec.eppMetricsAuth ? (spec.eppMetricsToken ?? randomBytes(24).toString('hex')) : undefined;
  const tokenDir = eppMetricsToken ? mkdtempSync(join(tmpdir(), 'rb-epp-token-')) : undefined;
  const eppTokenFile = tokenDir ? join(tokenDir, 'token') : undefined;
  if (eppTokenFile) writeFileSync(eppTokenFile, eppMetricsToken!, { mode: 0o600 });
  const gateway = await startGateway({
    scheduler,
    datastore,
    metrics,
    log,
    requestId: spec.gatewayRequestId,
    version: spec.llmdVersion,
    saturation: eppConfig.saturation,
    objectives: spec.objectives,
    port: spec.gatewayPort,
    ...(eppMetricsToken && { metricsToken: eppMetricsToken }),
  });

  const cluster: Cluster = {
    gatewayUrl: gateway.url,
    eppMetricsUrl: `${gateway.url}/metrics`,
    eppMetricsToken,
    eppTokenFile,
    eppLogPath: spec.eppLogPath,
    pods,
    podMetricsUrls: () => Object.fromEntries(pods.map((p) => [p.name, p.metricsUrl])),
    setFaults(podName, faults) {
      const pod = pods.find((p) => p.name === podName);
      if (!pod) throw new Error(`no pod named '${podName}' (have: ${pods.map((p) => p.name).join(', ')})`);
      pod.setFaults(faults);
    },
    kvEventsFault: spec.kvEvents,
    scheduler,
    eppConfig,
    autoscaler,
    async waitReady(timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        await datastore.refreshNow();
        const ready = new Set(datastore.ready().map((e) => e.name));
        if (pods.every((p) => ready.has(p.name))) return;
        if (Date.now() > until) throw new Error(`pods not ready after ${timeoutMs} ms: ${pods.filter((p) => !ready.has(p.name)).map((p) => p.name).join(', ')}`);
        await sleep(spec.scrapeIntervalMs);
      }
    },
    async stop() {
      await autoscaler?.stop();
      await gateway.close();
      datastore.stop();
      scheduler.close();
      await Promise.all([...sidecars.values()].map((s) => s.close()));
      await Promise.all(pods.map((p) => p.stop()));
      await log?.close();
      if (tokenDir) rmSync(tokenDir, { recursive: true, force: true });
    },
  };
  return cluster;
}
