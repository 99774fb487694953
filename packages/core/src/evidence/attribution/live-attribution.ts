// Attribution while the run goes: each finished record is placed on its pod before it is recorded and
// written, so requests.jsonl, summary.json and the per-pod statistics are right the first time (nothing is
// re-read or rewritten afterwards). A record whose response named its pod (header) passes at once. One
// that did not waits for the EPP log line carrying its x-request-id: the logs are read incrementally every
// `pollMs`, and a record is held at most `holdMs` (or until the run's final read) before it is written
// unattributed. Memory is bounded by what is held (finish rate × holdMs) and by the picks seen in the log
// whose record has not finished yet (requests in flight, plus other clients' ids, which expire).
//
// Crash safety: a record held here when the process dies is lost (at most holdMs of finished requests);
// everything placed before is already on disk.
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import type { RequestRecord } from '../../record/request-record.ts';
import type { RecordPlacement } from '../../run-options.ts';
import type { MetricsEvidence } from '../metrics-evidence.ts';
import { parseConfig } from '../../parse-config.ts';
import { AttributionConfigSchema, orderSources, podFromHeaders, podSplit, VLLM_LOG_SOURCE as VLLM_LOG, type AttributionConfigInput } from './attribute.ts';
import { parseEppLog } from './epp-log.ts';
import { ambiguousWarning, parseVllmRequestLogs, placeFromVllmLog, type VllmLeg } from './vllm-request-log.ts';
import { aliasesFromEvidence, createPodResolver } from './pod-identity.ts';
import { createEndpointResolver } from './endpoint-resolve.ts';
import type { PodSplit } from './split.ts';

/** A log read piece by piece: each read() returns the complete lines added since the previous one. */
export interface LogTail {
  read(): Promise<string>;
}

/** Tail a file the EPP appends to (the simulator's log). A missing file reads as empty until it appears. */
export function fileTail(path: string): LogTail {
  let offset = 0;
  let partial = '';
  return {
    async read() {
      let fd: number;
      try {
        fd = openSync(path, 'r');
      } catch {
        return '';
      }
      try {
        const size = fstatSync(fd).size;
        if (size < offset) offset = 0; // truncated / rotated: start over
        if (size === offset) return '';
        const buf = Buffer.allocUnsafe(size - offset);
        let got = 0;
        while (got < buf.length) {
          const n = readSync(fd, buf, got, buf.length - got, offset + got);
          if (n === 0) break;
          got += n;
        }
        offset += got;
        const text = partial + buf.subarray(0, got).toString('utf8');
        const cut = text.lastIndexOf('\n');
        partial = cut < 0 ? text : text.slice(cut + 1);
        return cut < 0 ? '' : text.slice(0, cut + 1);
      } finally {
        closeSync(fd);
      }
    },
  };
}

/**
 * Tail logs that can only be fetched whole (the Kubernetes log API, per pod): each read returns what each
 * pod's log gained since the last fetch. A log that was replaced (container restarted) is taken whole.
 */
export function snapshotTail(fetch: () => Promise<ReadonlyArray<{ pod: string; text: string }>>): LogTail {
  // Per pod: how far we have read, and the text just before that point. A log whose text there differs was
  // replaced (container restarted, log rotated) and is read from its start.
  const seen = new Map<string, { end: number; tail: string }>();
  return {
    async read() {
      const logs = await fetch().catch(() => []);
      let out = '';
      for (const l of logs) {
        const prev = seen.get(l.pod);
        const end = l.text.lastIndexOf('\n') + 1;
        const continues = prev !== undefined && end >= prev.end && l.text.slice(Math.max(0, prev.end - 128), prev.end) === prev.tail;
        out += l.text.slice(continues ? prev.end : 0, end);
        seen.set(l.pod, { end, tail: l.text.slice(Math.max(0, end - 128), end) });
      }
      return out;
    },
  };
}

/** Per-pod logs read piece by piece (vLLM pods): each read() returns pod → the complete lines added since the last. */
export interface PodLogsTail {
  read(): Promise<Record<string, string>>;
}

/** Tail one file per pod (the simulator's pod logs): pod name → path. */
export function podFileTails(paths: Readonly<Record<string, string>>): PodLogsTail {
  const tails = Object.entries(paths).map(([pod, path]) => [pod, fileTail(path)] as const);
  return {
    async read() {
      const out: Record<string, string> = {};
      for (const [pod, t] of tails) out[pod] = await t.read().catch(() => '');
      return out;
    },
  };
}

/** Per-pod form of snapshotTail (the Kubernetes log API): what each pod's log gained since the last fetch. */
export function podSnapshotTail(fetch: () => Promise<ReadonlyArray<{ pod: string; text: string }>>): PodLogsTail {
  const perPod = new Map<string, LogTail>();
  let latest: ReadonlyArray<{ pod: string; text: string }> = [];
  return {
    async read() {
      latest = await fetch().catch(() => []);
      const out: Record<string, string> = {};
      for (const l of latest) {
        let t = perPod.get(l.pod);
        if (!t) perPod.set(l.pod, (t = snapshotTail(async () => latest.filter((x) => x.pod === l.pod))));
        out[l.pod] = await t.read();
      }
      return out;
    },
  };
}

export interface LiveAttributionOptions extends AttributionConfigInput {
  tails?: readonly LogTail[];
  /** vLLM pods' logs with request logging on (`--enable-log-requests`): attribution path `vllm-log`. */
  podLogs?: PodLogsTail;
  /** pod → role: tells the P/D prefill leg from the serving pod when both logged an id. */
  podRoles?: Readonly<Record<string, string>>;
  /** How often the logs are read while records wait (default 250 ms). */
  pollMs?: number;
  /** Longest a record waits for its log line before it is written unattributed (default 3000 ms). */
  holdMs?: number;
  /** host:port → pod name known so far (e.g. the collector's discovered targets); read on every placement. */
  addresses?: () => Record<string, string>;
}

/** What the run's attribution found (bounded: counts, not a per-request map; the pods are on the records). */
export interface AttributionSummary {
  /** Every source that placed a request or gave the split, strongest first. */
  sourcesUsed: string[];
  /** Requests per pod: from the records when every one was placed, else from counters. */
  split: PodSplit | null;
  /** Records no per-request source could place. */
  unattributed: number;
  /** Records placed, per source (`header:<name>`, `epp-log`, `record`). */
  placedBy: Record<string, number>;
  /** Records that waited for the EPP log, and how many lines of it were read. */
  heldForLog: number;
  eppLogLines: number;
  /** e.g. "gateway replaced x-request-id": the log had picks, none for our ids. */
  warnings?: string[];
}

export interface LiveAttribution extends RecordPlacement {
  /** After the run: the attribution summary, with the counter-based split when records were left unplaced. */
  summarize(evidence: MetricsEvidence | null): AttributionSummary;
}

/** Most picks remembered for records that have not finished yet (other clients' ids would grow it forever). */
const MAX_PENDING_PICKS = 200_000;

/** A finished record waiting for its log line; emptied when it leaves (see `release`). */
interface HeldRecord {
  record: RequestRecord | null;
  done: ((r: RequestRecord) => void) | null;
  until: number;
}

export function createLiveAttribution(input: LiveAttributionOptions = {}): LiveAttribution {
  const { tails = [], podLogs, podRoles = {}, pollMs = 250, holdMs = 3000, addresses, ...configInput } = input;
  const hasLogs = tails.length > 0 || podLogs !== undefined;
  const config = parseConfig(AttributionConfigSchema, configInput, 'attribution config');
  const resolver = () => createPodResolver({ ...(addresses?.() ?? {}), ...config.aliases });
  let resolve = resolver();
  /** EPP picks whose endpoint named no pod this run knows (endpoint-resolve.ts), and one of them with the reason. */
  let unresolvedPicks = 0;
  let unresolvedSample: string | null = null;

  const picks = new Map<string, string>();
  const held = new Map<string, HeldRecord>();
  // Out of `held`, then emptied before the record goes on: a Map that churns an entry per request leaves retired
  // hash tables that still hold their entries (V8's OrderedHashTable::Rehash; see client/slot-list.ts), and
  // after a full GC those dead tables kept every record they had held alive through scavenges.
  // Emptied, an entry keeps nothing but itself.
  const release = (rid: string, h: HeldRecord, pod: string | null, source: string | null) => {
    held.delete(rid);
    const { record, done } = h;
    h.record = null;
    h.done = null;
    done!(emit(record!, pod, source));
  };
  const placedBy: Record<string, number> = {};
  const counts: Record<string, number> = {};
  let unattributed = 0;
  let heldForLog = 0;
  let eppLogLines = 0;
  /** Picks read from the log (any request id): with none of ours among them the gateway rewrote our ids. */
  let picksRead = 0;
  /** vLLM pod logs: client id candidate → pod → P/D leg, and how many request lines were read. */
  const vllmIds = new Map<string, Map<string, VllmLeg>>();
  let vllmLinesRead = 0;
  let ambiguous = 0;
  let finishedOk = 0;
  let timer: NodeJS.Timeout | null = null;
  let reading: Promise<void> = Promise.resolve();

  const emit = (record: RequestRecord, pod: string | null, source: string | null): RequestRecord => {
    if (record.status === 'ok') finishedOk++;
    if (pod && source) {
      placedBy[source] = (placedBy[source] ?? 0) + 1;
      counts[pod] = (counts[pod] ?? 0) + 1;
    } else unattributed++;
    return pod && !record.pod ? { ...record, pod, podSource: source } : record;
  };

  const readLogs = () => {
    reading = reading.then(async () => {
      const texts = await Promise.all(tails.map((t) => t.read().catch(() => '')));
      for (const text of texts) {
        if (!text) continue;
        const parsed = parseEppLog(text, config.eppLogFormat);
        eppLogLines += parsed.jsonLines;
        for (const [rid, ep] of parsed.picks) picks.set(rid, ep);
        picksRead += parsed.picks.size;
      }
      if (podLogs) {
        const deltas = await podLogs.read().catch(() => ({}));
        const parsed = parseVllmRequestLogs(deltas);
        vllmLinesRead += parsed.entries.length;
        for (const [id, pods] of parsed.byId) {
          const known = vllmIds.get(id);
          if (!known) vllmIds.set(id, pods);
          else for (const [pod, leg] of pods) if (!known.has(pod) || (known.get(pod) === null && leg !== null)) known.set(pod, leg);
        }
        while (vllmIds.size > MAX_PENDING_PICKS) vllmIds.delete(vllmIds.keys().next().value!);
      }
      // Oldest first (Map order): drop picks no record of ours claimed once the map is past its bound.
      while (picks.size > MAX_PENDING_PICKS) picks.delete(picks.keys().next().value!);
      resolve = resolver();
      settle(false);
    });
    return reading;
  };

  /** The pod the log named for this request id (the pick is consumed), or null. */
  const takePick = (rid: string): string | null => {
    const ep = picks.get(rid);
    if (ep === undefined) return null;
    picks.delete(rid);
    const pod = resolve(ep);
    if (pod === null) {
      unresolvedPicks++;
      unresolvedSample ??= `${ep}: ${createEndpointResolver({ addresses: { ...(addresses?.() ?? {}), ...config.aliases } })(ep).how}`;
    }
    return pod;
  };

  /** The pod whose vLLM log has this id (not the P/D prefill leg), consumed; null when absent or ambiguous. */
  const takeVllm = (rid: string, final: boolean): string | null => {
    const placed = placeFromVllmLog(rid, { byId: vllmIds }, podRoles);
    if (placed.kind === 'ambiguous' && final) ambiguous++;
    if (placed.kind !== 'placed') return null;
    vllmIds.delete(rid);
    return resolve(placed.pod);
  };

  const settle = (final: boolean) => {
    const now = performance.now();
    for (const [rid, h] of held) {
      const fromEpp = takePick(rid);
      const expired = final || now >= h.until;
      // Both P/D legs are logged before the response ends; still, a lagging log may show one leg only,
      // so the vLLM path places a record as soon as its serving pod is unambiguous.
      const fromVllm = fromEpp ? null : takeVllm(rid, expired);
      if (fromEpp || fromVllm) release(rid, h, fromEpp ?? fromVllm, fromEpp ? 'epp-log' : VLLM_LOG);
      else if (expired) release(rid, h, null, null);
    }
    if (held.size === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
  };

  return {
    place(record, done) {
      const fromHeader = podFromHeaders(record, config.headers, resolve);
      const own = record.pod ? { pod: record.pod, source: record.podSource ?? 'record' } : null;
      const placed = fromHeader ?? own;
      if (placed || !hasLogs) {
        picks.delete(record.requestId);
        vllmIds.delete(record.requestId);
        done(emit(record, placed?.pod ?? null, placed?.source ?? null));
        return;
      }
      const pod = takePick(record.requestId);
      if (pod) {
        done(emit(record, pod, 'epp-log'));
        return;
      }
      const vllmPod = takeVllm(record.requestId, false);
      if (vllmPod) {
        done(emit(record, vllmPod, VLLM_LOG));
        return;
      }
      heldForLog++;
      held.set(record.requestId, { record, done, until: performance.now() + holdMs });
      timer ??= setInterval(() => void readLogs(), pollMs);
    },
    async flush() {
      // Log lines arrive after the response (a log shipper's lag, a buffered write): keep reading until every
      // held record found its line or waited its holdMs, then release what is left.
      const deadline = performance.now() + holdMs + pollMs;
      while (hasLogs && held.size > 0 && performance.now() < deadline) {
        await readLogs();
        if (held.size > 0) await new Promise((r) => setTimeout(r, Math.min(pollMs, 50)));
      }
      settle(true);
    },
    summarize(evidence) {
      const sourcesUsed = new Set(Object.keys(placedBy));
      const placed = Object.values(placedBy).reduce((a, b) => a + b, 0);
      const resolveForCounters = createPodResolver({ ...(evidence ? aliasesFromEvidence(evidence) : {}), ...config.aliases });
      const split = podSplit({ counts, placed, unplaced: unattributed, finished: finishedOk, sources: sourcesUsed, evidence, resolve: resolveForCounters });
      // Path (c) check: picks appeared but none matched a record that waited for one (envoyproxy/gateway#3225).
      const replaced = heldForLog > 0 && picksRead > 0 && !placedBy['epp-log'];
      const warnings = replaced ? [`gateway replaced x-request-id: the EPP log had "Request handled" picks but none carry this run's request ids`] : [];
      // The same check on the vLLM pod logs: request lines were read, none placed a record that waited.
      if (heldForLog > 0 && vllmLinesRead > 0 && !placedBy[VLLM_LOG] && !placedBy['epp-log']) {
        warnings.push(`gateway replaced x-request-id: the vLLM pod logs had ${vllmLinesRead} request lines but none carry this run's request ids`);
      }
      if (ambiguous > 0) warnings.push(ambiguousWarning(ambiguous));
      // An endpoint the metrics know no pod by is said, not turned into a pod named after the address.
      if (unresolvedPicks > 0) warnings.push(`${unresolvedPicks} EPP pick(s) name an endpoint no pod is known by, left unattributed (e.g. ${unresolvedSample})`);
      return { sourcesUsed: orderSources([...sourcesUsed]), split, unattributed, placedBy: { ...placedBy }, heldForLog, eppLogLines, ...(warnings.length ? { warnings } : {}) };
    },
  };
}
