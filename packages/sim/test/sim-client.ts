// Test helper: a started cluster, a plain fetch client for the simulated gateway, and a /metrics reader.
import { createRng, parsePrometheusText, wordsText } from '@routebench/core';
import { startCluster, type Cluster, type ClusterSpecInput } from '../src/cluster.ts';

/** startCluster, then waitReady: what a describe's beforeAll wants. */
export async function readyCluster(spec: ClusterSpecInput): Promise<Cluster> {
  const c = await startCluster(spec);
  await c.waitReady();
  return c;
}

export interface ChatResult {
  status: number;
  pod: string | null;
  headers: Headers;
  body: string;
}

export async function chat(url: string, model: string, messages: { role: string; content: string }[], opts: { maxTokens?: number; stream?: boolean; headers?: Record<string, string> } = {}): Promise<ChatResult> {
  const r = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...opts.headers },
    body: JSON.stringify({ model, messages, max_tokens: opts.maxTokens ?? 8, stream: opts.stream ?? true, stream_options: { include_usage: true } }),
  });
  const body = await r.text();
  return { status: r.status, pod: r.headers.get('x-inference-pod'), headers: r.headers, body };
}

/** Sum of every series of a metric family on a /metrics page (optionally filtered by labels). */
export async function metricSum(metricsUrl: string, name: string, labels: Record<string, string> = {}, token?: string): Promise<number> {
  const res = await fetch(metricsUrl, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  if (res.status !== 200) throw new Error(`GET ${metricsUrl}: ${res.status}`);
  const text = await res.text();
  const fams = parsePrometheusText(text).families;
  let sum = 0;
  for (const f of fams) for (const s of f.samples) if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) sum += s.value;
  return sum;
}

/** Sum over the cluster's EPP /metrics, with the bearer token it requires by default. */
export function eppMetricSum(c: { eppMetricsUrl: string; eppMetricsToken: string | undefined }, name: string, labels: Record<string, string> = {}): Promise<number> {
  return metricSum(c.eppMetricsUrl, name, labels, c.eppMetricsToken);
}

export function text(nTokens: number, seed: string): string {
  return wordsText(nTokens, createRng(seed)).trim();
}

export const countBy = (xs: (string | null)[]) => xs.reduce<Record<string, number>>((m, x) => ((m[String(x)] = (m[String(x)] ?? 0) + 1), m), {});
