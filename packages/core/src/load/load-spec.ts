// How requests are paced: the load shape a run follows. Validated at the edge, plain data inside.
import { z } from 'zod';
import { MAX_TIMER_MS, timerMs } from '../timer-ms.ts';

const positive = z.number().positive();

// What the runtime can honour (timer-ms.ts: Node holds a timer for at most 2^31−1 ms).
export { MAX_TIMER_MS } from '../timer-ms.ts';
/** A run phase's length in seconds: its end is one timer away. */
export const MAX_DURATION_S = Math.floor(MAX_TIMER_MS / 1000);
/** Requests per second: above this the send gaps are below a microsecond, under what the clock resolves. */
export const MAX_RATE = 1_000_000;
/** Closed-loop users (and the in-flight cap): each is a connection; above this a machine runs out of ports. */
export const MAX_CONCURRENCY = 65_535;

const seconds = () => positive.max(MAX_DURATION_S, { error: `must be at most ${MAX_DURATION_S} s (its end is a timer, at most 2^31−1 ms)` });
const rate = () => positive.max(MAX_RATE, { error: `must be at most ${MAX_RATE} requests per second` });
const users = () => z.number().int().positive().max(MAX_CONCURRENCY, { error: `must be at most ${MAX_CONCURRENCY} (one connection each)` });

export const StageSchema = z
  .strictObject({
    /** closed loop (`concurrency` users, each sending its next request when the last finishes) or open loop. */
    type: z.enum(['concurrency', 'constant', 'poisson']),
    concurrency: users().optional(),
    /** Requests per second (open loop). */
    rate: rate().optional(),
    durationS: seconds(),
  })
  .superRefine((s, ctx) => {
    if (s.type === 'concurrency' && s.concurrency === undefined)
      ctx.addIssue({ code: 'custom', path: ['concurrency'], message: 'a concurrency stage needs `concurrency` (a positive integer)' });
    if (s.type !== 'concurrency' && s.rate === undefined)
      ctx.addIssue({ code: 'custom', path: ['rate'], message: `a ${s.type} stage needs \`rate\` (requests per second, > 0)` });
  });
export type Stage = z.infer<typeof StageSchema>;

export const LoadSpecSchema = z
  .strictObject({
    type: z.enum(['concurrency', 'constant', 'poisson', 'stages']),
    concurrency: users().optional(),
    rate: rate().optional(),
    stages: z.array(StageSchema).min(1).optional(),
    /** Stop after this many measured requests (warm-up not counted). */
    requests: z.number().int().positive().optional(),
    /** Stop sending after this many seconds of the measured phase. */
    durationS: seconds().optional(),
    /** Requests (or seconds) at the start that are recorded as warmup and kept out of statistics. */
    warmupRequests: z.number().int().nonnegative().default(0),
    warmupS: z.number().nonnegative().max(MAX_DURATION_S, { error: `must be at most ${MAX_DURATION_S} s` }).default(0),
    /** Open loop: cap on requests in flight (0 = none). Requests over the cap wait, and their wait shows as schedule delay. */
    maxInFlight: z.number().int().nonnegative().max(MAX_CONCURRENCY, { error: `must be at most ${MAX_CONCURRENCY}` }).default(0),
    /** Per-request deadline for the whole request, ms. */
    timeoutMs: timerMs().positive().default(120_000),
    /** Longest silence allowed mid-stream before the request is failed as a stall, ms. */
    stallTimeoutMs: timerMs().positive().default(30_000),
    /** On cancel: wait this long for in-flight requests to finish before aborting them, ms. */
    drainTimeoutMs: timerMs().nonnegative().default(10_000),
  })
  .superRefine((l, ctx) => {
    if (l.type === 'concurrency' && l.concurrency === undefined)
      ctx.addIssue({ code: 'custom', path: ['concurrency'], message: 'load.type "concurrency" needs `concurrency` (a positive integer)' });
    if ((l.type === 'constant' || l.type === 'poisson') && l.rate === undefined)
      ctx.addIssue({ code: 'custom', path: ['rate'], message: `load.type "${l.type}" needs \`rate\` (requests per second, > 0)` });
    if (l.type === 'stages' && !l.stages)
      ctx.addIssue({ code: 'custom', path: ['stages'], message: 'load.type "stages" needs a non-empty `stages` list' });
    if (l.type !== 'stages' && l.requests === undefined && l.durationS === undefined)
      ctx.addIssue({ code: 'custom', path: ['requests'], message: 'bound the run with `requests` and/or `durationS`' });
  });
export type LoadSpec = z.infer<typeof LoadSpecSchema>;
export type LoadSpecInput = z.input<typeof LoadSpecSchema>;
