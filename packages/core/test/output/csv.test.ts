import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PODS_CSV_COLUMNS, REQUESTS_CSV_COLUMNS, TIMESERIES_CSV_COLUMNS, writePodsCsv, writeRequestsCsvFromJsonl, writeTimeseriesCsv } from '../../src/output/csv.ts';
import { createJsonlWriter } from '../../src/output/jsonl.ts';
import { itlMeanMs } from '../../src/record/itl.ts';
import { summarizeRecords } from '../../src/record/summarize-records.ts';
import { makeRecord, randomRecords } from '../record/record-fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'rb-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Minimal RFC 4180 reader: quoted fields, doubled quotes, commas and newlines inside quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n') row.push(field), rows.push(row), (row = []), (field = '');
    else field += c;
  }
  if (field !== '' || row.length) row.push(field), rows.push(row);
  return rows;
}

const num = (s: string) => (s === '' ? null : Number(s));

describe('csv outputs', () => {
  it('requests.csv has the documented columns and one row per record that reads back', async () => {
    const records = [
      ...randomRecords(60, 'csv'),
      makeRecord({ seq: 60, model: 'org/model, "quoted"', pod: null, groupId: 'g,1', errorClass: null }),
    ];
    const jsonl = createJsonlWriter(join(dir, 'requests.jsonl'));
    for (const r of records) jsonl.write(r);
    jsonl.close();
    const path = join(dir, 'requests.csv');
    expect((await writeRequestsCsvFromJsonl(jsonl.path, path, { validate: true })).rows).toBe(records.length);
    const [header, ...rows] = parseCsv(readFileSync(path, 'utf8'));
    expect(header).toEqual([...REQUESTS_CSV_COLUMNS]);
    expect(rows.length).toBe(records.length);
    rows.forEach((row, i) => {
      const r = records[i];
      const get = (c: (typeof REQUESTS_CSV_COLUMNS)[number]) => row[REQUESTS_CSV_COLUMNS.indexOf(c)];
      expect(row.length).toBe(REQUESTS_CSV_COLUMNS.length);
      expect(Number(get('seq'))).toBe(r.seq);
      expect(get('requestId')).toBe(r.requestId);
      expect(get('model')).toBe(r.model);
      expect(get('pod')).toBe(r.pod ?? '');
      expect(get('groupId')).toBe(r.groupId ?? '');
      expect(get('status')).toBe(r.status);
      expect(get('errorClass')).toBe(r.errorClass ?? '');
      expect(num(get('httpStatus'))).toBe(r.httpStatus);
      for (const [col, v] of [
        ['ttftMs', r.ttftMs],
        ['tpotMs', r.tpotMs],
        ['e2eMs', r.e2eMs],
        ['itlMeanMs', itlMeanMs(r.chunks)],
        ['latencyFromIntendedMs', r.latencyFromIntendedMs],
      ] as const) {
        if (v === null) expect(get(col), col).toBe('');
        else expect(Math.abs(num(get(col))! - v), col).toBeLessThanOrEqual(0.0005 + 1e-9);
      }
      expect(num(get('completionTokens'))).toBe(r.completionTokens);
    });
  });

  it('pods.csv has one row per pod with shares summing to 1 and the summary percentiles', async () => {
    const summary = await summarizeRecords(randomRecords(400, 'pods'), {
      scenario: 'pods',
      target: 'http://127.0.0.1:1/',
      startedAt: '2026-01-01T00:00:00Z',
      endedAt: '2026-01-01T00:00:30Z',
    });
    const path = join(dir, 'pods.csv');
    expect(await writePodsCsv(summary, path)).toBe(4);
    const [header, ...rows] = parseCsv(readFileSync(path, 'utf8'));
    expect(header).toEqual([...PODS_CSV_COLUMNS]);
    const col = (row: string[], c: (typeof PODS_CSV_COLUMNS)[number]) => row[PODS_CSV_COLUMNS.indexOf(c)];
    expect(rows.map((r) => col(r, 'pod'))).toEqual(['pod-a', 'pod-b', 'pod-c', 'unknown']);
    expect(rows.reduce((s, r) => s + Number(col(r, 'share')), 0)).toBeCloseTo(1, 5);
    for (const row of rows) {
      const d = summary.dimensions[`pod:${col(row, 'pod')}`];
      expect(Number(col(row, 'requests'))).toBe(d.count);
      expect(Number(col(row, 'errors'))).toBe(d.errors);
      expect(Math.abs(Number(col(row, 'ttftP99Ms')) - d.ttft.p99!)).toBeLessThanOrEqual(0.0005 + 1e-9);
      expect(Math.abs(Number(col(row, 'itlP50Ms')) - d.itl.p50!)).toBeLessThanOrEqual(0.0005 + 1e-9);
      expect(Number(col(row, 'outputTokens'))).toBe(d.tokens.completion);
    }
  });

  it('timeseries.csv has one row per second matching the summary timeline', async () => {
    const records = randomRecords(300, 'ts');
    const summary = await summarizeRecords(records, {
      scenario: 'ts',
      target: 'http://127.0.0.1:1/',
      startedAt: '2026-01-01T00:00:00Z',
      endedAt: '2026-01-01T00:00:30Z',
    });
    const path = join(dir, 'timeseries.csv');
    const n = await writeTimeseriesCsv(summary, path);
    const [header, ...rows] = parseCsv(readFileSync(path, 'utf8'));
    expect(header).toEqual([...TIMESERIES_CSV_COLUMNS]);
    expect(rows).toHaveLength(n);
    expect(n).toBe(summary.timeseries.buckets.length);
    expect(rows.reduce((a, r) => a + Number(r[1]), 0)).toBe(records.length); // every request sent in some second
    expect(rows.map((r) => Number(r[0]))).toEqual(summary.timeseries.buckets.map((b) => b.t));
  });
});
