// When response bytes arrived, as closely as a JavaScript event loop can tell, and never earlier than they did.
//
// The reported stamp of a read is the moment the loop read it: the socket's push, the one call libuv's read
// callback makes per read, right after the read syscall returned. The bytes were in the kernel by then, so
// the stamp is never early; it is late by whatever the loop did before it got to this socket. (An earlier
// version stamped every read of one poll batch with the batch's first read: on a busy machine a batch lasts
// tens of milliseconds, bytes that reached socket k after epoll returned but before the loop read socket k
// were stamped before the server had even written them — 19% of chunks by more than 5 ms beside a CPU hog.)
//
// Each stamp carries its uncertainty: the window [floor, stamp] the bytes arrived in. The floor is the last
// moment the bytes could not yet have been there:
//  - the socket's own previous read (a read drains the socket: libuv reads until EAGAIN or a short read);
//  - the previous poll batch's first read: epoll had just returned then, and had this socket held bytes it
//    would have been read in that batch. (Approximate by microseconds: the epoll return itself is a little
//    before that first read, and JavaScript woken by a non-socket handle can run between the two.)
//  - when the loop slept in epoll since the previous batch, nothing was readable when that last sleep began,
//    so the bytes came after it ended. Since that moment the thread was either running or waiting for a CPU:
//    libuv's idle time (performance.eventLoopUtilization()) counts the wait for a CPU after epoll returned as
//    idle, so the floor is this batch's start minus the loop's active time and minus the thread's run-queue
//    wait (the kernel's /proc/thread-self/schedstat run_delay) since then. Without the run-queue term a CPU
//    hog beside the client made 3% of windows too narrow; without schedstat (not Linux) this floor is skipped
//    and windows are wider, never too narrow.
// The window is what a run's timing is worth: an idle client has windows of microseconds; a client whose loop
// is saturated has windows of a whole poll cycle, and says so (diagnostics: arrival window p99).
//
// Stamp on read, parse after the poll: the push wrapper only stamps the read and queues it (one setImmediate
// per read); the bytes are handed to the stream in the check phase that follows the poll, one read per
// immediate (Node drains the next-tick queue between immediates, and undici parses on the 'readable' tick),
// with arrivalNow() answering that read's stamp while it is parsed. So a read's stamp does not include the
// parsing of the sockets read before it in the same batch (stamping inside the parse made the 130th socket
// of a batch-decoded step several ms late). A read error or EOF that libuv reports right after data (a
// reset after `data: [DONE]`) is queued behind that data, so nothing read is lost to it.
// Code running outside a poll batch (a timer, an immediate, a request dispatched from them that lets undici
// parse bytes it had buffered) gets the plain current time, which is late for those bytes, never early, with
// an unknown window (Infinity here; the client bounds every window by the request's previous event, see
// streaming-client.ts, since a chunk cannot have arrived before the one read before it).
import { openSync, readSync } from 'node:fs';
import type { Duplex } from 'node:stream';

const LAST_READ = Symbol('routebench.lastReadMs');
type Observed = Duplex & { [LAST_READ]?: number };

let batchStartMs: number | null = null;
let prevBatchStartMs = Number.NEGATIVE_INFINITY;
let batchFloorMs = Number.NEGATIVE_INFINITY;
let lastBatchEndMs = performance.now();
let lastBatchEndIdleMs = performance.eventLoopUtilization().idle;

// The thread's cumulative run-queue wait (ms), or NaN where the kernel does not expose it. One pread per batch.
let schedstatFd: number | null | undefined;
const schedstatBuf = Buffer.alloc(96);
function runQueueWaitMs(): number {
  if (schedstatFd === undefined) {
    try {
      schedstatFd = openSync('/proc/thread-self/schedstat', 'r');
    } catch {
      schedstatFd = null;
    }
  }
  if (schedstatFd === null) return Number.NaN;
  try {
    const n = readSync(schedstatFd, schedstatBuf, 0, schedstatBuf.length, 0);
    // "<on-cpu ns> <run-queue wait ns> <timeslices>" (Linux Documentation/scheduler/sched-stats.rst,
    // /proc/<pid>/schedstat; the per-thread file has the same three fields)
    const text = schedstatBuf.toString('latin1', 0, n);
    const a = text.indexOf(' ');
    return Number(text.slice(a + 1, text.indexOf(' ', a + 1))) / 1e6;
  } catch {
    return Number.NaN;
  }
}
let lastRunQueueWaitMs = runQueueWaitMs();

function endBatch(): void {
  prevBatchStartMs = batchStartMs ?? prevBatchStartMs;
  batchStartMs = null;
  lastBatchEndMs = performance.now();
  lastBatchEndIdleMs = performance.eventLoopUtilization().idle;
}

/** Note a read of `socket` at `now`; returns the last moment its bytes could not yet have been there. */
function markRead(socket: Observed, now: number): number {
  if (batchStartMs === null) {
    batchStartMs = now;
    const idleGrewMs = performance.eventLoopUtilization().idle - lastBatchEndIdleMs;
    const activeMs = Math.max(0, now - lastBatchEndMs - idleGrewMs);
    // Run-queue wait since the previous batch's start: a superset of the interval, so the floor can only be earlier.
    const wait = runQueueWaitMs();
    const waitedMs = wait - lastRunQueueWaitMs;
    lastRunQueueWaitMs = wait;
    // Idle time beyond any run-queue wait is a real sleep in epoll (1 µs: below it the loop did not sleep).
    const slept = Number.isFinite(waitedMs) && idleGrewMs - waitedMs > 0.001;
    batchFloorMs = slept ? Math.max(prevBatchStartMs, now - activeMs - waitedMs) : prevBatchStartMs;
    setImmediate(endBatch);
  }
  const prev = socket[LAST_READ];
  socket[LAST_READ] = now;
  return prev !== undefined && prev > batchFloorMs ? prev : batchFloorMs;
}

let delivering = false;
let deliveringStampMs = 0;
let deliveringWindowMs = 0;

const PENDING = Symbol('routebench.pendingReads');
type Deferred = Observed & { [PENDING]?: number };

function endDelivery(): void {
  delivering = false;
}

function deliver(socket: Deferred, push: Duplex['push'], chunk: unknown, encoding: BufferEncoding | undefined, stampMs: number, windowMs: number): void {
  socket[PENDING]!--;
  delivering = true;
  deliveringStampMs = stampMs;
  deliveringWindowMs = windowMs;
  try {
    push.call(socket, chunk, encoding);
  } finally {
    // Queued after the 'readable' tick the push queued: the parse of these bytes still sees their stamp.
    process.nextTick(endDelivery);
  }
}

function destroyLater(socket: Deferred, destroy: Duplex['destroy'], error: Error | undefined): void {
  destroy.call(socket, error);
}

/** performance.now() of the read whose bytes are being handled; outside one, now. Never early. */
export function arrivalNow(): number {
  return delivering ? deliveringStampMs : performance.now();
}

/**
 * Width in ms of the window the bytes being handled arrived in (arrivalNow() minus the last moment they could
 * not yet have been there); Infinity when nothing here bounds it (outside a read's handling, or a first read
 * with no earlier batch): the caller intersects it with what it knows (the request's previous event).
 */
export function arrivalWindowMs(): number {
  return delivering ? deliveringWindowMs : Number.POSITIVE_INFINITY;
}

const PUSH = Symbol('routebench.push');
const DESTROY = Symbol('routebench.destroy');
type Wrapped = Deferred & { [PUSH]: Duplex['push']; [DESTROY]: Duplex['destroy'] };

// One pair of functions for every socket (the originals are kept on the socket): a closure pair per socket
// was ~250 bytes of each open stream's memory.
function pushObserved(this: Wrapped, chunk: unknown, encoding?: BufferEncoding): boolean {
  const push = this[PUSH];
  if (chunk === null && !(this[PENDING]! > 0)) return push.call(this, chunk, encoding);
  let stamp = Number.NaN;
  let window = Number.POSITIVE_INFINITY;
  if (chunk !== null) {
    stamp = performance.now();
    window = stamp - markRead(this, stamp);
  }
  this[PENDING] = (this[PENDING] ?? 0) + 1;
  setImmediate(deliver, this, push, chunk, encoding, stamp, window);
  // Never ask libuv to stop reading: the bytes are only held until this iteration's check phase.
  return true;
}

function destroyObserved(this: Wrapped, error?: Error): Wrapped {
  const destroy = this[DESTROY];
  if (this[PENDING]! > 0) {
    setImmediate(destroyLater, this, destroy, error);
    return this;
  }
  return destroy.call(this, error) as Wrapped;
}

/** Make the socket's reads from the kernel stamp their arrival (and window), and be parsed after the poll. */
export function observeReads<S extends Duplex>(socket: S): S {
  const w = socket as unknown as Wrapped;
  w[PUSH] = socket.push;
  w[DESTROY] = socket.destroy;
  (socket as Duplex).push = pushObserved as Duplex['push'];
  (socket as Duplex).destroy = destroyObserved as unknown as Duplex['destroy'];
  return socket;
}
