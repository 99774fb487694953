// `measure(options)`: one run with its server-side evidence. It scrapes the metrics sources around the run,
// places each finished record on its pod before it is recorded (response header, else the EPP log line with
// our x-request-id: evidence/attribution/live-attribution.ts), and writes every file of the run folder once:
// requests.jsonl and requests.csv as records are placed, summary.json (with the metrics and attribution in
// `extra`), pods.csv and timeseries.csv at the end. Nothing is read back or rewritten. The result carries the
// RunEvidence the claims are judged on; its records are streamed from requests.jsonl when a claim asks.
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './run.ts';
import { awaitableInstance, type AwaitableInstance } from './awaitable-instance.ts';
import type { RunOptions, RunResult } from './run-options.ts';
import { startCollector, type Collector } from './evidence/collector.ts';
import type { MetricsSourceInput } from './evidence/sources/source-config.ts';
import type { MetricsEvidence } from './evidence/metrics-evidence.ts';
import type { AttributionConfigInput } from './evidence/attribution/attribute.ts';
import { createLiveAttribution, fileTail, podFileTails, podSnapshotTail, snapshotTail, type AttributionSummary, type LogTail, type PodLogsTail } from './evidence/attribution/live-attribution.ts';
import type { PodRole, RunEvidence } from './claims/context.ts';
import { assertCanWriteRun, openRunOutputs, writeRunOutputs, RUN_FILES } from './output/run-folder.ts';
import { jsonlIterable } from './output/jsonl.ts';
import type { RequestRecord } from './record/request-record.ts';
import type { RecorderSnapshot } from './record/recorder.ts';

export interface MeasureOptions extends Omit<RunOptions, 'placement'> {
  /** Prometheus exposition sources scraped before, during (every intervalMs) and after the run. */
  metrics?: { sources: MetricsSourceInput[]; intervalMs?: number };
  /**
   * EPP logs to attribute requests from: paths of files the EPP appends to, or tails of your own. Kubernetes
   * metrics sources that name the EPP are read too.
   */
  eppLogs?: ReadonlyArray<string | LogTail>;
  /**
   * vLLM pods' logs with `--enable-log-requests` (attribution path `vllm-log`): pod name → path of a file the
   * pod's log is appended to, or a tail of your own. Kubernetes sources with `pods.requestLogs` are read too.
   */
  podLogs?: Readonly<Record<string, string>> | PodLogsTail;
  /** Attribution settings: pod headers, EPP log format, address aliases, how long a record waits for its log line. */
  attribution?: AttributionConfigInput & { holdMs?: number; pollMs?: number };
  /** Deployment facts the claims read: pod → role, pod → models served. */
  podRoles?: Record<string, PodRole>;
  podModels?: Record<string, string[]>;
}

export interface MeasureResult extends RunResult {
  metrics: MetricsEvidence | null;
  attribution: AttributionSummary;
  /** What evaluateClaims() judges this run on. */
  evidence: RunEvidence;
}

export type MeasureInstance = AwaitableInstance<MeasureResult>;

export function measure(options: MeasureOptions): MeasureInstance {
  const emitter = new EventEmitter();
  // stop() may come before the run has started (while the collector takes its first snapshot).
  let stopRun: ((reason?: string) => void) | null = null;
  let pendingStop: string | null = null;
  const done = execute(options, emitter, (stop) => {
    stopRun = stop;
    if (pendingStop !== null) stop(pendingStop);
  });
  return awaitableInstance(done, emitter, (reason = 'stopped') => {
    if (stopRun) stopRun(reason);
    else pendingStop = reason;
  });
}

async function execute(options: MeasureOptions, emitter: EventEmitter, started: (stop: (reason?: string) => void) => void): Promise<MeasureResult> {
  const { metrics: metricsConfig, eppLogs = [], podLogs, attribution: attributionConfig = {}, podRoles, podModels, outDir, force, ...runOptions } = options;
  // Before anything is scraped or sent.
  if (outDir) assertCanWriteRun(outDir, force);
  const collector: Collector | null =
    metricsConfig && metricsConfig.sources.length > 0 ? await startCollector({ sources: metricsConfig.sources, intervalMs: metricsConfig.intervalMs ?? 500 }) : null;
  let metrics: MetricsEvidence | null = null;
  try {
    const tails: LogTail[] = eppLogs.map((l) => (typeof l === 'string' ? fileTail(l) : l));
    if (collector?.hasEppLogs) tails.push(snapshotTail(() => collector.fetchEppLogs()));
    const podLogTails = [
      ...(podLogs ? [typeof (podLogs as PodLogsTail).read === 'function' ? (podLogs as PodLogsTail) : podFileTails(podLogs as Record<string, string>)] : []),
      ...(collector?.hasPodLogs ? [podSnapshotTail(() => collector.fetchPodLogs())] : []),
    ];
    const placement = createLiveAttribution({
      ...attributionConfig,
      tails,
      ...(podLogTails.length > 0 && { podLogs: mergePodTails(podLogTails), podRoles }),
      addresses: collector ? () => collector.addresses() : undefined,
    });
    const outputs = outDir ? await openRunOutputs(outDir, { force }) : null;

    const instance = run({ ...runOptions, placement });
    started((reason) => instance.stop(reason));
    instance.on('progress', (p: RecorderSnapshot) => emitter.emit('progress', p));
    instance.on('sent', (s) => emitter.emit('sent', s));
    instance.on('request', (r: RequestRecord) => {
      outputs?.append(r);
      emitter.emit('request', r);
    });
    const result = await Promise.resolve(instance).finally(() => outputs?.flush());
    metrics = collector ? await collector.stop() : null;

    const attribution = placement.summarize(metrics);
    const summary = result.summary;
    summary.extra = {
      ...summary.extra,
      metrics,
      attribution,
      podRoles,
      podModels,
      readyPods: metrics ? readyPodsSeries(metrics) : undefined,
    };
    if (outputs) await writeRunOutputs(outputs, summary);

    const eppLog = await eppLogTexts(eppLogs, collector);
    const evidence: RunEvidence = {
      summary,
      metrics,
      attribution,
      podRoles,
      podModels,
      records: outDir ? jsonlIterable<RequestRecord>(join(outDir, RUN_FILES.requests)) : undefined,
      eppLog,
    };
    return { ...result, outDir: outDir ?? null, metrics, attribution, evidence };
  } finally {
    // A run that failed still ends its scraping.
    if (collector && !metrics) await collector.stop().catch(() => null);
  }
}

/**
 * EPP log text for the claims that read per-endpoint score lines (kv-utilization, precise-prefix). Files are read
 * whole here: these claims' memory grows with the EPP log (one line per scored endpoint), not with the records.
 */
async function eppLogTexts(eppLogs: ReadonlyArray<string | LogTail>, collector: Collector | null): Promise<string[] | undefined> {
  const texts: string[] = [];
  for (const l of eppLogs) {
    if (typeof l !== 'string') continue;
    try {
      texts.push(readFileSync(l, 'utf8'));
    } catch {
      // a log that never appeared is missing evidence, not a failed run
    }
  }
  if (collector?.hasEppLogs) for (const l of await collector.fetchEppLogs().catch(() => [])) texts.push(l.text);
  return texts.length > 0 ? texts : undefined;
}

/** One tail over several (a file map and a Kubernetes source): their per-pod deltas, appended per pod. */
function mergePodTails(tails: PodLogsTail[]): PodLogsTail {
  if (tails.length === 1) return tails[0]!;
  return {
    async read() {
      const out: Record<string, string> = {};
      for (const t of tails) for (const [pod, text] of Object.entries(await t.read().catch(() => ({})))) out[pod] = (out[pod] ?? '') + text;
      return out;
    },
  };
}

/** The EPP's inference_pool_ready_pods gauge over the run, for the autoscale claim's timeline and the report. */
function readyPodsSeries(metrics: MetricsEvidence): { t: number; value: number }[] | undefined {
  for (const source of metrics.sources) {
    for (const target of source.targets) {
      const g = target.gauges.find((x) => x.metric === 'inference_pool_ready_pods');
      if (g) return g.points.filter((p): p is [number, number] => p[1] !== null).map(([t, value]) => ({ t, value }));
    }
  }
  return undefined;
}
