// Several models served as upstream does it (core upstream/bbr.ts): one InferencePool per model — each its own
// cluster (EPP + pods, startCluster) — behind one body-based router on a loopback port. Exposes what the runner
// reads from a Cluster where it makes sense for several pools: the gateway URL (the router), every pod, every
// pod's metrics URL, each pool's EPP metrics URL and token file.
import { z } from 'zod';
import { startBodyBasedRouter, type BodyBasedRouter } from './bbr.ts';
import { startCluster, type Cluster, type ClusterSpecInput } from './cluster.ts';
import type { SimPod } from './pod/index.ts';
import type { PodFaults } from './types.ts';

export interface PoolSpecInput {
  /** InferencePool (and HTTPRoute) name; also the cluster's poolName. */
  name: string;
  /** The model the pool's HTTPRoute matches on X-Gateway-Base-Model-Name. */
  baseModel: string;
  /** LoRA adapter names mapped to baseModel (the pool's bbr-managed ConfigMap). */
  adapters?: string[];
  cluster: ClusterSpecInput;
}

export interface MultiPoolSpecInput {
  pools: PoolSpecInput[];
  /** The body-based router's loopback port (where clients send); 0 or absent = any free port. */
  port?: number;
}

const NameSchema = z.string().min(1);

export interface SimPool {
  name: string;
  baseModel: string;
  cluster: Cluster;
}

export interface MultiPool {
  /** The body-based router: where clients send. */
  gatewayUrl: string;
  router: BodyBasedRouter;
  pools: SimPool[];
  /** Every pool's pods (live: autoscaled pools grow and shrink). */
  readonly pods: SimPod[];
  podMetricsUrls(): Record<string, string>;
  /** Pool name → its EPP's /metrics, and the 0600 file with the bearer token it wants (undefined without auth). */
  eppMetricsUrls: Record<string, string>;
  eppTokenFiles: Record<string, string | undefined>;
  setFaults(podName: string, faults: PodFaults): void;
  waitReady(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startMultiPool(spec: MultiPoolSpecInput): Promise<MultiPool> {
  if (!Array.isArray(spec.pools) || spec.pools.length === 0) throw new Error('invalid multi-pool spec: pools: expected at least one pool');
  spec.pools.forEach((p, i) => {
    if (!NameSchema.safeParse(p.name).success) throw new Error(`invalid multi-pool spec: pools.${i}.name: expected a non-empty string`);
    if (spec.pools.findIndex((q) => q.name === p.name) !== i) throw new Error(`invalid multi-pool spec: pools.${i}.name: pool "${p.name}" is listed twice`);
  });
  const podNames = spec.pools.flatMap((p) => (p.cluster.pods ?? []).map((x) => x.name));
  const dup = podNames.find((n, i) => podNames.indexOf(n) !== i);
  if (dup) throw new Error(`invalid multi-pool spec: pod name "${dup}" is used in two pools (names must be unique across pools)`);

  const pools: SimPool[] = [];
  let router: BodyBasedRouter | undefined;
  try {
    for (const p of spec.pools) pools.push({ name: p.name, baseModel: p.baseModel, cluster: await startCluster({ ...p.cluster, poolName: p.name }) });
    router = await startBodyBasedRouter({ port: spec.port ?? 0, routes: spec.pools.map((p, i) => ({ name: p.name, baseModel: p.baseModel, adapters: p.adapters ?? [], url: pools[i]!.cluster.gatewayUrl })) });
  } catch (e) {
    await Promise.all(pools.map((p) => p.cluster.stop()));
    throw e;
  }
  const allPods = () => pools.flatMap((p) => p.cluster.pods);
  return {
    gatewayUrl: router.url,
    router,
    pools,
    get pods() {
      return allPods();
    },
    podMetricsUrls: () => Object.assign({}, ...pools.map((p) => p.cluster.podMetricsUrls())),
    eppMetricsUrls: Object.fromEntries(pools.map((p) => [p.name, p.cluster.eppMetricsUrl])),
    eppTokenFiles: Object.fromEntries(pools.map((p) => [p.name, p.cluster.eppTokenFile])),
    setFaults(podName, faults) {
      const pool = pools.find((p) => p.cluster.pods.some((x) => x.name === podName));
      if (!pool) throw new Error(`no pod named '${podName}' (have: ${allPods().map((p) => p.name).join(', ')})`);
      pool.cluster.setFaults(podName, faults);
    },
    async waitReady(timeoutMs = 10_000) {
      await Promise.all(pools.map((p) => p.cluster.waitReady(timeoutMs)));
    },
    async stop() {
      await router!.close();
      await Promise.all(pools.map((p) => p.cluster.stop()));
    },
  };
}
