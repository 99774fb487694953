// What one client process is asked to measure. The orchestrator (index.ts) builds these; the client process
// (client-case.ts) validates the one it is handed, so a typo in a case fails loudly with the field's path.
import { z } from 'zod';

const positiveInt = z.number().int().positive();
const seconds = z.number().positive();

const common = {
  /** Unique label, also the row name in the table. */
  name: z.string().min(1),
  /** Base URL of the bench SSE server. */
  target: z.string().url(),
  /** SSE content chunks (one token each) per response. */
  tokens: positiveInt,
};

/** Closed loop at zero server-side delay: how many streams and token events per second one process handles. */
export const CapacityCaseSchema = z.strictObject({
  kind: z.literal('capacity'),
  ...common,
  concurrency: positiveInt,
  /** Server gap between content chunks in µs; 0 = the whole response in one write (see sse-server.ts). */
  itlUs: z.number().int().nonnegative().default(0),
  warmupS: z.number().nonnegative(),
  durationS: seconds,
  /** Write a CPU profile of the measured window (not start-up or warm-up) to this .cpuprofile path. */
  cpuProfilePath: z.string().min(1).optional(),
  /** routebench worker threads (run({ workers })): the scaling section runs 1 and 2. */
  workers: positiveInt.default(1),
  /** Force one full GC this many seconds into the measured window (the 'gc' section). */
  forceGcAtS: z.number().nonnegative().optional(),
});

/** Closed loop with timed token gaps: measured TTFT/ITL against the server's recorded write times. */
export const FidelityCaseSchema = z.strictObject({
  kind: z.literal('fidelity'),
  ...common,
  concurrency: positiveInt,
  /** Server gap between content chunks (µs; the server's timers round it to whole ms). */
  itlUs: positiveInt,
  warmupS: z.number().nonnegative(),
  durationS: seconds,
  /** Token events/s this case is meant to put on the client, and the capacity it was derived from (for the report). */
  targetEventsPerS: z.number().positive(),
  capacityEventsPerS: z.number().positive(),
});

/** Open loop at a constant rate: schedule delay and achieved vs requested rate. */
export const ScheduleCaseSchema = z.strictObject({
  kind: z.literal('schedule'),
  ...common,
  rate: z.number().positive(),
  /** routebench's load.maxInFlight (0 = no cap: the pool opens a connection whenever all are busy). */
  maxInFlight: z.number().int().nonnegative().default(0),
  warmupS: z.number().nonnegative(),
  durationS: seconds,
});

/** N streams held open by the server: client RSS per open stream. */
export const OpenStreamsCaseSchema = z.strictObject({
  kind: z.literal('open-streams'),
  ...common,
  streams: positiveInt,
  /** Give up waiting for all streams to be open after this long. */
  openTimeoutS: seconds,
});

/** A long closed-loop run with RSS sampled over time: growth must stay flat. */
export const LongRunCaseSchema = z.strictObject({
  kind: z.literal('long-run'),
  ...common,
  concurrency: positiveInt,
  maxRequests: positiveInt,
  maxSeconds: seconds,
  sampleMs: positiveInt,
});

export const ClientCaseSchema = z.discriminatedUnion('kind', [
  CapacityCaseSchema,
  FidelityCaseSchema,
  ScheduleCaseSchema,
  OpenStreamsCaseSchema,
  LongRunCaseSchema,
]);
export type ClientCase = z.infer<typeof ClientCaseSchema>;
export type ClientCaseInput = z.input<typeof ClientCaseSchema>;
export type CapacityCase = z.infer<typeof CapacityCaseSchema>;
export type FidelityCase = z.infer<typeof FidelityCaseSchema>;
export type ScheduleCase = z.infer<typeof ScheduleCaseSchema>;
export type OpenStreamsCase = z.infer<typeof OpenStreamsCaseSchema>;
export type LongRunCase = z.infer<typeof LongRunCaseSchema>;
