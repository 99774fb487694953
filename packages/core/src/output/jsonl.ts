// JSON Lines files (requests.jsonl): one record per line, appended as requests finish, read back tolerantly.
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { createBatchedFile, type BatchedFileOptions } from './batched-file.ts';
import { createInterface } from 'node:readline';
import { StringDecoder } from 'node:string_decoder';
import type { z } from 'zod';

export interface JsonlWriter {
  /** Append one value as a line. Throws after close(). */
  write(value: unknown): void;
  /** Hand every line written so far to the kernel. */
  flush(): void;
  close(): void;
  readonly path: string;
  readonly lines: number;
  /** Lines handed to the kernel (a killed process cannot lose these). */
  readonly flushedLines: number;
}

/**
 * Open `path` for appending ('a': never truncates an existing file) and write lines in batches (batched-file.ts:
 * at most `flushMs` in memory, flushed at close and at process exit). A line handed to the kernel survives the
 * process being SIGKILLed (it is in the page cache); a SIGKILL loses the last batch, and readJsonl skips a line
 * cut mid-write as a truncated tail. No fsync per line: that protects against power loss only.
 */
export function createJsonlWriter(path: string, opts: BatchedFileOptions = {}): JsonlWriter {
  const file = createBatchedFile(path, { ...opts, flags: 'a' });
  let lines = 0;
  return {
    path,
    get lines() {
      return lines;
    },
    get flushedLines() {
      return file.flushedLines;
    },
    // After close() the file throws ("file … is closed").
    write(value: unknown): void {
      file.writeLine(JSON.stringify(value)); // JSON.stringify escapes newlines in strings
      lines++;
    },
    flush: () => file.flush(),
    close: () => file.close(),
  };
}

export interface JsonlReadStats {
  /** Non-empty lines seen. */
  lines: number;
  /** Values yielded. */
  records: number;
  /** Lines skipped (corrupt in the middle, or a truncated last line). */
  skipped: number;
  /** The last line was cut off (no final newline and not parseable): the writer was killed mid-line. */
  truncatedTail: boolean;
  /** 1-based line numbers of corrupt lines other than a truncated tail (first 100 kept). */
  corruptLines: number[];
}

export interface JsonlSkip {
  line: number;
  reason: string;
  truncatedTail: boolean;
}

export interface ReadJsonlOptions<T> {
  /** Validate each value; a line that fails is skipped and counted like a corrupt one. */
  schema?: z.ZodType<T>;
  /** Called for each skipped line (for a warning naming the line). */
  onSkip?: (skip: JsonlSkip) => void;
}

export interface JsonlReader<T> extends AsyncIterable<T> {
  /** Filled in as iteration proceeds; final once the loop ends. */
  readonly stats: JsonlReadStats;
}

const MAX_CORRUPT_LINES_KEPT = 100;

function endsWithNewline(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return true;
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, size - 1);
    return b[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}

/**
 * Read a JSONL file as an async iterable of values. A corrupt line is skipped and counted (its number goes to
 * stats.corruptLines and onSkip) instead of throwing, so one bad line does not lose a whole run; a last line cut
 * mid-write is reported as stats.truncatedTail.
 */
export function readJsonl<T = unknown>(path: string, opts: ReadJsonlOptions<T> = {}): JsonlReader<T> {
  const stats: JsonlReadStats = { lines: 0, records: 0, skipped: 0, truncatedTail: false, corruptLines: [] };

  function parse(text: string): { ok: true; value: T } | { ok: false; reason: string } {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      return { ok: false, reason: (err as Error).message };
    }
    if (!opts.schema) return { ok: true, value: value as T };
    const r = opts.schema.safeParse(value);
    if (r.success) return { ok: true, value: r.data };
    const issue = r.error.issues[0];
    return { ok: false, reason: `${issue.path.join('.') || '(root)'}: ${issue.message}` };
  }

  function skip(line: number, reason: string, truncatedTail: boolean): void {
    stats.skipped++;
    if (truncatedTail) stats.truncatedTail = true;
    else if (stats.corruptLines.length < MAX_CORRUPT_LINES_KEPT) stats.corruptLines.push(line);
    opts.onSkip?.({ line, reason, truncatedTail });
  }

  async function* iterate(): AsyncGenerator<T> {
    const finalNewline = endsWithNewline(path);
    const input = createReadStream(path, { encoding: 'utf8' });
    const rl = createInterface({ input, crlfDelay: Infinity });
    // One line of look-ahead: only the last line of the file can be a truncated tail.
    let pending: { text: string; line: number } | null = null;
    let lineNo = 0;
    try {
      for await (const raw of rl) {
        lineNo++;
        if (raw.trim() === '') continue;
        stats.lines++;
        if (pending) {
          const r = parse(pending.text);
          if (r.ok) {
            stats.records++;
            yield r.value;
          } else skip(pending.line, r.reason, false);
        }
        pending = { text: raw, line: lineNo };
      }
      if (pending) {
        const r = parse(pending.text);
        if (r.ok) {
          stats.records++;
          yield r.value;
        } else skip(pending.line, r.reason, !finalNewline);
      }
    } finally {
      // Also on an early `break` by the consumer: release the file descriptor.
      rl.close();
      input.destroy();
    }
  }

  return { stats, [Symbol.asyncIterator]: iterate };
}

/**
 * A requests.jsonl file as a re-iterable sync Iterable: each iteration streams the file from the start in 64 KiB
 * reads, so a claim can walk every record without the run's records being held in memory. Lines that do not parse
 * (a truncated tail after a crash) are skipped, as readJsonl does.
 */
export function jsonlIterable<T>(path: string): Iterable<T> {
  return {
    *[Symbol.iterator]() {
      const fd = openSync(path, 'r');
      try {
        const buf = Buffer.allocUnsafe(64 * 1024);
        // A StringDecoder keeps a multi-byte character split across two reads whole.
        const decoder = new StringDecoder('utf8');
        let rest = '';
        let pos = 0;
        for (;;) {
          const n = readSync(fd, buf, 0, buf.length, pos);
          if (n === 0) break;
          pos += n;
          const text = rest + decoder.write(buf.subarray(0, n));
          const lines = text.split('\n');
          rest = lines.pop()!;
          for (const line of lines) {
            const v = parseLine<T>(line);
            if (v !== undefined) yield v;
          }
        }
        const v = parseLine<T>(rest + decoder.end());
        if (v !== undefined) yield v;
      } finally {
        closeSync(fd);
      }
    },
  };
}

function parseLine<T>(line: string): T | undefined {
  if (line.trim() === '') return undefined;
  try {
    return JSON.parse(line) as T;
  } catch {
    return undefined;
  }
}
