// Rebuild a summary from request records alone (how `summarize` recovers a crashed run from requests.jsonl).
// Kept apart from summary.ts (the schema) so the recorder can depend on the schema without a cycle.
import { createRecorder, type RecorderOptions, type SummaryMetaInput } from './recorder.ts';
import type { RequestRecord } from './request-record.ts';
import type { Summary } from './summary.ts';

/**
 * Build a summary from RequestRecords alone (how `summarize` rebuilds a crashed run from requests.jsonl). Records
 * may come in any order; the in-flight peaks are recomputed exactly from the records' [sent, end] intervals.
 */
export async function summarizeRecords(
  records: Iterable<RequestRecord> | AsyncIterable<RequestRecord>,
  meta: SummaryMetaInput,
  opts: RecorderOptions = {},
): Promise<Summary> {
  const rec = createRecorder(opts);
  const sends: number[] = [];
  const ends: number[] = [];
  for await (const r of records) {
    rec.onSent(r.times.sent, { phase: r.phase });
    rec.onFinished(r);
    sends.push(r.times.sent);
    ends.push(r.times.end);
  }
  rec.timeseries.setInFlightMaxFromIntervals(sends, ends);
  return rec.summary(meta);
}
