// How requests are paced: the load shape a run follows. Validated at the edge, plain data inside.
import { z } from 'zod';

const positive = z.number().positive();

export const StageSchema = z
  .strictObject({
    /** closed loop (`concurrency` users, each sending its next request when the last finishes) or open loop. */
    type: z.enum(['concurrency', 'constant', 'poisson']),
    concurrency: z.number().int().positive().optional(),
    /** Requests per second (open loop). */
    rate: positive.optional(),
    durationS: positive,
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
    concurrency: z.number().int().positive().optional(),
    rate: positive.optional(),
    stages: z.array(StageSchema).min(1).optional(),
    /** Stop after this many measured requests (warm-up not counted). */
    requests: z.number().int().positive().optional(),
    /** Stop sending after this many seconds of the measured phase. */
    durationS: positive.optional(),
    /** Requests (or seconds) at the start that are recorded as warmup and kept out of statistics. */
    warmupRequests: z.number().int().nonnegative().default(0),
    warmupS: z.number().nonnegative().default(0),
    /** Open loop: cap on requests in flight (0 = none). Requests over the cap wait, and their wait shows as schedule delay. */
    maxInFlight: z.number().int().nonnegative().default(0),
    /** Per-request deadline for the whole request, ms. */
    timeoutMs: positive.default(120_000),
    /** Longest silence allowed mid-stream before the request is failed as a stall, ms. */
    stallTimeoutMs: positive.default(30_000),
    /** On cancel: wait this long for in-flight requests to finish before aborting them, ms. */
    drainTimeoutMs: z.number().nonnegative().default(10_000),
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
