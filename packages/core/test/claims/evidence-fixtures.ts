// Evidence for claim tests, built by the real code paths: Summaries from summarizeRecords() over seeded
// synthetic records, MetricsEvidence from startCollector() scraping loopback servers that serve exposition
// text written here (vLLM pod and EPP families, as prometheus_client renders them).
import { startCollector } from '../../src/evidence/collector.ts';
import type { MetricsEvidence } from '../../src/evidence/metrics-evidence.ts';
import { createRng } from '../../src/workload/rng.ts';
import type { RequestRecord } from '../../src/record/request-record.ts';
import { type Summary } from '../../src/record/summary.ts';
import { summarizeRecords } from '../../src/record/summarize-records.ts';
import type { ClaimContext, RunEvidence } from '../../src/claims/context.ts';
import { makeRecord } from '../record/record-fixtures.ts';
import { sendText, startExpositionServer, until, type ExpositionServer } from '../evidence/exposition-server.ts';

export const MODEL = 'Qwen/Qwen2.5-7B-Instruct';

let seq = 0;
/** A measured, successful record; override anything. */
export function rec(over: Partial<RequestRecord> = {}): RequestRecord {
  const n = seq++;
  return makeRecord({ seq: n, requestId: `rb-${n}`, model: MODEL, servedModel: MODEL, podSource: 'header:x-inference-pod', ...over });
}

export async function summary(records: RequestRecord[], client: Record<string, unknown> = {}, startedAt = '2026-01-01T00:00:00.000Z'): Promise<Summary> {
  return summarizeRecords(records, {
    scenario: 'claims-test',
    target: 'http://127.0.0.1',
    startedAt,
    endedAt: new Date(Date.parse(startedAt) + 60_000).toISOString(),
    client,
  });
}

export async function run(records: RequestRecord[], extra: Partial<RunEvidence> = {}): Promise<RunEvidence> {
  return { summary: await summary(records), metrics: null, attribution: null, ...extra };
}

export function ctx(main: RunEvidence, controls: Record<string, RunEvidence> = {}, mode = 'Aggregated'): ClaimContext {
  return { feature: 'Test feature', mode, main, controls };
}

/** Records for prefix groups: `assign(group, i)` picks the pod of the i-th request of a group. */
export function groupedRecords(groups: number, perGroup: number, assign: (g: number, i: number) => string | null): RequestRecord[] {
  const out: RequestRecord[] = [];
  for (let i = 0; i < perGroup; i++) for (let g = 0; g < groups; g++) out.push(rec({ groupId: `group-${g}`, pod: assign(g, i), podSource: assign(g, i) ? 'header:x-inference-pod' : null }));
  return out;
}

/** A pod picked uniformly at random (seeded): what a random picker does. */
export function randomPicker(pods: string[], seed: string): () => string {
  const rng = createRng(seed);
  return () => pods[Math.floor(rng() * pods.length)];
}

// ---- exposition text -------------------------------------------------------------------------------------

export interface PodState {
  model?: string;
  success?: number;
  prompt?: number;
  prefixQueries?: number;
  prefixHits?: number;
  extQueries?: number;
  extHits?: number;
  nixlFailed?: number;
  kvComputedSum?: number;
  kvComputedCount?: number;
  nixlXfers?: number;
  kv?: number;
  running?: number;
  legacyKvName?: boolean;
}

export function vllmText(s: PodState): string {
  const model = s.model ?? MODEL;
  const l = `engine="0",model_name="${model}"`;
  const f = (x: number | undefined) => (x ?? 0).toFixed(1);
  const lines = [
    '# HELP vllm:num_requests_running Number of requests in model execution batches.',
    '# TYPE vllm:num_requests_running gauge',
    `vllm:num_requests_running{${l}} ${f(s.running)}`,
  ];
  const kvName = s.legacyKvName ? 'vllm:gpu_cache_usage_perc' : 'vllm:kv_cache_usage_perc';
  if (s.kv !== undefined) lines.push(`# HELP ${kvName} KV-cache usage. 1 means 100 percent usage.`, `# TYPE ${kvName} gauge`, `${kvName}{${l}} ${s.kv}`);
  const counter = (name: string, v: number | undefined, labels = l) => {
    if (v === undefined) return;
    lines.push(`# HELP ${name} c`, `# TYPE ${name} counter`, `${name}_total{${labels}} ${f(v)}`);
  };
  counter('vllm:request_success', s.success, `engine="0",finished_reason="length",model_name="${model}"`);
  counter('vllm:prompt_tokens', s.prompt);
  counter('vllm:prefix_cache_queries', s.prefixQueries);
  counter('vllm:prefix_cache_hits', s.prefixHits);
  counter('vllm:external_prefix_cache_queries', s.extQueries);
  counter('vllm:external_prefix_cache_hits', s.extHits);
  counter('vllm:nixl_num_failed_transfers', s.nixlFailed);
  if (s.kvComputedSum !== undefined) {
    const c = f(s.kvComputedCount);
    lines.push(
      '# HELP vllm:request_prefill_kv_computed_tokens h',
      '# TYPE vllm:request_prefill_kv_computed_tokens histogram',
      `vllm:request_prefill_kv_computed_tokens_bucket{engine="0",le="+Inf",model_name="${model}"} ${c}`,
      `vllm:request_prefill_kv_computed_tokens_count{${l}} ${c}`,
      `vllm:request_prefill_kv_computed_tokens_sum{${l}} ${f(s.kvComputedSum)}`,
    );
  }
  if (s.nixlXfers !== undefined) {
    const c = f(s.nixlXfers);
    lines.push(
      '# HELP vllm:nixl_xfer_time_seconds h',
      '# TYPE vllm:nixl_xfer_time_seconds histogram',
      `vllm:nixl_xfer_time_seconds_bucket{engine="0",le="+Inf",model_name="${model}"} ${c}`,
      `vllm:nixl_xfer_time_seconds_count{${l}} ${c}`,
      `vllm:nixl_xfer_time_seconds_sum{${l}} ${(s.nixlXfers * 0.01).toFixed(3)}`,
    );
  }
  return lines.join('\n') + '\n';
}

export interface EppState {
  readyPods?: number;
  /** decision_type → count (exposed under both the new and the deprecated family, as the EPP does). */
  decisions?: Record<string, number>;
}

export function eppText(s: EppState): string {
  const lines: string[] = [];
  if (s.readyPods !== undefined)
    lines.push('# HELP inference_pool_ready_pods [ALPHA] ready pods', '# TYPE inference_pool_ready_pods gauge', `inference_pool_ready_pods{name="pool"} ${s.readyPods}`);
  if (s.decisions) {
    for (const fam of ['llm_d_inference_scheduler_disagg_decision', 'llm_d_inference_scheduler_pd_decision']) {
      lines.push(`# HELP ${fam}_total d`, `# TYPE ${fam}_total counter`);
      for (const [k, v] of Object.entries(s.decisions)) lines.push(`${fam}_total{decision_type="${k}",model_name="${MODEL}"} ${v}`);
    }
  }
  if (lines.length === 0) lines.push('# TYPE inference_extension_info gauge', 'inference_extension_info{commit="x"} 1');
  return lines.join('\n') + '\n';
}

// ---- collection ---------------------------------------------------------------------------------------------

export interface FixtureTarget {
  name: string;
  role?: string;
  /** Exposition text per scrape (the last one repeats); or a broken target. */
  states: string[] | 'hang' | 'garbage';
}

const servers: ExpositionServer[] = [];
export async function closeFixtureServers(): Promise<void> {
  await Promise.all(servers.splice(0).map((s) => s.close()));
}

/**
 * Serve each target's states in order and collect evidence with the real collector until every target has
 * been scraped through all its states (before, samples, after).
 */
export async function collect(targets: FixtureTarget[], intervalMs = 50): Promise<MetricsEvidence> {
  const started = await Promise.all(
    targets.map(async (t) => {
      const s = await startExpositionServer((n, _req, res) => {
        if (t.states === 'hang') return;
        if (t.states === 'garbage') {
          res.writeHead(200, { 'content-type': 'text/html' });
          res.end('<html>502</html>');
          return;
        }
        sendText(res, t.states[Math.min(n, t.states.length - 1)]);
      });
      servers.push(s);
      return { t, s };
    }),
  );
  const collector = await startCollector({
    sources: [{ kind: 'static', timeoutMs: 300, targets: started.map(({ t, s }) => ({ name: t.name, url: `${s.url}/metrics`, ...(t.role ? { role: t.role } : {}) })) }],
    intervalMs,
  });
  const need = Math.max(...started.map(({ t }) => (Array.isArray(t.states) ? t.states.length - 1 : 1)));
  await until(() => started.every(({ s }) => s.seen.length >= need), 'fixtures to be scraped through their states');
  return collector.stop();
}
