// The doctor's evidence through the Kubernetes API (the same `kubernetes` source a run uses,
// evidence/sources/kubernetes.ts): model-server pods by label selector, scraped and asked for /v1/models
// through the API-server pod proxy; the EPP log through pods/log. The EPP's /metrics is NOT scraped that
// way by default: the API server strips Authorization before proxying, and the EPP's
// --metrics-endpoint-auth defaults to true (core upstream/metrics.ts), so the doctor says so instead.
import { createKubernetesSource, type KubernetesSource, type KubernetesSourceConfig } from '../evidence/sources/kubernetes.ts';
import type { ScrapeTarget } from '../evidence/sources/scrape-source.ts';
import { EPP_TOKEN_FIX, eppMetricsFromText, metricNames, parseModelIds, scanEppLogText, type EppLogScan, type EvidenceCheck, type PodMetricsFinding } from './probes.ts';

export interface K8sDoctorSource {
  source: KubernetesSource;
  pods: ScrapeTarget[];
  epps: ScrapeTarget[];
}

/** Discover once; a discovery failure (no kubeconfig, RBAC) is a finding on every kube path, not a crash. */
export async function discoverK8s(config: KubernetesSourceConfig): Promise<K8sDoctorSource | { error: string }> {
  const source = createKubernetesSource(config);
  try {
    const targets = await source.discover();
    return { source, pods: targets.filter((t) => t.role !== 'epp'), epps: targets.filter((t) => t.role === 'epp') };
  } catch (e) {
    return { error: `kubernetes discovery in namespace ${config.namespace}: ${(e as Error).message}` };
  }
}

export async function k8sPodFindings(k: K8sDoctorSource): Promise<{ metrics: PodMetricsFinding[]; models: Array<{ name: string; models: string[]; error?: string }> }> {
  const metrics = await Promise.all(
    k.pods.map(async (t): Promise<PodMetricsFinding> => {
      try {
        return { url: `pod ${t.name} (via API proxy)`, names: metricNames(await k.source.scrape(t)) };
      } catch (e) {
        return { url: `pod ${t.name}`, error: (e as Error).message };
      }
    }),
  );
  const models = await Promise.all(
    k.pods.map(async (t) => {
      try {
        const body = await k.source.proxyGet(t, '/v1/models');
        return { name: t.name, models: parseModelIds(typeof body === 'string' ? body : JSON.stringify(body)) };
      } catch (e) {
        return { name: t.name, models: [], error: (e as Error).message };
      }
    }),
  );
  return { metrics, models };
}

export async function k8sEppMetrics(k: K8sDoctorSource, config: KubernetesSourceConfig): Promise<EvidenceCheck[] | undefined> {
  if (!config.epp) return undefined;
  const down = (detail: string, fix: string): EvidenceCheck[] => (['epp-metrics', 'epp-decisions', 'epp-ready-pods'] as const).map((id) => ({ id, reachable: false, detail, fix }));
  if (k.epps.length === 0) return down(`no running pod matches the EPP selector ${config.epp.selector}`, 'fix --k8s-epp (e.g. the EPP Deployment\'s pod labels)');
  if (config.epp.metricsAuth) {
    return down(
      'not scraped through the API-server proxy: it strips Authorization and the EPP wants a token (--metrics-endpoint-auth defaults to true)',
      `${EPP_TOKEN_FIX}, with a direct URL: \`kubectl port-forward <epp-pod> 9090\` and --epp-metrics http://127.0.0.1:9090/metrics`,
    );
  }
  try {
    return eppMetricsFromText(await k.source.scrape(k.epps[0]!), ' (via API proxy, EPP auth off)');
  } catch (e) {
    return down((e as Error).message, 'check RBAC: get pods/proxy in the namespace');
  }
}

/** The EPP pods' log lines of the last `sinceSeconds`, as one scan. */
export async function k8sEppLogScan(k: K8sDoctorSource, sinceSeconds: number): Promise<EppLogScan | { error: string }> {
  try {
    const logs = await k.source.fetchEppLogs({ sinceSeconds });
    return scanEppLogText(logs.map((l) => l.text).join('\n'));
  } catch (e) {
    return { error: `EPP log through the API: ${(e as Error).message}` };
  }
}
