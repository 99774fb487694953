// When response bytes arrived, as closely as a JavaScript event loop can tell.
//
// libuv's poll phase takes every socket that epoll reported readable in one batch and reads them one
// after another; each read's JavaScript (undici's HTTP parser, our SSE parser, bookkeeping) runs to
// completion before the next socket is even read. Stamping each read with the current time charges
// socket k with the processing of sockets 1..k-1: when 200 streams get a token in the same decode step
// (vLLM emits a whole batch at once), the last stream's token is stamped 200 × ~40 µs ≈ 8 ms late.
// Every socket in the batch was readable before epoll returned, i.e. before the batch's first read, so
// all reads of one batch share the first read's time. The batch ends at the check phase
// (setImmediate), which libuv runs right after the poll phase.
//
// Only socket reads start a batch stamp (observeReads wraps the one call libuv's read callback makes per
// read, the socket's push): reads happen only in the poll phase, so a stamp never outlives its batch.
// Code running elsewhere (a timer, an immediate, a request dispatched from them that lets undici parse
// bytes it had buffered) gets the plain current time, which is late for those bytes, never early.
//
// Two ways a batch stamp is early. When epoll fills its event array (1,024 sockets) libuv polls again
// in the same phase, and the second batch shares the first one's stamp; the client clamps every stamp
// to no earlier than the request's previous one (send, headers, chunk), so no interval goes negative.
// And bytes that reached socket k after epoll returned but before the loop read socket k are read
// together with the bytes that made it readable and share the batch stamp, early by at most the
// batch's duration (p99 0.7 ms measured with 200 streams). A per-read stamp has the same blind spot
// (both arrivals get one stamp), only late instead of early.
import type { Duplex } from 'node:stream';

let batchStampMs: number | null = null;

function endBatch(): void {
  batchStampMs = null;
}

function markRead(): void {
  if (batchStampMs === null) {
    batchStampMs = performance.now();
    setImmediate(endBatch);
  }
}

/** performance.now() of the first socket read of the current poll batch; outside a batch, now. */
export function arrivalNow(): number {
  return batchStampMs ?? performance.now();
}

/** Make the socket's reads from the kernel start (or join) the current batch stamp. */
export function observeReads<S extends Duplex>(socket: S): S {
  const push = socket.push;
  socket.push = function pushObserved(this: S, chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk !== null) markRead();
    return push.call(this, chunk, encoding);
  };
  return socket;
}
