import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as stringifySync } from 'csv-stringify/sync';
import { csvRecord, type CsvCell } from '../../src/output/csv-row.ts';
import { REQUESTS_CSV_COLUMNS, requestCsvRow, writeRequestsCsvFromJsonl } from '../../src/output/csv.ts';
import { createJsonlWriter } from '../../src/output/jsonl.ts';
import { makeRecord, randomRecords } from '../record/record-fixtures.ts';

// csv-stringify with routebench's cast is the reference the hand-written row must equal byte for byte.
const reference = (rows: CsvCell[][]) => stringifySync(rows, { cast: { number: (n: number) => String(n) } });

const AWKWARD: CsvCell[] = [
  null,
  '',
  ' ',
  'plain',
  'a,b',
  'say "hi"',
  '"',
  '""',
  'line\nbreak',
  'cr\rhere',
  'crlf\r\n',
  ',leading',
  'trailing,',
  "it's",
  '=1+1',
  '\t tab',
  'ünïcødé, 模型',
  '😀"emoji"',
  'org/model:v1@sha256',
  0,
  -0,
  1,
  -1.5,
  0.001,
  1e21,
  123456789.123,
  Number.NaN,
  Number.POSITIVE_INFINITY,
];

describe('csvRecord', () => {
  it('equals csv-stringify for every awkward cell, alone and in a row', () => {
    for (const v of AWKWARD) expect(csvRecord([v]), JSON.stringify(String(v))).toBe(reference([[v]]));
    expect(csvRecord(AWKWARD)).toBe(reference([AWKWARD]));
  });

  it('equals csv-stringify on random rows drawn from the awkward cells', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let n = 0; n < 500; n++) {
      const row = Array.from({ length: 1 + Math.floor(rnd() * 12) }, () => AWKWARD[Math.floor(rnd() * AWKWARD.length)]!);
      expect(csvRecord(row)).toBe(reference([row]));
    }
  });

  it('catches a row that would not round-trip (a bare quote left unescaped would differ)', () => {
    expect(csvRecord(['a"b'])).toBe('"a""b"\n');
    expect(csvRecord([null, null])).toBe(',\n');
  });
});

describe('requests.csv rendered from requests.jsonl', () => {
  it('is byte-identical to csv-stringify over the same records, with and without validation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rb-csvrow-'));
    try {
      const records = [
        ...randomRecords(80, 'csvrow'),
        makeRecord({ seq: 80, model: 'org/model, "quoted"\nnext', servedModel: 'a\rb', pod: null, groupId: 'g,1', errorClass: null }),
      ];
      const jsonl = createJsonlWriter(join(dir, 'requests.jsonl'));
      for (const r of records) jsonl.write(r);
      jsonl.close();
      const expected = reference([[...REQUESTS_CSV_COLUMNS], ...records.map(requestCsvRow)]);
      for (const validate of [false, true]) {
        const out = await writeRequestsCsvFromJsonl(join(dir, 'requests.jsonl'), join(dir, `from-jsonl-${validate}.csv`), { validate });
        expect(out.rows).toBe(records.length);
        expect(out.skipped).toBe(0);
        expect(readFileSync(join(dir, `from-jsonl-${validate}.csv`), 'utf8')).toBe(expected);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('skips and counts a line that does not parse and one that is not a record', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rb-csvrow-'));
    try {
      const [a, b] = randomRecords(2, 'skip');
      writeFileSync(join(dir, 'requests.jsonl'), `${JSON.stringify(a)}\n{"seq": oops\n${JSON.stringify({ seq: 'x' })}\n${JSON.stringify(b)}\n`);
      // Unvalidated, a line not shaped like a record still goes through the schema instead of failing the render.
      for (const validate of [false, true]) {
        const out = await writeRequestsCsvFromJsonl(join(dir, 'requests.jsonl'), join(dir, `out-${validate}.csv`), { validate });
        expect(out.rows).toBe(2);
        expect(out.skipped).toBe(2);
        expect(readFileSync(join(dir, `out-${validate}.csv`), 'utf8').trim().split('\n')).toHaveLength(3);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
