// One shared scheduler for every timed event of every pod in the process (token emissions,
// prefill completions). Events carry ABSOLUTE due times (performance.now() ms), so a late wake-up
// never shifts later tokens. Node timers only have 1 ms granularity and often wake 1–2 ms late,
// so we sleep with setTimeout until shortly before the earliest event and then poll with
// setImmediate (which still lets I/O run between polls) until it is due. One loop for all streams
// keeps 500 concurrent streams on one timer instead of 500 drifting ones.
import { performance } from 'node:perf_hooks';

export interface ScheduledEvent {
  readonly at: number;
  cancelled: boolean;
}

interface Entry extends ScheduledEvent {
  fn: () => void;
  seq: number;
}

export interface TickScheduler {
  /** Run fn at performance.now() ≥ at. */
  at(at: number, fn: () => void): ScheduledEvent;
  cancel(ev: ScheduledEvent): void;
  pending(): number;
  now(): number;
}

/** Wake this early (ms) from setTimeout and spin on setImmediate the rest of the way. */
const SPIN_WINDOW_MS = 2;

export function createTickScheduler(): TickScheduler {
  const heap: Entry[] = [];
  let seq = 0;
  let live = 0;
  let timer: NodeJS.Timeout | null = null;
  let immediate: NodeJS.Immediate | null = null;

  const less = (a: Entry, b: Entry) => a.at < b.at || (a.at === b.at && a.seq < b.seq);
  // Through a temporary: a destructuring swap allocated an array per step (12 MB/s at 500 streams, and
  // every scavenge it causes delays the tokens due during it).
  function swap(i: number, j: number) {
    const tmp = heap[i]!;
    heap[i] = heap[j]!;
    heap[j] = tmp;
  }
  function push(e: Entry) {
    heap.push(e);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(heap[i]!, heap[p]!)) break;
      swap(i, p);
      i = p;
    }
  }
  function pop(): Entry | undefined {
    const top = heap[0];
    const last = heap.pop();
    if (heap.length && last) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        swap(i, m);
        i = m;
      }
    }
    return top;
  }

  function run() {
    timer = null;
    immediate = null;
    let now = performance.now();
    while (heap.length && heap[0]!.at <= now) {
      const e = pop()!;
      if (e.cancelled) continue;
      live--;
      e.cancelled = true; // mark done so a late cancel() is harmless
      try {
        e.fn();
      } catch (err) {
        // An event handler bug must not kill every other stream's clock.
        queueMicrotask(() => {
          throw err;
        });
      }
      now = performance.now();
    }
    arm();
  }

  function arm() {
    while (heap.length && heap[0]!.cancelled) pop();
    if (!heap.length || timer || immediate) return;
    const wait = heap[0]!.at - performance.now();
    // The sleeping timer is unref'd: pending events alone must not keep a process alive once its
    // servers have closed. The spin must stay ref'd: Node only keeps the loop from blocking in poll
    // for REF'd immediates, so an unref'd one would wait for unrelated I/O or timers.
    if (wait > SPIN_WINDOW_MS) timer = setTimeout(run, Math.floor(wait - SPIN_WINDOW_MS)).unref();
    else immediate = setImmediate(run);
  }

  return {
    at(at, fn) {
      const e: Entry = { at, fn, seq: seq++, cancelled: false };
      live++;
      push(e);
      // A new earliest event may need an earlier wake-up than the armed timer.
      if (timer && heap[0] === e) {
        clearTimeout(timer);
        timer = null;
      }
      arm();
      return e;
    },
    cancel(ev) {
      if (!ev.cancelled) {
        ev.cancelled = true;
        live--;
      }
    },
    pending: () => live,
    now: () => performance.now(),
  };
}

/** The process-wide scheduler shared by all pods. */
export const sharedScheduler: TickScheduler = createTickScheduler();
