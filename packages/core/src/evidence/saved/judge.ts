// `routebench judge`: a finished run folder judged again on evidence saved beside it — EPP logs, model-server
// pod logs, metric snapshots or a Prometheus range. Requests are re-attributed (response header, EPP log
// pick, vLLM request log, else the pod the run itself had found), the summary is rebuilt from the records,
// and the claims are evaluated by the same evaluateClaims() a live run calls, on a RunEvidence of the same
// shape: with the same evidence the verdict table is the same by construction. The run's files are
// rewritten in place (requests.jsonl, requests.csv, summary.json, pods.csv, timeseries.csv, verdicts.json,
// verdicts.md); what was there is kept: each record's earlier pod in `previousAttribution`, the earlier
// attribution, metrics and verdicts under summary.extra.judged.previous.
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RoutebenchError } from '../../errors.ts';
import { parseConfig } from '../../parse-config.ts';
import { evaluateClaims } from '../../claims/evaluate.ts';
import type { ClaimInput } from '../../claims/claim-outcome.ts';
import type { CacheState, PodRole, RunEvidence } from '../../claims/context.ts';
import { renderVerdictTable, type Verdict } from '../../claims/verdict.ts';
import { RequestRecordSchema, type RequestRecord } from '../../record/request-record.ts';
import { parseSummary, type Summary } from '../../record/summary.ts';
import { summarizeRecords } from '../../record/summarize-records.ts';
import { RUN_FILES, writeJsonAtomic, writeSummaryFiles } from '../../output/run-folder.ts';
import { jsonlIterable, readJsonl } from '../../output/jsonl.ts';
import { MetricsEvidenceSchema, type MetricsEvidence } from '../metrics-evidence.ts';
import { AttributionConfigSchema, orderSources, podFromHeaders, podSplit, VLLM_LOG_SOURCE, type AttributionConfigInput } from '../attribution/attribute.ts';
import { createEndpointResolver, type EndpointResolution } from '../attribution/endpoint-resolve.ts';
import { aliasesFromEvidence } from '../attribution/pod-identity.ts';
import { ambiguousWarning, indexEntries, placeFromVllmLog } from '../attribution/vllm-request-log.ts';
import { createPrometheusSource, PrometheusSourceSchema } from '../sources/prometheus.ts';
import { requestIdCandidates } from '../../upstream/vllm-logs.ts';
import { CALCULATED_SCORE, EPP_V, REQUEST_HANDLED } from '../../upstream/epp-logs.ts';
import { DEFAULT_LLMD_VERSION, type LlmdVersion } from '../../upstream/versions.ts';
import { assertReadableFile, readSavedEppLogs, readSavedPodLogs, type SavedEppLog, type SavedPodLogs } from './read-saved-logs.ts';
import { snapshotEvidence, type SnapshotSpec } from './snapshot-delta.ts';
import type { PodSplit } from '../attribution/split.ts';

export interface JudgePrometheus {
  url: string;
  /** Window (epoch ms); default the run's startedAt / endedAt. */
  fromMs?: number;
  toMs?: number;
  bearerTokenFile?: string;
  podLabel?: string;
  selector?: string;
}

export interface JudgeOptions {
  runDir: string;
  /** The scenario's claims, feature and mode (the CLI reads them from the run's scenario.json or --scenario). */
  claims: readonly ClaimInput[];
  feature: string;
  mode: string;
  /** Saved EPP logs (default: the run folder's epp.log when there is one). */
  eppLogs?: readonly string[];
  /** Folder of model-server pod logs (vLLM with --enable-log-requests), one file per pod. */
  podLogsDir?: string;
  metricsBefore?: readonly SnapshotSpec[];
  metricsAfter?: readonly SnapshotSpec[];
  prometheus?: JudgePrometheus;
  /** host:port (or name) → pod, beside the metrics targets' addresses. */
  aliases?: Record<string, string>;
  /** Which generation's log levels the Inconclusive reasons cite (readers accept every generation). */
  llmdVersion?: LlmdVersion;
  attribution?: Pick<AttributionConfigInput, 'headers' | 'eppLogFormat'>;
  /** Control runs' evidence by name (default: the run folder's controls/<name>/ folders, as saved). */
  controls?: Record<string, RunEvidence>;
}

export interface JudgeAttribution {
  sourcesUsed: string[];
  split: PodSplit | null;
  unattributed: number;
  placedBy: Record<string, number>;
  /** Endpoints the EPP log named that map to no pod: how many, and a few as logged with the reason. */
  unresolvedEndpoints: number;
  unresolvedSamples: Array<{ raw: string; how: string }>;
  /** How the EPP endpoints were turned into pods (shape → count). */
  endpointShapes: Record<string, number>;
  warnings?: string[];
}

export interface JudgeResult {
  verdicts: Verdict[];
  summary: Summary;
  attribution: JudgeAttribution;
  /** What the saved evidence lacked, each naming the file, flag or log level. */
  missing: string[];
  /** What was read (files, line counts), as written to summary.extra.judged. */
  inputs: Record<string, unknown>;
}

const V_CITE: Record<LlmdVersion, { handled: string; score: string }> = {
  'v0.7': { handled: 'GIE v1.4.0 pkg/epp/requestcontrol/director.go:304', score: 'GIE v1.4.0 pkg/epp/scheduling/scheduler_profile.go:166' },
  router: { handled: 'llm-d-router director.go:507', score: 'llm-d-router scheduler_profile.go:251' },
};

type Need = 'records' | 'attribution' | 'epp-scores' | 'pod-metrics' | 'epp-metrics';
/** The saved evidence each claim is decided on (claims/*.ts), to say what was missing when it is Inconclusive. */
const CLAIM_NEEDS: Record<string, readonly Need[]> = {
  'prefix-affinity': ['attribution'],
  'precise-prefix': ['attribution', 'epp-scores'],
  // Per-request capture is judged against random routing over the pods the records name (attribution).
  'prefix-cache-hit-rate': ['pod-metrics', 'attribution'],
  'queue-balance': ['epp-scores', 'attribution', 'pod-metrics'],
  'kv-utilization': ['epp-scores', 'attribution', 'pod-metrics'],
  'model-routing': ['attribution', 'pod-metrics'],
  autoscale: ['epp-metrics'],
  'pd-selective': ['epp-metrics', 'pod-metrics'],
  'pd-transfer': ['pod-metrics', 'epp-metrics'],
  'latency-slo': [],
};

export async function judgeRun(opts: JudgeOptions): Promise<JudgeResult> {
  const dir = opts.runDir;
  const version = opts.llmdVersion ?? DEFAULT_LLMD_VERSION;
  const config = parseConfig(AttributionConfigSchema, opts.attribution ?? {}, 'attribution config');
  const previous = readRunSummary(dir);
  // An aggregate-only import (routebench import of a Benchmark Report or of summary-only inference-perf output)
  // has the source's own figures and no requests: it is judged on what it has (metrics), its figures are kept
  // as they are (a summary rebuilt from no records would erase them), and every claim that needed requests says so.
  const aggregateOnly = previous.extra.aggregateOnly === true && !existsSync(join(dir, RUN_FILES.requests));
  const { raws, records, skipped } = aggregateOnly ? { raws: [], records: [], skipped: 0 } : await readRunRecords(dir);
  const ourIds = new Set(records.map((r) => r.requestId));
  const missing = new Map<Need, string[]>();
  const miss = (need: Need, why: string) => missing.set(need, [...(missing.get(need) ?? []), why]);
  if (aggregateOnly) {
    const from = (previous.extra.importedFrom as { tool?: string; files?: string[] } | undefined) ?? {};
    miss('records', `${dir} is an aggregate-only import${from.tool ? ` of ${from.tool} output` : ''} (no ${RUN_FILES.requests}): no request can be timed or attributed, only its metrics judged`);
  }

  // Every file named is checked before anything is read or queried.
  for (const f of opts.eppLogs ?? []) assertReadableFile(f, '--epp-log');

  // Metrics: snapshots, else a Prometheus range, else what the run scraped itself.
  if ((opts.metricsBefore?.length ?? 0) > 0 !== (opts.metricsAfter?.length ?? 0) > 0) {
    const given = opts.metricsBefore?.length ? '--metrics-before' : '--metrics-after';
    throw new RoutebenchError('RB_CONFIG_INVALID', `${given} needs its pair (--metrics-before FILE and --metrics-after FILE)`, { field: given });
  }
  const hasSnapshots = (opts.metricsBefore?.length ?? 0) > 0;
  if (hasSnapshots && opts.prometheus) throw new RoutebenchError('RB_CONFIG_INVALID', '--prometheus and --metrics-before/--metrics-after: give one source of metrics', { field: '--prometheus' });
  const startedMs = Date.parse(previous.meta.startedAt);
  const endedMs = Date.parse(previous.meta.endedAt);
  const savedMetrics = savedMetricsOf(previous);
  let metrics: MetricsEvidence | null;
  let metricsFrom: string;
  if (hasSnapshots) {
    for (const s of [...opts.metricsBefore!, ...opts.metricsAfter!]) assertReadableFile(s.file, opts.metricsBefore!.includes(s) ? '--metrics-before' : '--metrics-after');
    metrics = await snapshotEvidence({ before: opts.metricsBefore!, after: opts.metricsAfter!, beforeAtMs: startedMs, afterAtMs: endedMs });
    metricsFrom = `snapshots ${[...opts.metricsBefore!, ...opts.metricsAfter!].map((s) => s.file).join(', ')}`;
  } else if (opts.prometheus) {
    metrics = await prometheusEvidence(opts.prometheus, startedMs, endedMs);
    metricsFrom = `prometheus ${opts.prometheus.url}`;
  } else {
    metrics = savedMetrics;
    metricsFrom = metrics ? `${RUN_FILES.summary} (scraped during the run)` : 'none';
  }
  if (!metrics) miss('pod-metrics', 'no metrics: give --metrics-before FILE --metrics-after FILE, or --prometheus URL (the run scraped none)');
  else {
    const targets = metrics.sources.flatMap((s) => s.targets);
    const pods = targets.filter((t) => t.role !== 'epp' && t.name !== 'epp');
    const epps = targets.filter((t) => t.role === 'epp' || t.name === 'epp');
    if (pods.length === 0) miss('pod-metrics', `no model-server targets in the metrics (${metricsFrom})`);
    if (epps.length === 0) miss('epp-metrics', `no EPP target in the metrics (${metricsFrom}): add the EPP's /metrics to the snapshots (inference_pool_*, inference_extension_* families)`);
    for (const s of metrics.sources) for (const e of s.errors) miss(e.target && epps.some((t) => t.name === e.target) ? 'epp-metrics' : 'pod-metrics', e.message);
  }

  // Who is who: metrics targets' addresses and names, the deployment's pods, the user's aliases.
  const podRoles = (previous.extra.podRoles ?? {}) as Record<string, PodRole>;
  const podModels = previous.extra.podModels as Record<string, string[]> | undefined;
  const knownPods = new Set<string>([...Object.keys(podRoles), ...(metrics ? metrics.sources.flatMap((s) => s.targets.map((t) => t.name)) : [])]);
  // EPP logs: the flag's files, else the run folder's epp.log (the simulator writes one).
  const eppFiles = opts.eppLogs && opts.eppLogs.length > 0 ? [...opts.eppLogs] : existsSync(join(dir, 'epp.log')) ? [join(dir, 'epp.log')] : [];
  const epp: SavedEppLog | null = eppFiles.length > 0 ? await readSavedEppLogs(eppFiles, config.eppLogFormat, ourIds) : null;
  // The metrics' addresses and the user's aliases win over the pairs the EPP's own picker lines make.
  const addresses = { ...(epp?.learnedAddresses ?? {}), ...(metrics ? aliasesFromEvidence(metrics) : {}), ...config.aliases, ...(opts.aliases ?? {}) };
  const resolveEndpoint = createEndpointResolver({ addresses, pods: knownPods });
  const resolvePod = (raw: string) => resolveEndpoint(raw).pod;

  let pods: SavedPodLogs | null = null;
  if (opts.podLogsDir) pods = await readSavedPodLogs(opts.podLogsDir, ourIds, requestIdCandidates, knownPods);
  const vllm = pods ? indexEntries(pods.entries) : null;

  // Per record: header, EPP log pick, vLLM log, else what the run had found.
  const placedBy: Record<string, number> = {};
  const counts: Record<string, number> = {};
  const shapes: Record<string, number> = {};
  const unresolved: Array<{ raw: string; how: string }> = [];
  let unresolvedCount = 0;
  let unattributed = 0;
  let ambiguous = 0;
  const rewritten: Array<Record<string, unknown>> = [];
  const judged: RequestRecord[] = [];
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    // What the run itself found (a record judged before keeps it in previousAttribution).
    const before = r.previousAttribution ?? { pod: r.pod, podSource: r.podSource };
    const bare: RequestRecord = { ...r, pod: null, podSource: null };
    let placed = podFromHeaders(bare, config.headers, resolvePod);
    const pick = epp?.picks.get(r.requestId);
    let resolution: EndpointResolution | null = null;
    if (pick) {
      // The latest pick line that names a pod this run knows (a picker result names it, "Request handled" gives ip:port).
      for (let k = pick.raws.length - 1; k >= 0 && !resolution?.pod; k--) {
        const res = resolveEndpoint(pick.raws[k]);
        if (!resolution || res.pod) resolution = res;
      }
      resolution = resolution!;
      shapes[resolution.shape] = (shapes[resolution.shape] ?? 0) + 1;
      if (!resolution.pod) {
        unresolvedCount++;
        if (unresolved.length < 5) unresolved.push({ raw: resolution.raw.slice(0, 200), how: resolution.how });
      }
    }
    if (!placed && resolution?.pod) placed = { pod: resolution.pod, source: 'epp-log' };
    if (!placed && vllm) {
      const p = placeFromVllmLog(r.requestId, vllm, podRoles);
      if (p.kind === 'placed') placed = { pod: p.pod, source: VLLM_LOG_SOURCE };
      else if (p.kind === 'ambiguous') ambiguous++;
    }
    // Nothing saved places it, but the run did (a log read live, an imported record's pod): keep that.
    if (!placed && before.pod) placed = { pod: before.pod, source: before.podSource ?? 'record' };
    const out: RequestRecord = { ...r, pod: placed?.pod ?? null, podSource: placed?.source ?? null };
    if (placed) {
      placedBy[placed.source] = (placedBy[placed.source] ?? 0) + 1;
      counts[placed.pod] = (counts[placed.pod] ?? 0) + 1;
    } else unattributed++;
    judged.push(out);
    const raw = raws[i]!;
    rewritten.push({
      ...raw,
      pod: out.pod,
      podSource: out.podSource,
      previousAttribution: before,
    });
  }
  const finished = records.filter((r) => r.status === 'ok').length;
  const sources = new Set(Object.keys(placedBy));
  const split = podSplit({ counts, placed: records.length - unattributed, unplaced: unattributed, finished, sources, evidence: metrics, resolve: resolvePod });
  const warnings: string[] = [];
  if (epp && epp.pickLines > 0 && epp.picks.size === 0 && ourIds.size > 0) {
    warnings.push(`gateway replaced x-request-id: ${epp.files.join(', ')} has ${epp.pickLines} pick lines (${epp.foreignPickIds} request ids) but none carry this run's request ids`);
  }
  if (ambiguous > 0) warnings.push(ambiguousWarning(ambiguous));
  const attribution: JudgeAttribution = {
    sourcesUsed: orderSources([...sources]),
    split,
    unattributed,
    placedBy,
    unresolvedEndpoints: unresolvedCount,
    unresolvedSamples: unresolved,
    endpointShapes: shapes,
    ...(warnings.length ? { warnings } : {}),
  };

  // What the attribution and score evidence lacked, naming the file and the log level.
  const cite = V_CITE[version];
  if (unattributed > 0) {
    const why: string[] = [];
    if (!epp) why.push('no EPP log (--epp-log FILE)');
    else if (epp.pickLines === 0) {
      why.push(
        `${epp.files.join(', ')} has no "${REQUEST_HANDLED.msg}" lines: the EPP prints the picked endpoint at V(${REQUEST_HANDLED.v}) (${cite.handled}); ` +
          `this log's highest level is ${epp.maxVerbosity === null ? 'unknown (no zap lines)' : `V(${epp.maxVerbosity})`}; run the EPP with --v=${REQUEST_HANDLED.v} or more`,
      );
    } else if (epp.picks.size === 0) why.push(warnings[0]!);
    else if (unresolvedCount > 0) why.push(`${unresolvedCount} EPP endpoint(s) resolve to no pod (e.g. ${unresolved[0]!.raw}: ${unresolved[0]!.how})`);
    else why.push(`${epp.files.join(', ')} has no pick for ${unattributed} of this run's requests`);
    if (!pods) why.push('no pod logs (--pod-logs DIR)');
    else if (pods.requestLines === 0) why.push(`${opts.podLogsDir} has no vLLM request lines (vLLM logs them with --enable-log-requests)`);
    why.push(...(epp?.errors ?? []), ...(pods?.errors ?? []));
    miss('attribution', `${unattributed} of ${records.length} requests unattributed: ${why.join('; ')}`);
  }
  const scoreLines = epp ? epp.claimLines.filter((l) => l.includes(CALCULATED_SCORE.msg)).length : 0;
  if (!epp) miss('epp-scores', `no EPP log (--epp-log FILE) for the scorers' "${CALCULATED_SCORE.msg}" lines`);
  else if (scoreLines === 0 && epp.errors.length > 0) miss('epp-scores', `no "${CALCULATED_SCORE.msg}" lines read: ${epp.errors.join('; ')}`);
  else if (scoreLines === 0)
    miss(
      'epp-scores',
      `${epp.files.join(', ')} has no "${CALCULATED_SCORE.msg}" lines: they are logged at V(${EPP_V.DEBUG}) (${cite.score}); ` +
        `this log's highest level is ${epp.maxVerbosity === null ? 'unknown' : `V(${epp.maxVerbosity})`}`,
    );

  // The summary, rebuilt from the re-attributed records (per-pod dimensions and groups follow the new pods).
  const summary: Summary = aggregateOnly ? { ...previous, extra: { ...previous.extra } } : await summarizeRecords(judged, { ...previous.meta });
  const inputs = {
    at: new Date().toISOString(),
    llmdVersion: version,
    eppLogs: epp ? { files: epp.files, errors: epp.errors, lines: epp.lines, zapLines: epp.zapLines, otherLines: epp.otherLines, unparsableLines: epp.unparsableLines, pickLines: epp.pickLines, picksForThisRun: epp.picks.size, maxVerbosity: epp.maxVerbosity } : null,
    podLogs: pods ? { dir: opts.podLogsDir, files: pods.files, errors: pods.errors, lines: pods.lines, requestLines: pods.requestLines, otherLines: pods.otherLines } : null,
    metricsFrom,
    recordsSkipped: skipped,
  };
  const cacheState = previous.extra.cacheState as CacheState | undefined;
  summary.extra = {
    ...previous.extra,
    metrics,
    attribution,
    judged: {
      ...inputs,
      missing: [...missing.values()].flat(),
      previous: keepPrevious(previous, dir, metrics !== savedMetrics ? savedMetrics : undefined),
    },
  };

  const evidence: RunEvidence = {
    summary,
    metrics,
    attribution: { sourcesUsed: attribution.sourcesUsed, split },
    podRoles,
    ...(podModels && { podModels }),
    records: judged,
    ...(epp && { eppLog: epp.claimLines.join('\n') }),
    ...(cacheState && { cacheState }),
  };
  const controls = opts.controls ?? loadControlEvidence(dir);
  const verdicts = evaluateClaims(opts.claims, { feature: opts.feature, mode: opts.mode, main: evidence, controls }).map((v) => withMissing(v, missing));

  // Write: records first (atomically), then the files derived from them, then the verdicts.
  if (aggregateOnly) writeJsonAtomic(join(dir, RUN_FILES.summary), summary);
  else {
    const tmp = join(dir, `${RUN_FILES.requests}.tmp-${process.pid}`);
    writeFileSync(tmp, rewritten.map((r) => JSON.stringify(r)).join('\n') + (rewritten.length ? '\n' : ''));
    renameSync(tmp, join(dir, RUN_FILES.requests));
    await writeSummaryFiles(dir, summary);
  }
  // The same two files as a scenario run (scenarios runner/verdict-files.ts).
  writeJsonAtomic(join(dir, 'verdicts.json'), verdicts);
  writeFileSync(join(dir, 'verdicts.md'), `${renderVerdictTable(verdicts)}\n`);
  return { verdicts, summary, attribution, missing: [...missing.values()].flat(), inputs };
}

/** An Inconclusive verdict says which saved file or log level would have decided it. */
function withMissing(v: Verdict, missing: Map<Need, string[]>): Verdict {
  if (v.status !== 'Inconclusive') return v;
  const needs: readonly Need[] = ['records', ...(CLAIM_NEEDS[v.claim] ?? ['attribution', 'epp-scores', 'pod-metrics', 'epp-metrics'])];
  const notes = needs.flatMap((n) => missing.get(n) ?? []);
  return notes.length === 0 ? v : { ...v, details: `${v.details}; saved evidence: ${[...new Set(notes)].join('; ')}` };
}

function readRunSummary(dir: string): Summary {
  const file = join(dir, RUN_FILES.summary);
  if (!existsSync(file)) throw new RoutebenchError('RB_INPUT_INVALID', `${dir}: no ${RUN_FILES.summary} (is it a run folder? \`routebench summarize ${dir}\` rebuilds it from requests.jsonl)`, { field: 'RUN' });
  try {
    return parseSummary(JSON.parse(readFileSync(file, 'utf8')));
  } catch (e) {
    throw new RoutebenchError('RB_INPUT_INVALID', `${file}: ${(e as Error).message}`, { field: 'RUN', cause: e });
  }
}

/**
 * Every record line (the raw object, to write back with its fields intact) and its parsed form, read by the run
 * folder's tolerant JSONL reader; broken lines and lines that are not records are counted.
 */
async function readRunRecords(dir: string): Promise<{ raws: Array<Record<string, unknown>>; records: RequestRecord[]; skipped: number }> {
  const file = join(dir, RUN_FILES.requests);
  if (!existsSync(file)) throw new RoutebenchError('RB_INPUT_INVALID', `${dir}: no ${RUN_FILES.requests}`, { field: 'RUN' });
  const raws: Array<Record<string, unknown>> = [];
  const records: RequestRecord[] = [];
  let notRecords = 0;
  const reader = readJsonl<unknown>(file);
  for await (const obj of reader) {
    const r = RequestRecordSchema.safeParse(obj);
    if (!r.success) {
      notRecords++;
      continue;
    }
    raws.push(obj as Record<string, unknown>);
    records.push(r.data);
  }
  return { raws, records, skipped: reader.stats.skipped + notRecords };
}

function savedMetricsOf(summary: Summary): MetricsEvidence | null {
  const m = summary.extra.metrics;
  if (!m) return null;
  const r = MetricsEvidenceSchema.safeParse(m);
  return r.success ? r.data : null;
}

/** What a re-judging replaces, kept: the first judging keeps the live run's, later ones keep theirs too. */
function keepPrevious(previous: Summary, dir: string, replacedMetrics: MetricsEvidence | null | undefined): Record<string, unknown> {
  const prior = previous.extra.judged as { previous?: Record<string, unknown> } | undefined;
  let verdicts: unknown = undefined;
  try {
    if (existsSync(join(dir, 'verdicts.json'))) verdicts = JSON.parse(readFileSync(join(dir, 'verdicts.json'), 'utf8'));
  } catch {
    verdicts = undefined;
  }
  return {
    attribution: previous.extra.attribution ?? null,
    verdicts: verdicts ?? null,
    ...(replacedMetrics ? { metrics: replacedMetrics } : {}),
    ...(prior?.previous ? { earlier: prior.previous } : {}),
  };
}

async function prometheusEvidence(p: JudgePrometheus, startedMs: number, endedMs: number): Promise<MetricsEvidence> {
  const from = p.fromMs ?? startedMs;
  const to = p.toMs ?? endedMs;
  if (!(to > from)) throw new RoutebenchError('RB_CONFIG_INVALID', `--from/--to: the window must end after it starts`, { field: '--to' });
  const config = parseConfig(
    PrometheusSourceSchema,
    { kind: 'prometheus', url: p.url, ...(p.bearerTokenFile && { bearerTokenFile: p.bearerTokenFile }), ...(p.podLabel && { podLabel: p.podLabel }), ...(p.selector && { selector: p.selector }) },
    '--prometheus',
  );
  const source = await createPrometheusSource(config).collectWindow(from, to, (ms) => ms, { readAtEpochMs: to });
  return { schemaVersion: 1, startedAtEpochMs: from, window: { startMs: from, endMs: to }, intervalMs: 0, sources: [source] };
}

/** The run folder's control runs (controls/<name>/), on the evidence each saved. */
export function loadControlEvidence(dir: string): Record<string, RunEvidence> {
  const root = join(dir, 'controls');
  if (!existsSync(root)) return {};
  const out: Record<string, RunEvidence> = {};
  for (const name of readdirSync(root)) {
    const d = join(root, name);
    if (!statSync(d).isDirectory() || !existsSync(join(d, RUN_FILES.summary))) continue;
    out[name] = savedRunEvidence(d);
  }
  return out;
}

/** A run folder's evidence as its run saved it (summary.json's metrics and attribution, the records, epp.log). */
export function savedRunEvidence(dir: string): RunEvidence {
  const summary = readRunSummary(dir);
  const attribution = summary.extra.attribution as { sourcesUsed?: string[]; split?: PodSplit | null } | undefined;
  const eppLog = join(dir, 'epp.log');
  return {
    summary,
    metrics: savedMetricsOf(summary),
    attribution: attribution ? { sourcesUsed: attribution.sourcesUsed ?? [], split: attribution.split ?? null } : null,
    podRoles: (summary.extra.podRoles ?? {}) as Record<string, PodRole>,
    ...(summary.extra.podModels !== undefined && { podModels: summary.extra.podModels as Record<string, string[]> }),
    ...(existsSync(join(dir, RUN_FILES.requests)) && { records: jsonlIterable<RequestRecord>(join(dir, RUN_FILES.requests)) }),
    ...(existsSync(eppLog) && { eppLog: readFileSync(eppLog, 'utf8') }),
    ...(summary.extra.cacheState !== undefined && { cacheState: summary.extra.cacheState as CacheState }),
  };
}
