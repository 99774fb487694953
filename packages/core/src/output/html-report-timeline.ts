// What the HTML report needs from a run's per-request records and the summary does not hold: ITL percentiles per
// second (summary.timeseries keeps per-second TTFT bins only) and when each load stage and the measured phase
// began. One pass over requests.jsonl, memory bounded by the run's seconds (2% log bins per second, as the
// summary's TTFT timeline: timeseries.ts).
//
// Time origin: record times are ms from the run's monotonic 0, the same origin as summary.timeseries' seconds and
// meta.startedAt, so every chart of the report shares one x axis: seconds since the run started.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { forEachItlSample, type Chunk } from '../record/itl.ts';
import { addToLogBins, BUCKET_MS, logBinsQuantile, type LogBins } from '../record/timeseries.ts';
import { jsonlIterable } from './jsonl.ts';
import { RUN_FILES } from './run-folder.ts';

export const TIMELINE_QUANTILES = ['p50', 'p90', 'p99'] as const;
export type TimelineQuantile = (typeof TIMELINE_QUANTILES)[number];

export interface RunTimeline {
  /** ITL per token by the second its tokens arrived: seconds since run start (a second is drawn at its start). */
  itl: { t: number[] } & Record<TimelineQuantile, (number | null)[]>;
  /** Seconds since run start of each stage's first send (stage 0 included), ascending. */
  stageStarts: { stage: number; t: number }[];
  /** First send of the measured phase, when a warm-up came before it; else null. */
  measureStart: number | null;
  /** Records read (lines that did not parse, e.g. a crash's truncated tail, are not counted). */
  records: number;
}

/** The fields read from each record; other fields may be anything (older or newer record versions still load). */
const TimelineRecordSchema = z.object({
  phase: z.string(),
  stage: z.number(),
  status: z.string(),
  times: z.object({ sent: z.number().nullable(), firstToken: z.number().nullable() }),
  chunks: z.array(z.tuple([z.number(), z.number()])),
});

/** Cap on seconds tracked (a week, as timeseries.ts): a broken clock cannot grow the arrays without bound. */
const MAX_SECONDS = 7 * 86_400;

export function buildRunTimeline(records: Iterable<unknown>): RunTimeline {
  const bins: (LogBins | undefined)[] = [];
  const stageStart = new Map<number, number>();
  let measureStart = Infinity;
  let sawWarmup = false;
  let n = 0;
  for (const raw of records) {
    const p = TimelineRecordSchema.safeParse(raw);
    if (!p.success) continue;
    const r = p.data;
    n++;
    const sent = r.times.sent;
    if (sent !== null) {
      if (r.phase === 'warmup') sawWarmup = true;
      else if (sent < measureStart) measureStart = sent;
      if (sent < (stageStart.get(r.stage) ?? Infinity)) stageStart.set(r.stage, sent);
    }
    const first = r.times.firstToken;
    if (r.status !== 'ok' || first === null) continue;
    // Each ITL sample lands in the second its arrival happened: first token time + the arrival's offset.
    forEachItlSample(r.chunks as Chunk[], (gap, tokens, offset) => {
      const s = Math.min(MAX_SECONDS - 1, Math.max(0, Math.floor((first + offset) / BUCKET_MS)));
      addToLogBins((bins[s] ??= new Map()), gap, tokens);
    });
  }
  const t: number[] = [];
  const q: Record<TimelineQuantile, (number | null)[]> = { p50: [], p90: [], p99: [] };
  for (let s = 0; s < bins.length; s++) {
    const b = bins[s];
    if (!b) continue;
    t.push((s * BUCKET_MS) / 1000);
    for (const k of TIMELINE_QUANTILES) q[k].push(logBinsQuantile(b, Number(k.slice(1)) / 100));
  }
  return {
    itl: { t, ...q },
    stageStarts: [...stageStart].sort((a, b) => a[1] - b[1]).map(([stage, ms]) => ({ stage, t: ms / 1000 })),
    measureStart: sawWarmup && Number.isFinite(measureStart) ? measureStart / 1000 : null,
    records: n,
  };
}

/** The timeline of a run folder from its requests.jsonl, streamed; null when the folder has none. */
export function readRunTimeline(dir: string): RunTimeline | null {
  const path = join(dir, RUN_FILES.requests);
  return existsSync(path) ? buildRunTimeline(jsonlIterable(path)) : null;
}
