// Metric deltas from saved snapshots: Prometheus text exposition files taken before and after a run
// (`curl <pod>/metrics > before.prom`, a Prometheus `/federate` dump, or saveMetricsSnapshot below). The
// deltas are computed by the live collector itself (evidence/collector.ts, fed through a ScrapeSource that
// serves the before file, then the after file), so a judged run's counters are the numbers a live run with
// the same two scrapes would have had.
//
// Which target a series belongs to:
//  - `NAME=FILE` (or `NAME@HOST:PORT=FILE`): the whole file is target NAME (at HOST:PORT);
//  - a plain FILE whose series carry a `pod` label (the label kube-prometheus and saveMetricsSnapshot put on
//    every series; a /federate dump keeps it): one target per `pod` value, its address from the `instance`
//    label (Prometheus sets `instance` to the scrape address, i.e. the pod's ip:port —
//    https://prometheus.io/docs/concepts/jobs_instances/). Both labels are removed from the series;
//  - otherwise the file is one target named after the file (`agg-0.prom` → agg-0).
// A target whose families are the EPP's (inference_pool_*, inference_extension_*, …) or that is named `epp`
// has role `epp`, as the Prometheus source decides (sources/prometheus.ts isEppMetric).
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { RoutebenchError } from '../../errors.ts';
import { startCollector } from '../collector.ts';
import { canonicalMetricName } from '../metric-names.ts';
import type { MetricsEvidence } from '../metrics-evidence.ts';
import { parsePrometheusText, PromParseError, type PromFamily, type PromSample } from '../prom-parse.ts';
import type { ScrapeSource, ScrapeTarget } from '../sources/scrape-source.ts';
import { isEppMetric } from '../sources/prometheus.ts';
import { createStaticSource, StaticSourceSchema } from '../sources/static.ts';
import { parseConfig } from '../../parse-config.ts';
import type { z } from 'zod';

export interface SnapshotSpec {
  file: string;
  /** Target name for the whole file; absent: split by the `pod` label, else named after the file. */
  target?: string;
  /** host:port of that target. */
  address?: string;
}

/** `[NAME[@HOST:PORT]=]FILE`. */
export function parseSnapshotSpec(arg: string): SnapshotSpec {
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)(?:@([^=\s]+:\d+))?=(.+)$/.exec(arg);
  if (m) return { target: m[1]!, ...(m[2] ? { address: m[2] } : {}), file: m[3]! };
  return { file: arg };
}

/** Labels Prometheus attaches to name the scrape target, taken off the series when a file is split by pod. */
export const TARGET_LABELS = { pod: 'pod', instance: 'instance' } as const;

export interface SnapshotTarget {
  name: string;
  address?: string;
  role?: string;
  families: PromFamily[];
  file: string;
}

/** One phase's files → targets (name → families). Errors name the flag and file. */
export function readSnapshotFiles(specs: readonly SnapshotSpec[], flag: string): Map<string, SnapshotTarget> {
  const out = new Map<string, SnapshotTarget>();
  for (const spec of specs) {
    let text: string;
    try {
      const buf = readFileSync(spec.file);
      text = (buf[0] === 0x1f && buf[1] === 0x8b ? gunzipSync(buf) : buf).toString('utf8');
    } catch (e) {
      throw new RoutebenchError('RB_INPUT_INVALID', `${flag} ${spec.file}: cannot be read (${(e as Error).message})`, { field: flag, cause: e });
    }
    let families: PromFamily[];
    try {
      families = parsePrometheusText(text).families;
    } catch (e) {
      const why = e instanceof PromParseError ? e.message : String(e);
      throw new RoutebenchError('RB_INPUT_INVALID', `${flag} ${spec.file}: not Prometheus text exposition (${why})`, { field: flag, cause: e });
    }
    if (families.length === 0) throw new RoutebenchError('RB_INPUT_INVALID', `${flag} ${spec.file}: no metric families`, { field: flag });
    const add = (name: string, address: string | undefined, fams: PromFamily[]) => {
      if (out.has(name)) throw new RoutebenchError('RB_INPUT_INVALID', `${flag}: target ${name} appears in ${out.get(name)!.file} and ${spec.file}`, { field: flag });
      const role = name === 'epp' || fams.some((f) => isEppMetric(canonicalMetricName(f.name, f.type))) ? 'epp' : undefined;
      out.set(name, { name, ...(address ? { address } : {}), ...(role ? { role } : {}), families: fams, file: spec.file });
    };
    const byPod = spec.target === undefined && families.some((f) => f.samples.some((s) => s.labels[TARGET_LABELS.pod] !== undefined));
    if (!byPod) {
      add(spec.target ?? targetNameOfFile(spec.file), spec.address, families);
      continue;
    }
    const split = new Map<string, { address?: string; families: Map<string, PromFamily> }>();
    for (const f of families) {
      for (const s of f.samples) {
        const pod = s.labels[TARGET_LABELS.pod];
        if (pod === undefined) continue; // a series no target claims (Prometheus's own, a recording rule)
        const { [TARGET_LABELS.pod]: _p, [TARGET_LABELS.instance]: instance, ...labels } = s.labels;
        let t = split.get(pod);
        if (!t) split.set(pod, (t = { families: new Map() }));
        if (instance && !t.address) t.address = instance;
        let fam = t.families.get(f.name);
        if (!fam) t.families.set(f.name, (fam = { ...f, samples: [] }));
        fam.samples.push({ ...s, labels });
      }
    }
    for (const [pod, t] of split) add(pod, t.address, [...t.families.values()]);
  }
  return out;
}

/** `snap/agg-0.prom.gz` → agg-0. */
function targetNameOfFile(file: string): string {
  let base = basename(file);
  for (;;) {
    const next = base.replace(/\.(gz|prom|txt|metrics|om)$/i, '');
    if (next === base) return base;
    base = next;
  }
}

/** Families back to 0.0.4 text (what the collector's scrape returns). Timestamps are dropped: the phase is the time. */
export function formatExposition(families: readonly PromFamily[]): string {
  const lines: string[] = [];
  for (const f of families) {
    if (f.help !== undefined) lines.push(`# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    if (f.type !== 'untyped') lines.push(`# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) lines.push(formatSample(s));
  }
  return lines.join('\n') + '\n';
}

function formatSample(s: PromSample): string {
  const labels = Object.entries(s.labels)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`)
    .join(',');
  const value = Number.isNaN(s.value) ? 'NaN' : s.value === Infinity ? '+Inf' : s.value === -Infinity ? '-Inf' : String(s.value);
  return `${s.name}${labels ? `{${labels}}` : ''} ${value}`;
}

export interface SnapshotEvidenceInput {
  before: readonly SnapshotSpec[];
  after: readonly SnapshotSpec[];
  /** Epoch ms of the two snapshots (the run's start and end): the gauge points' times. */
  beforeAtMs: number;
  afterAtMs: number;
}

/**
 * MetricsEvidence from a before and an after snapshot, through the collector. A target present in one phase
 * only has a scrape error naming the file it is missing from, so claims that need it say so (Inconclusive).
 */
export async function snapshotEvidence(input: SnapshotEvidenceInput): Promise<MetricsEvidence> {
  const before = readSnapshotFiles(input.before, '--metrics-before');
  const after = readSnapshotFiles(input.after, '--metrics-after');
  const names = [...new Set([...before.keys(), ...after.keys()])];
  const targets: ScrapeTarget[] = names.map((name) => {
    const t = before.get(name) ?? after.get(name)!;
    const address = before.get(name)?.address ?? after.get(name)?.address;
    const role = before.get(name)?.role ?? after.get(name)?.role;
    return { name, ...(address ? { address } : {}), ...(role ? { role } : {}), url: `file:${after.get(name)?.file ?? t.file}` };
  });
  let phase: 'before' | 'after' = 'before';
  const files = (specs: readonly SnapshotSpec[]) => specs.map((s) => s.file).join(', ');
  const source: ScrapeSource = {
    kind: 'static',
    name: 'snapshots',
    discover: async () => targets,
    async scrape(target) {
      const set = phase === 'before' ? before : after;
      const t = set.get(target.name);
      if (!t) throw new Error(`target ${target.name} is in no --metrics-${phase} file (${files(phase === 'before' ? input.before : input.after)})`);
      return formatExposition(t.families);
    },
  };
  let clock = input.beforeAtMs;
  // The longest timer the collector takes: no sample is scraped between the two snapshots.
  const collector = await startCollector({ sources: [], intervalMs: 2 ** 31 - 1 }, { now: () => clock, scrapeSources: [source] });
  phase = 'after';
  clock = input.afterAtMs;
  const evidence = await collector.stop();
  return { ...evidence, startedAtEpochMs: input.beforeAtMs, window: { startMs: input.beforeAtMs, endMs: input.afterAtMs } };
}

/**
 * Save one exposition of every target of a static source (pods and the EPP, bearer tokens applied), each
 * series labelled `pod="<target>"` and `instance="<host:port>"` as Prometheus labels a scraped series: the
 * file `routebench judge --metrics-before/--metrics-after` reads back. Families keep their TYPE.
 */
export async function saveMetricsSnapshot(sourceInput: z.input<typeof StaticSourceSchema>): Promise<string> {
  const config = parseConfig(StaticSourceSchema, sourceInput, 'metrics snapshot source');
  const source = createStaticSource(config);
  const merged = new Map<string, PromFamily>();
  for (const target of await source.discover()) {
    let fams: PromFamily[];
    try {
      fams = parsePrometheusText(await source.scrape(target)).families;
    } catch (e) {
      const message = source.redact ? await source.redact(target, (e as Error).message) : (e as Error).message;
      throw new RoutebenchError('RB_TARGET_UNREACHABLE', `metrics of ${target.name} (${target.url}): ${message}`, { field: target.name });
    }
    for (const f of fams) {
      let m = merged.get(f.name);
      if (!m) merged.set(f.name, (m = { ...f, samples: [] }));
      for (const s of f.samples) m.samples.push({ ...s, labels: { ...s.labels, [TARGET_LABELS.pod]: target.name, ...(target.address ? { [TARGET_LABELS.instance]: target.address } : {}) } });
    }
  }
  return formatExposition([...merged.values()]);
}
