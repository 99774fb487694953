import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJsonlWriter, readJsonl, type JsonlSkip } from '../../src/output/jsonl.ts';
import { RequestRecordSchema, type RequestRecord } from '../../src/record/request-record.ts';
import { summarizeRecords } from '../../src/record/summarize-records.ts';
import { randomRecords } from '../record/record-fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'rb-jsonl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
}

describe('jsonl', () => {
  it('round-trips records and appends to an existing file', async () => {
    const path = join(dir, 'roundtrip.jsonl');
    const records = randomRecords(40, 'jsonl');
    const w = createJsonlWriter(path);
    for (const r of records.slice(0, 25)) w.write(r);
    w.close();
    const w2 = createJsonlWriter(path); // reopen: 'a' must not truncate
    for (const r of records.slice(25)) w2.write(r);
    expect(w2.lines).toBe(15);
    w2.close();
    expect(() => w2.write({})).toThrow(/closed/);
    // every line is complete on disk as soon as write() returns
    expect(readFileSync(path, 'utf8').split('\n').length).toBe(41);
    const reader = readJsonl(path, { schema: RequestRecordSchema });
    const back = await collect(reader);
    expect(back).toEqual(records);
    expect(reader.stats).toEqual({ lines: 40, records: 40, skipped: 0, truncatedTail: false, corruptLines: [] });
  });

  it('reads a file cut mid-line up to the last complete record', async () => {
    const path = join(dir, 'cut.jsonl');
    const records = randomRecords(10, 'cut');
    const w = createJsonlWriter(path);
    for (const r of records) w.write(r);
    w.close();
    const full = readFileSync(path);
    const lastLineStart = full.lastIndexOf('\n', full.length - 2) + 1;
    truncateSync(path, lastLineStart + 37); // as if SIGKILLed in the middle of the 10th write
    const skips: JsonlSkip[] = [];
    const reader = readJsonl<RequestRecord>(path, { onSkip: (s) => skips.push(s) });
    const back = await collect(reader);
    expect(back).toEqual(records.slice(0, 9));
    expect(reader.stats.truncatedTail).toBe(true);
    expect(reader.stats.skipped).toBe(1);
    expect(reader.stats.corruptLines).toEqual([]);
    expect(skips).toMatchObject([{ line: 10, truncatedTail: true }]);
    // a rebuilt summary covers exactly the complete records
    const s = await summarizeRecords(readJsonl(path, { schema: RequestRecordSchema }), {
      scenario: 'cut',
      target: 'http://127.0.0.1:1/',
      startedAt: '2026-01-01T00:00:00Z',
      endedAt: '2026-01-01T00:00:10Z',
    });
    expect(s.counts.sent + s.counts.warmup.sent).toBe(9);
  });

  it('skips and names a corrupt line in the middle without throwing', async () => {
    const path = join(dir, 'corrupt.jsonl');
    writeFileSync(path, '{"a":1}\n{"a":2\n\n{"a":3}\n[1,2]\n');
    appendFileSync(path, '{"a":4}\n');
    const skips: JsonlSkip[] = [];
    const reader = readJsonl(path, { onSkip: (s) => skips.push(s) });
    expect(await collect(reader)).toEqual([{ a: 1 }, { a: 3 }, [1, 2], { a: 4 }]);
    expect(reader.stats).toMatchObject({ lines: 5, records: 4, skipped: 1, truncatedTail: false, corruptLines: [2] });
    expect(skips[0].reason).toMatch(/JSON/);

    // with a schema, a well-formed line of the wrong shape is also skipped and named, with the field path
    const withSchema = readJsonl(path, { schema: RequestRecordSchema, onSkip: (s) => skips.push(s) });
    expect(await collect(withSchema)).toEqual([]);
    expect(withSchema.stats.corruptLines).toEqual([1, 2, 4, 5, 6]);
    expect(skips.at(-1)!.reason).toMatch(/seq|expected/);
  });

  it('a complete but corrupt last line (file ends with a newline) is corrupt, not truncated', async () => {
    const path = join(dir, 'lastbad.jsonl');
    writeFileSync(path, '{"a":1}\nnot json\n');
    const reader = readJsonl(path);
    expect(await collect(reader)).toEqual([{ a: 1 }]);
    expect(reader.stats).toMatchObject({ truncatedTail: false, corruptLines: [2], skipped: 1 });
  });

  it('a writer SIGKILLed mid-run loses nothing it had flushed, at most the batch in memory and the line in progress', async () => {
    const path = join(dir, 'killed.jsonl');
    const script = join(dir, 'writer.ts');
    const jsonlModule = fileURLToPath(new URL('../../src/output/jsonl.ts', import.meta.url));
    // The child reports how many lines it has flushed (handed to the kernel) after each write; a pipe write is
    // synchronous on Linux. It is bounded (never an endless writer if the kill went wrong) and runs as ONE node
    // process with the tsx loader: the tsx CLI would fork a grandchild that SIGKILLing the CLI leaves running.
    // A small maxBytes makes batches go out while it writes; the timer flushes between them.
    writeFileSync(
      script,
      `import { createJsonlWriter } from ${JSON.stringify(jsonlModule)};
       const w = createJsonlWriter(${JSON.stringify(path)}, { maxBytes: 8192, flushMs: 20 });
       const pad = 'x'.repeat(500);
       for (let i = 0; i < 50000; i++) { w.write({ i, pad }); process.stdout.write(w.flushedLines + '\\n'); }`,
    );
    const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    let reported = 0;
    let buf = '';
    try {
      await new Promise<void>((resolve, reject) => {
        child.on('error', reject);
        child.on('exit', (code, signal) => reject(new Error(`writer exited early (${code ?? signal})`)));
        child.stdout!.on('data', (d: Buffer) => {
          buf += d.toString();
          const lines = buf.split('\n');
          buf = lines.pop()!;
          if (lines.length) reported = Number(lines[lines.length - 1]);
          if (reported >= 300) resolve();
        });
      });
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
    }
    expect(child.signalCode).toBe('SIGKILL');
    expect(() => process.kill(child.pid!, 0)).toThrow(); // the writer itself is gone, no orphan left
    const reader = readJsonl<{ i: number }>(path);
    const back = await collect(reader);
    expect(back.length).toBeGreaterThanOrEqual(reported);
    expect(back.every((r, k) => r.i === k)).toBe(true);
    expect(reader.stats.skipped).toBeLessThanOrEqual(1);
    expect(reader.stats.corruptLines).toEqual([]);
  });

  it('a process that throws or exits keeps every line it wrote (flushed at exit), without close()', async () => {
    const jsonlModule = fileURLToPath(new URL('../../src/output/jsonl.ts', import.meta.url));
    const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
    for (const ending of ['throw new Error("crash")', 'process.exit(3)']) {
      const path = join(dir, `ending-${ending.length}.jsonl`);
      const script = join(dir, `ending-${ending.length}.ts`);
      writeFileSync(
        script,
        `import { createJsonlWriter } from ${JSON.stringify(jsonlModule)};
         const w = createJsonlWriter(${JSON.stringify(path)}, { flushMs: 60_000 });
         for (let i = 0; i < 1000; i++) w.write({ i });
         if (w.flushedLines === 1000) throw new Error('expected the lines to be still in memory');
         ${ending};`,
      );
      const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, stdio: 'ignore' });
      const code = await new Promise<number | null>((r) => child.once('exit', r));
      expect(code, ending).not.toBe(0);
      const back = await collect(readJsonl<{ i: number }>(path));
      expect(back.map((r) => r.i)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    }
  });

  it('a batch reaches the file within flushMs while the writer stays open', async () => {
    const path = join(dir, 'timer.jsonl');
    const w = createJsonlWriter(path, { flushMs: 20 });
    w.write({ i: 0 });
    expect(w.flushedLines).toBe(0);
    const deadline = Date.now() + 10_000; // the timer fires within 20 ms; the bound is for a busy machine
    while (w.flushedLines === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(await collect(readJsonl(path))).toEqual([{ i: 0 }]);
    w.close();
  });

  it('stops cleanly when the consumer breaks early, and an empty file yields nothing', async () => {
    const path = join(dir, 'early.jsonl');
    const w = createJsonlWriter(path);
    for (let i = 0; i < 100; i++) w.write({ i });
    w.close();
    let n = 0;
    for await (const _ of readJsonl(path)) if (++n === 3) break;
    expect(n).toBe(3);
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '');
    expect(await collect(readJsonl(empty))).toEqual([]);
  });
});
