// Saved logs, read the way a user has them: a file per EPP replica or one `kubectl logs` dump, a folder of
// model-server pod logs, gzip or not (told by the magic bytes 1f 8b, RFC 1952 §2.3.1, never by the name),
// with or without `kubectl logs --prefix/--timestamps` or the CRI file form (log-line.ts strips those),
// zap JSON lines mixed with console-encoded and plain-text lines. Files are streamed line by line: memory
// holds the picks for this run's request ids and the EPP lines the claims read, not the file. A line no
// reader knows is counted and skipped; a file that cannot be opened is reported, never thrown past the judge.
import { createReadStream, openSync, readSync, closeSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { RoutebenchError } from '../../errors.ts';
import { unwrapLogLine } from '../../upstream/log-line.ts';
import { CALCULATED_SCORE, EPP_REQUEST_ID_KEY, GOT_ENDPOINT_SCORES, parseZapText, PICKER_RESULT, REQUEST_HANDLED } from '../../upstream/epp-logs.ts';
import { eppPickOf, type EppLogFormat } from '../attribution/epp-log.ts';
import { parseVllmLogLine, type VllmLogEntry } from '../attribution/vllm-request-log.ts';

/** Whether a file starts with gzip's magic bytes. */
export function isGzipFile(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(2);
    return readSync(fd, b, 0, 2, 0) === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** The lines of a file (gunzipped when it is gzip), streamed. */
export async function* readLines(path: string): AsyncGenerator<string> {
  let stream: Readable = createReadStream(path);
  if (isGzipFile(path)) stream = stream.pipe(createGunzip());
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const line of rl) yield line;
  } finally {
    rl.close();
    stream.destroy();
  }
}

/** readLines that stops at a read error (a cut-off gzip member, an I/O error) and says so instead of throwing. */
async function* readLinesTolerant(path: string, errors: string[]): AsyncGenerator<string> {
  try {
    for await (const line of readLines(path)) yield line;
  } catch (e) {
    errors.push(`${path}: unreadable past some point (${(e as Error).message}); the lines before it were read`);
  }
}

/** A file named on the command line must exist and be a file (the error names the flag). */
export function assertReadableFile(path: string, flag: string): void {
  let ok = false;
  try {
    ok = statSync(path).isFile();
  } catch {
    ok = false;
  }
  if (!ok) throw new RoutebenchError('RB_INPUT_INVALID', `${flag} ${path}: no such file`, { field: flag });
}

/** Messages of the EPP lines the claims read (scorer-picks.ts, precise-scores.ts), kept for them. */
const CLAIM_MESSAGES = new Set<string>([CALCULATED_SCORE.msg, GOT_ENDPOINT_SCORES.msg, REQUEST_HANDLED.msg, PICKER_RESULT.msg]);

/** Lines of other request ids kept for the claims, at most (~100 MB of score lines). */
const MAX_FOREIGN_CLAIM_LINES = 250_000;

export interface SavedEppPick {
  /** The endpoint as each pick line of the request logged it (a string or an object), in log order. */
  raws: unknown[];
  /** parseEppLog's reading of the last one. */
  endpoint: string;
  prefill: string | null;
  file: string;
}

export interface SavedEppLog {
  files: string[];
  lines: number;
  /** Zap lines (JSON or console) parsed. */
  zapLines: number;
  /** Lines that looked like zap but did not parse (cut off, garbled). */
  unparsableLines: number;
  /** Other lines (plain text, startup banners, blank): skipped. */
  otherLines: number;
  /** Pick lines ("Request handled" / picker result) read, any request id. */
  pickLines: number;
  /** request id → pick, for this run's ids only (the last pick logged wins, as parseEppLog). */
  picks: Map<string, SavedEppPick>;
  /** Distinct request ids with a pick that are not this run's (another client, or a gateway that replaced our ids). */
  foreignPickIds: number;
  /** Highest logr V-level seen on a zap line (logr V(n) is zap level −n; info = 0), null when none had a level. */
  maxVerbosity: number | null;
  /** The lines the claims read (score, pick and handled lines of this run's ids; all of them when none carried ours). */
  claimLines: string[];
  /**
   * ip:port → pod, as the EPP's own picker lines pair them: each result element carries PodName (or a
   * NamespacedName "<pod>-rank-<N>") beside Address and Port (GIE EndpointMetadata, datalayer/endpoint_metadata.go).
   */
  learnedAddresses: Record<string, string>;
  /** Files that could not be read to the end, with why. */
  errors: string[];
}

/** logr V-level of a zap level field: "info" 0, "debug" 1, "Level(-n)" n (JSON); upper case in the console encoding. */
export function verbosityOfZapLevel(level: unknown): number | null {
  if (typeof level !== 'string') return null;
  const l = level.toLowerCase();
  if (l === 'info') return 0;
  if (l === 'debug') return 1;
  const m = /^level\((-?\d+)\)$/.exec(l);
  if (m) return -Number(m[1]);
  return null; // warn, error…: not a V-level
}

export async function readSavedEppLogs(files: readonly string[], format: EppLogFormat, ourIds: ReadonlySet<string>): Promise<SavedEppLog> {
  const out: SavedEppLog = {
    files: [...files],
    lines: 0,
    zapLines: 0,
    unparsableLines: 0,
    otherLines: 0,
    pickLines: 0,
    picks: new Map(),
    foreignPickIds: 0,
    maxVerbosity: null,
    claimLines: [],
    learnedAddresses: {},
    errors: [],
  };
  const foreign = new Set<string>();
  const foreignClaimLines: string[] = [];
  for (const file of files) {
    for await (const rawLine of readLinesTolerant(file, out.errors)) {
      out.lines++;
      const line = unwrapLogLine(rawLine).text.trim();
      if (!line.startsWith('{') && !line.includes('\t')) {
        out.otherLines++;
        continue;
      }
      const obj = parseZapText(line);
      if (!obj) {
        // A tab-separated line that is not zap console output is plain text, a '{' line that is not JSON is cut off.
        if (line.startsWith('{')) out.unparsableLines++;
        else out.otherLines++;
        continue;
      }
      out.zapLines++;
      const v = verbosityOfZapLevel(obj.level ?? consoleLevel(line));
      if (v !== null && (out.maxVerbosity === null || v > out.maxVerbosity)) out.maxVerbosity = v;
      const id = obj[EPP_REQUEST_ID_KEY];
      const ours = typeof id === 'string' && ourIds.has(id);
      if (typeof obj.msg === 'string' && CLAIM_MESSAGES.has(obj.msg)) {
        if (ours) out.claimLines.push(line);
        // Kept only in case none is ours (then the claims read every line, as a live run reads the file); bounded.
        else if (foreignClaimLines.length < MAX_FOREIGN_CLAIM_LINES) foreignClaimLines.push(line);
      }
      const pick = eppPickOf(obj, format);
      if (!pick) continue;
      out.pickLines++;
      learnAddress(pick.raw, out.learnedAddresses);
      if (ourIds.has(pick.requestId)) {
        const prev = out.picks.get(pick.requestId);
        // Each request has a few pick lines (picker result, "Request handled"): bounded by the run.
        out.picks.set(pick.requestId, { raws: [...(prev?.raws ?? []), pick.raw], endpoint: pick.endpoint, prefill: pick.prefill, file });
      } else foreign.add(pick.requestId);
    }
  }
  out.foreignPickIds = foreign.size;
  // None of the lines carried our ids (a gateway replaced them): the claims get every line, as a live run reads the file.
  if (out.claimLines.length === 0) out.claimLines = foreignClaimLines;
  return out;
}

/** A picker result element names its pod and its address together: remember the pair. */
function learnAddress(raw: unknown, into: Record<string, string>): void {
  if (!raw || typeof raw !== 'object') return;
  const o = raw as Record<string, unknown>;
  const address = o.Address ?? o.address;
  const port = o.Port ?? o.port;
  if (typeof address !== 'string' || address === '' || (typeof port !== 'string' && typeof port !== 'number') || port === '') return;
  const nn = o.NamespacedName as Record<string, unknown> | string | undefined;
  const nnName = typeof nn === 'string' ? nn.slice(nn.lastIndexOf('/') + 1) : typeof nn?.Name === 'string' ? nn.Name : typeof nn?.name === 'string' ? nn.name : '';
  const pod = typeof o.PodName === 'string' && o.PodName !== '' ? o.PodName : nnName.replace(/-rank-\d+$/, '');
  if (pod) into[`${address.includes(':') ? `[${address}]` : address}:${port}`] = pod;
}

/** The level column of a zap console line (`ts\tLEVEL\t…`). */
function consoleLevel(line: string): string | undefined {
  if (line.startsWith('{')) return undefined;
  return line.split('\t')[1];
}

export interface SavedPodLogs {
  files: string[];
  lines: number;
  /** Lines that are vLLM request lines ("Received request", "Added request", "Generated response"). */
  requestLines: number;
  otherLines: number;
  entries: VllmLogEntry[];
  /** Files that could not be read to the end, with why. */
  errors: string[];
}

/**
 * A folder of model-server pod logs: one file per pod, the pod named by the file (`<pod>.log[.gz]`,
 * `vllm-<pod>.log` as the simulator writes it) unless the lines carry `kubectl logs --prefix`, whose pod
 * wins (one dump of several pods works too). Only entries whose id may be one of ours are kept.
 */
export async function readSavedPodLogs(
  dir: string,
  ourIds: ReadonlySet<string>,
  candidates: (loggedId: string, kind: VllmLogEntry['kind']) => string[],
  knownPods: ReadonlySet<string> = new Set(),
): Promise<SavedPodLogs> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => statSync(join(dir, n)).isFile()).sort();
  } catch {
    throw new RoutebenchError('RB_INPUT_INVALID', `--pod-logs ${dir}: not a readable folder`, { field: '--pod-logs' });
  }
  const out: SavedPodLogs = { files: names.map((n) => join(dir, n)), lines: 0, requestLines: 0, otherLines: 0, entries: [], errors: [] };
  for (const name of names) {
    const pod = podOfFileName(name, knownPods);
    for await (const line of readLinesTolerant(join(dir, name), out.errors)) {
      out.lines++;
      const e = parseVllmLogLine(line, pod);
      if (!e) {
        out.otherLines++;
        continue;
      }
      out.requestLines++;
      if (candidates(e.loggedId, e.kind).some((id) => ourIds.has(id))) out.entries.push(e);
    }
  }
  return out;
}

/** `agg-0.log.gz` → agg-0; `vllm-agg-0.log` (the simulator's name) → agg-0 when agg-0 is a pod the run knows. */
export function podOfFileName(name: string, knownPods: ReadonlySet<string> = new Set()): string {
  let base = basename(name);
  for (;;) {
    const next = base.replace(/\.(gz|log|txt|out)$/i, '');
    if (next === base) break;
    base = next;
  }
  const unprefixed = base.replace(/^vllm-/, '');
  return !knownPods.has(base) && knownPods.has(unprefixed) ? unprefixed : base;
}
