// An append-only file written in batches: each line is encoded into one reusable buffer as it is written, and
// the buffer is handed to the kernel with one write(2) per batch — when the batch reaches maxBytes, when flushMs
// has passed since its first line, on flush()/close(), and at process exit. A write per record (what requests.jsonl and requests.csv did before)
// cost two syscalls per request; at thousands of requests a second they were a visible share of the client's CPU.
//
// What a crash can lose: an exception, process.exit() or a normal end flushes ('exit' runs synchronous code,
// and writeSync is synchronous), so nothing; SIGINT/SIGTERM end a CLI run through its own handlers, which close
// the run's files, so nothing; only SIGKILL (or the machine dying) loses the lines of the last flushMs, and
// `routebench summarize` rebuilds a folder from what reached the disk. `flushedLines` says how far the file is
// known to be complete.
//
// Why encode at write time rather than keep the strings until the flush: a queued line is a string that can
// refer to much more than itself (a CSV row built by concatenation holds its cells; a cell sliced from a
// response holds the whole response text). Kept for a batch's lifetime (tens of ms at thousands of requests a
// second) they can outlive young-generation collections and be promoted with everything they hold. Encoded at
// once, nothing of the line outlives write(). (The promotion first blamed on queued rows turned out to be mostly
// V8's allocation-site pretenuring, client/v8-pretenuring.ts; this change alone was not measured apart.)
import { closeSync, openSync, writeSync } from 'node:fs';

export interface BatchedFileOptions {
  /** Longest a written line waits in memory (ms). Default 100. */
  flushMs?: number;
  /** Size of the batch buffer (bytes of UTF-8, newlines included); a batch is written when it fills. Default 64 KiB. */
  maxBytes?: number;
  /** 'a' (default) appends to an existing file; 'w' truncates it. */
  flags?: 'a' | 'w';
}

export interface BatchedFile {
  /**
   * Queue one line; the file adds its newline (a line + '\n' concatenated by the caller would be flattened into
   * a copy first). Throws after close().
   */
  writeLine(line: string): void;
  /** Hand everything queued to the kernel now. */
  flush(): void;
  close(): void;
  readonly path: string;
  /** Lines handed to the kernel so far (a SIGKILL cannot take these away). */
  readonly flushedLines: number;
}

// Every open file, flushed by one 'exit' listener (a listener per file would pile up in a long process).
const open = new Set<BatchedFile>();
let exitHooked = false;
function flushAllAtExit(): void {
  for (const f of open) {
    try {
      f.flush();
    } catch {
      // At exit there is no one left to tell; the other files still get their flush.
    }
  }
}

function writeAll(fd: number, buf: Buffer, length: number): void {
  let off = 0;
  // write(2) on a regular file normally takes everything; loop in case it reports a short write.
  while (off < length) off += writeSync(fd, buf, off, length - off);
}

export function createBatchedFile(path: string, opts: BatchedFileOptions = {}): BatchedFile {
  const flushMs = opts.flushMs ?? 100;
  const capacity = Math.max(1, opts.maxBytes ?? 64 * 1024);
  let fd: number | null = openSync(path, opts.flags ?? 'a');
  let buf: Buffer | null = Buffer.allocUnsafe(capacity);
  let used = 0;
  let queuedLines = 0;
  let flushedLines = 0;
  let timer: NodeJS.Timeout | null = null;

  const file: BatchedFile = {
    path,
    get flushedLines() {
      return flushedLines;
    },
    writeLine(line: string): void {
      if (fd === null || buf === null) throw new Error(`file ${path} is closed`);
      // UTF-8 takes at most 3 bytes per UTF-16 unit: below that bound the line fits without measuring it.
      if (line.length * 3 + 1 > capacity - used) {
        const bytes = Buffer.byteLength(line, 'utf8') + 1;
        if (bytes > capacity - used) {
          file.flush();
          if (bytes > capacity) {
            // Larger than a whole batch: it goes out on its own, after what was queued before it.
            const big = Buffer.from(`${line}\n`, 'utf8');
            writeAll(fd, big, big.length);
            flushedLines++;
            return;
          }
        }
      }
      used += buf.write(line, used, 'utf8');
      buf[used++] = 10; // '\n'
      queuedLines++;
      if (used >= capacity) file.flush();
      else if (timer === null) {
        timer = setTimeout(file.flush, flushMs);
        // A pending flush must not keep a finished process alive: exit flushes it anyway.
        timer.unref();
      }
    },
    flush(): void {
      if (timer !== null) {
        clearTimeout(timer);
        timer = null;
      }
      if (fd === null || buf === null || used === 0) return;
      writeAll(fd, buf, used);
      used = 0;
      flushedLines += queuedLines;
      queuedLines = 0;
    },
    close(): void {
      if (fd === null) return;
      file.flush();
      closeSync(fd);
      fd = null;
      buf = null;
      open.delete(file);
    },
  };
  open.add(file);
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', flushAllAtExit);
  }
  return file;
}
