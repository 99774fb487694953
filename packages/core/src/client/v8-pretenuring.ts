// V8's allocation-site pretenuring, turned off for a load-generating process.
//
// V8 watches each object/array literal site: when nearly all of a site's objects survive a young-generation
// collection made at new space's full size, it allocates that site's objects in old space from then on
// (v8 src/heap/pretenuring-handler.cc, MakePretenureDecision: ratio ≥ AllocationSite::kPretenureRatio and
// maximum_size_scavenge; Node 20.20's `--trace-pretenuring-statistics` prints that file's "(created, found,
// ratio) undecided => tenure" lines). A client with N requests in flight trips this:
// every in-flight request's state survives any one scavenge, so its literal sites are pretenured. A finished
// request's state then sits dead in old space until the next full GC, and whatever young objects it still
// points to (arrays' backing stores, header and response strings, each sliced string holding a whole response
// text) survive every scavenge and are promoted. Measured on this machine, run() at 256 connections × 16 tokens
// with the run folder written (`node --trace-gc-nvp`, 5 s): without pretenuring 11–17 MB promoted and 250–330 ms
// of scavenge pauses in every run (8 of 8); with it, the runs that reached new space's full size fell into a
// regime of 250–400 MB promoted, 850–1,280 ms of pauses, a full GC every ~0.5 s and ~30% fewer requests
// (`--trace-pretenuring` showed ten sites tenured, each with 240–1,015 of its objects alive: the in-flight ones).
// Pauses in the client are also late token stamps, so this is a timing matter as much as a speed one.
//
// The flag only changes where V8 allocates; no program behaves differently. It is process-wide: run() turns it
// off unless told not to (RunOptions.allocationSitePretenuring), and the summary says which way the run went.
import { setFlagsFromString } from 'node:v8';

const FLAG_OFF = '--no-allocation-site-pretenuring';
// Kept on globalThis, not in this module: a second copy of the module in the same isolate (two installed
// versions, a test runner's module reload) must report the flag the first one set. (V8 flags are process-wide;
// another worker thread's routebench turning it off is not seen here, so a worker reports only its own doing.)
const TURNED_OFF = Symbol.for('routebench.allocationSitePretenuringOff');
const g = globalThis as { [TURNED_OFF]?: boolean };

/** Turn V8's allocation-site pretenuring off for this process (idempotent). */
export function turnOffAllocationSitePretenuring(): void {
  if (g[TURNED_OFF]) return;
  setFlagsFromString(FLAG_OFF);
  g[TURNED_OFF] = true;
}

/** How this process allocates, as reported in summary.meta.client.allocationSitePretenuring. */
export function allocationSitePretenuringState(): 'off (routebench)' | 'off (node flag)' | 'on' {
  if (g[TURNED_OFF]) return 'off (routebench)';
  const fromNode = process.execArgv.includes(FLAG_OFF) || (process.env.NODE_OPTIONS ?? '').split(/\s+/).includes(FLAG_OFF);
  return fromNode ? 'off (node flag)' : 'on';
}
