// An append-only file written in batches: lines are joined in memory and handed to the kernel with one
// write(2) per batch — when the batch reaches maxBytes, when flushMs has passed since its first line, on
// flush()/close(), and at process exit. A write per record (what requests.jsonl and requests.csv did before)
// cost two syscalls per request; at thousands of requests a second they were a visible share of the client's CPU.
//
// What a crash can lose: an exception, process.exit() or a normal end flushes ('exit' runs synchronous code,
// and writeSync is synchronous), so nothing; SIGINT/SIGTERM end a CLI run through its own handlers, which close
// the run's files, so nothing; only SIGKILL (or the machine dying) loses the lines of the last flushMs, and
// `routebench summarize` rebuilds a folder from what reached the disk. `flushedLines` says how far the file is
// known to be complete.
import { closeSync, openSync, writeSync } from 'node:fs';

export interface BatchedFileOptions<T = string> {
  /**
   * Turn a batch of queued items into text at flush time (default: strings joined as they are). Rendering a batch
   * at once is cheaper where per-item rendering has a fixed cost (a CSV stringifier per row).
   */
  render?: (items: T[]) => string;
  /** For maxBytes, the size in characters counted per item when items are not strings. Default 256. */
  itemChars?: number;
  /** Longest a written line waits in memory (ms). Default 100. */
  flushMs?: number;
  /** Largest batch kept in memory before it is written (bytes of UTF-16 text; about bytes for ASCII). Default 64 KiB. */
  maxBytes?: number;
  /** 'a' (default) appends to an existing file; 'w' truncates it. */
  flags?: 'a' | 'w';
}

export interface BatchedFile<T = string> {
  /** Queue one piece of text (it should end with its own newline), or one item for `render`. Throws after close(). */
  write(item: T): void;
  /** Hand everything queued to the kernel now. */
  flush(): void;
  close(): void;
  readonly path: string;
  /** Pieces handed to the kernel so far (a SIGKILL cannot take these away). */
  readonly flushedLines: number;
}

// Every open file, flushed by one 'exit' listener (a listener per file would pile up in a long process).
const open = new Set<BatchedFile<never>>();
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

export function createBatchedFile<T = string>(path: string, opts: BatchedFileOptions<T> = {}): BatchedFile<T> {
  const flushMs = opts.flushMs ?? 100;
  const maxBytes = opts.maxBytes ?? 64 * 1024;
  const itemChars = opts.itemChars ?? 256;
  const render = opts.render ?? ((items: T[]) => (items.length === 1 ? (items[0] as string) : (items as string[]).join('')));
  let fd: number | null = openSync(path, opts.flags ?? 'a');
  let queued: T[] = [];
  let queuedChars = 0;
  let flushedLines = 0;
  let timer: NodeJS.Timeout | null = null;

  const file: BatchedFile<T> = {
    path,
    get flushedLines() {
      return flushedLines;
    },
    write(item: T): void {
      if (fd === null) throw new Error(`file ${path} is closed`);
      queued.push(item);
      queuedChars += typeof item === 'string' ? item.length : itemChars;
      if (queuedChars >= maxBytes) file.flush();
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
      if (fd === null || queued.length === 0) return;
      const buf = Buffer.from(render(queued), 'utf8');
      const n = queued.length;
      queued = [];
      queuedChars = 0;
      let off = 0;
      // write(2) on a regular file normally takes everything; loop in case it reports a short write.
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      flushedLines += n;
    },
    close(): void {
      if (fd === null) return;
      file.flush();
      closeSync(fd);
      fd = null;
      open.delete(file as BatchedFile<never>);
    },
  };
  open.add(file as BatchedFile<never>);
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', flushAllAtExit);
  }
  return file;
}
