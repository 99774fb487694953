// Which models each model-server pod serves, learned at run time from a real deployment, for the model-routing
// claim (RunEvidence.podModels). Per pod, in order:
//   1. GET <pod>/v1/models — vLLM lists every served model name (upstream/bbr.ts VllmModelListSchema). A static
//      pod target's metrics URL names the pod's HTTP server (vLLM serves /metrics and /v1/models on one port),
//      so `http://10.0.0.5:8000/metrics` gives `http://10.0.0.5:8000/v1/models`. A kubernetes pod target is read
//      through the same API-server pod proxy as its metrics (same RBAC: pods/proxy get).
//   2. the pod's `llm-d.ai/model` label (kubernetes source only; a short name, matched loosely by the claim).
// The EPP and Prometheus query sources name no pods' models; their pods are left out. Failures are collected,
// never thrown: a pod whose models are unknown is reported, and the claim says what it could not check.
import { parseVllmModelList } from '../../upstream/bbr.ts';
import { httpGetText } from './http-get.ts';
import { createKubernetesSource, type K8sTarget } from './kubernetes.ts';
import { resolveBearerToken } from './secrets.ts';
import { MetricsSourceSchema, type MetricsSourceInput } from './source-config.ts';

export interface ServedModels {
  /** Pod name → the models it serves (only pods something was learned for). */
  podModels: Record<string, string[]>;
  /** Pod name → where its entry came from: `GET /v1/models` or `label llm-d.ai/model`. */
  via: Record<string, string>;
  /** One line per pod (or source) whose models could not be learned. */
  problems: string[];
}

/** The /v1/models URL of the server whose /metrics is at `metricsUrl` (a trailing `/metrics` path is replaced). */
export function modelsUrlFor(metricsUrl: string): string {
  const u = new URL(metricsUrl);
  const base = u.pathname.replace(/\/metrics\/?$/, '').replace(/\/+$/, '');
  return `${u.origin}${base}/v1/models`;
}

export async function collectServedModels(inputs: readonly MetricsSourceInput[], opts: { timeoutMs?: number } = {}): Promise<ServedModels> {
  const timeoutMs = opts.timeoutMs ?? 3000;
  const out: ServedModels = { podModels: {}, via: {}, problems: [] };
  const jobs: Promise<void>[] = [];
  for (const input of inputs) {
    const parsed = MetricsSourceSchema.safeParse(input);
    if (!parsed.success) continue; // the collector reports invalid sources; nothing to add here
    const cfg = parsed.data;
    if (cfg.kind === 'static') {
      for (const t of cfg.targets) {
        if (t.role === 'epp' || t.name === 'epp') continue;
        jobs.push(
          (async () => {
            const url = modelsUrlFor(t.url);
            try {
              const bearerToken = await resolveBearerToken(t);
              const text = await httpGetText(url, { timeoutMs, bearerToken, accept: 'application/json', maxBytes: 1024 * 1024 });
              out.podModels[t.name] = parseVllmModelList(JSON.parse(text));
              out.via[t.name] = 'GET /v1/models';
            } catch (e) {
              out.problems.push(`${t.name}: ${(e as Error).message}`);
            }
          })(),
        );
      }
    } else if (cfg.kind === 'kubernetes') {
      jobs.push(
        (async () => {
          const source = createKubernetesSource({ ...cfg, timeoutMs: Math.min(cfg.timeoutMs, timeoutMs * 3) });
          let targets: K8sTarget[];
          try {
            targets = ((await source.discover()) as K8sTarget[]).filter((t) => t.role !== 'epp');
          } catch (e) {
            out.problems.push(`${cfg.name}: ${(e as Error).message}`);
            return;
          }
          await Promise.all(
            targets.map(async (t) => {
              try {
                const body = await source.proxyGet(t, '/v1/models');
                out.podModels[t.name] = parseVllmModelList(typeof body === 'string' ? JSON.parse(body) : body);
                out.via[t.name] = 'GET /v1/models';
              } catch (e) {
                if (t.modelLabel) {
                  out.podModels[t.name] = [t.modelLabel];
                  out.via[t.name] = `label ${cfg.pods.modelLabel}`;
                } else out.problems.push(`${t.name}: ${(e as Error).message}; no ${cfg.pods.modelLabel} label either`);
              }
            }),
          );
        })(),
      );
    }
  }
  await Promise.all(jobs);
  return out;
}
