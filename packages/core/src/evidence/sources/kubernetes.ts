// `kubernetes` source: discover model-server pods (and the EPP) by label selector and scrape them
// through the API server's pod proxy, so the benchmark needs only API access, not pod-network
// reachability. EPP logs come through the same API (/pods/{name}/log) for request attribution.
// Type-only import: the client library takes ~2 s to load, so it is loaded on first use only.
import { EPP_METRICS_AUTH_HINT } from '../../upstream/metrics.ts';
import { MODEL_LABEL } from '../../upstream/bbr.ts';
import type { CoreV1Api, KubeConfig, V1Pod } from '@kubernetes/client-node';
import { z } from 'zod';
import { timerMs } from '../../timer-ms.ts';
import type { ScrapeSource, ScrapeTarget } from './scrape-source.ts';

const SelectorSchema = z.string().min(1, 'expected a label selector such as "llm-d.ai/inferenceServing=true"');

export const KubernetesSourceSchema = z.strictObject({
  kind: z.literal('kubernetes'),
  name: z.string().min(1).default('kubernetes'),
  namespace: z.string().min(1),
  /** Path of a kubeconfig file; default: $KUBECONFIG / ~/.kube/config, or in-cluster when `inCluster`. */
  kubeconfig: z.string().min(1).optional(),
  context: z.string().min(1).optional(),
  inCluster: z.boolean().default(false),
  timeoutMs: timerMs().int().positive().default(10_000),
  pods: z.strictObject({
    selector: SelectorSchema,
    port: z.number().int().min(1).max(65535),
    path: z.string().startsWith('/').default('/metrics'),
    /** Pod label whose value is the pod's role (prefill/decode/…). */
    roleLabel: z.string().min(1).default('llm-d.ai/role'),
    /**
     * Pod label naming the model (MODEL_LABEL, upstream/bbr.ts: a deployment-chosen short name, not the served
     * name). A fallback for which model a pod serves when its /v1/models cannot be read through the pod proxy.
     */
    modelLabel: z.string().min(1).default(MODEL_LABEL),
    /**
     * Read the model-server pods' logs for vLLM's request lines (attribution path `vllm-log`; vLLM must run
     * with --enable-log-requests, core upstream/vllm-logs.ts). Off by default: a busy vLLM log is large and
     * is fetched whole on every poll.
     */
    requestLogs: z.boolean().default(false),
    /**
     * Container whose log is vLLM's. Needed when the pod has several (llm-d P/D decode pods run the routing
     * sidecar next to vLLM, and the API refuses a log read without a container name then).
     */
    container: z.string().min(1).optional(),
  }),
  epp: z
    .strictObject({
      selector: SelectorSchema,
      port: z.number().int().min(1).max(65535).default(9090),
      path: z.string().startsWith('/').default('/metrics'),
      /** Container whose log holds the EPP's JSON lines (default: the pod's only/first container). */
      container: z.string().min(1).optional(),
      /**
       * The EPP runs with --metrics-endpoint-auth (default true: EPP_METRICS_AUTH_DEFAULT, GIE v1.4.0
       * pkg/epp/server/options.go:123). The API server strips Authorization before proxying to a pod,
       * so a proxied scrape can never authenticate: with auth on, the EPP's /metrics is not scraped
       * through this source (its logs still are). Set false only if the EPP runs with auth off.
       */
      metricsAuth: z.boolean().default(true),
    })
    .optional(),
});
export type KubernetesSourceConfig = z.infer<typeof KubernetesSourceSchema>;

export interface PodLog {
  pod: string;
  text: string;
}

export interface KubernetesSource extends ScrapeSource {
  /** Logs of every running EPP pod (empty when no `epp` is configured). */
  fetchEppLogs(options?: { sinceSeconds?: number }): Promise<PodLog[]>;
  /**
   * GET another path on a discovered pod target's port through the pod proxy (e.g. vLLM's /v1/models). The body
   * as the client returns it: text, or parsed JSON for a JSON response.
   */
  proxyGet(target: ScrapeTarget, path: string): Promise<unknown>;
  /** Logs of every running model-server pod when `pods.requestLogs` (else empty). */
  fetchPodLogs(options?: { sinceSeconds?: number }): Promise<PodLog[]>;
}

export interface K8sTarget extends ScrapeTarget {
  port: number;
  path: string;
  /** The pod's `pods.modelLabel` value, when it has one. */
  modelLabel?: string;
}

export async function loadKubeConfig(config: Pick<KubernetesSourceConfig, 'kubeconfig' | 'context' | 'inCluster'>): Promise<KubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
  else if (config.inCluster) kc.loadFromCluster();
  else kc.loadFromDefault();
  if (config.context) kc.setCurrentContext(config.context);
  return kc;
}

export function createKubernetesSource(config: KubernetesSourceConfig, kubeConfig?: KubeConfig): KubernetesSource {
  let coreApi: Promise<CoreV1Api> | null = null;
  const api = () =>
    (coreApi ??= (async () => {
      const { CoreV1Api } = await import('@kubernetes/client-node');
      const kc = kubeConfig ?? (await loadKubeConfig(config));
      return kc.makeApiClient(CoreV1Api);
    })());
  const ns = config.namespace;
  const deadline = <T>(what: string, p: Promise<T>) => withTimeout(what, p, config.timeoutMs);

  const runningPods = async (selector: string): Promise<V1Pod[]> => {
    const core = await api();
    const list = await deadline(`list pods (${selector})`, core.listNamespacedPod({ namespace: ns, labelSelector: selector }));
    return list.items.filter((p) => p.status?.phase === 'Running' && p.metadata?.name && !p.metadata.deletionTimestamp);
  };

  const toTarget = (pod: V1Pod, port: number, path: string, role: string | undefined): K8sTarget => {
    const name = pod.metadata!.name!;
    const ip = pod.status?.podIP;
    return {
      name,
      role,
      address: ip ? `${ip}:${port}` : undefined,
      url: `/api/v1/namespaces/${ns}/pods/${name}:${port}/proxy${path}`,
      port,
      path,
    };
  };

  // GET /api/v1/namespaces/{ns}/pods/{name}/log?container=&sinceSeconds= (Kubernetes API reference, core/v1
  // Pod "read log"): the container's stdout/stderr as plain text, what `kubectl logs` prints.
  const readLogs = async (selector: string, container: string | undefined, sinceSeconds: number | undefined): Promise<PodLog[]> => {
    const pods = await runningPods(selector);
    const core = await api();
    const out: PodLog[] = [];
    for (const p of pods) {
      const name = p.metadata!.name!;
      const text = await deadline(`read log of ${name}`, core.readNamespacedPodLog({ name, namespace: ns, container, sinceSeconds }));
      out.push({ pod: name, text: String(text) });
    }
    return out;
  };

  return {
    kind: 'kubernetes',
    name: config.name,
    async discover() {
      const pods = await runningPods(config.pods.selector);
      const targets: ScrapeTarget[] = pods.map((p) => {
        const t = toTarget(p, config.pods.port, config.pods.path, p.metadata?.labels?.[config.pods.roleLabel]);
        const model = p.metadata?.labels?.[config.pods.modelLabel];
        return model ? { ...t, modelLabel: model } : t;
      });
      if (config.epp) {
        const epps = await runningPods(config.epp.selector);
        for (const p of epps) targets.push(toTarget(p, config.epp.port, config.epp.path, 'epp'));
      }
      return targets;
    },
    async scrape(target) {
      const t = target as K8sTarget;
      if (typeof t.port !== 'number') throw new Error(`target ${target.name} was not discovered by this source`);
      if (t.role === 'epp' && config.epp?.metricsAuth !== false) throw new Error(`scrape ${target.name}: ${EPP_METRICS_AUTH_HINT} (or set epp.metricsAuth: false if the EPP runs with --metrics-endpoint-auth=false)`);
      const core = await api();
      const body = await deadline(
        `scrape ${target.name}`,
        core.connectGetNamespacedPodProxyWithPath({ name: `${t.name}:${t.port}`, namespace: ns, path: t.path.replace(/^\//, '') }),
      );
      if (typeof body !== 'string') throw new Error(`scrape ${target.name}: proxy returned ${typeof body}, expected exposition text`);
      return body;
    },
    async proxyGet(target, path) {
      const t = target as K8sTarget;
      if (typeof t.port !== 'number') throw new Error(`target ${target.name} was not discovered by this source`);
      const core = await api();
      return deadline(`GET ${path} on ${target.name}`, core.connectGetNamespacedPodProxyWithPath({ name: `${t.name}:${t.port}`, namespace: ns, path: path.replace(/^\//, '') }));
    },
    async fetchEppLogs(options = {}) {
      if (!config.epp) return [];
      return readLogs(config.epp.selector, config.epp.container, options.sinceSeconds);
    },
    async fetchPodLogs(options = {}) {
      if (!config.pods.requestLogs) return [];
      return readLogs(config.pods.selector, config.pods.container, options.sinceSeconds);
    },
  };
}

// The generated client takes no AbortSignal per call; a hung API server must still not hang the run.
async function withTimeout<T>(what: string, p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } catch (err) {
    throw new Error(describeK8sError(what, err));
  } finally {
    clearTimeout(timer);
  }
}

// ApiException messages embed the whole response (headers and body); keep the status and a short reason.
function describeK8sError(what: string, err: unknown): string {
  const e = err as { code?: number; body?: unknown; message?: string };
  if (typeof e.code === 'number') {
    let reason = '';
    try {
      const b = typeof e.body === 'string' ? JSON.parse(e.body) : e.body;
      reason = (b as { message?: string })?.message ?? '';
    } catch {
      reason = String(e.body ?? '').slice(0, 200);
    }
    return `${what}: HTTP ${e.code}${reason ? `: ${reason}` : ''}`;
  }
  const msg = e.message ?? String(err);
  return msg.startsWith(what) ? msg : `${what}: ${msg}`;
}
