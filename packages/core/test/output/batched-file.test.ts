import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBatchedFile } from '../../src/output/batched-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'rb-batched-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('batched file', () => {
  it('holds lines until maxBytes, then writes them in order with one batch', () => {
    const path = join(dir, 'size.txt');
    const f = createBatchedFile(path, { maxBytes: 100, flushMs: 60_000 });
    for (let i = 0; i < 9; i++) f.writeLine(String(i).padStart(9, '0')); // 90 bytes with newlines: still in memory
    expect(readFileSync(path, 'utf8')).toBe('');
    expect(f.flushedLines).toBe(0);
    f.writeLine('000000009'); // 100: the batch goes out
    expect(f.flushedLines).toBe(10);
    expect(readFileSync(path, 'utf8').split('\n').slice(0, -1)).toEqual(Array.from({ length: 10 }, (_, i) => String(i).padStart(9, '0')));
    f.close();
  });

  it("'a' appends to what is there, 'w' truncates; close flushes, is idempotent, and a write after it throws", () => {
    const path = join(dir, 'flags.txt');
    const a = createBatchedFile(path, { flags: 'w' });
    a.writeLine('one');
    a.close();
    a.close();
    expect(() => a.writeLine('late')).toThrow(/closed/);
    const b = createBatchedFile(path, { flags: 'a' });
    b.writeLine('two é');
    b.close();
    expect(readFileSync(path, 'utf8')).toBe('one\ntwo é\n');
    const c = createBatchedFile(path, { flags: 'w' });
    c.close();
    expect(readFileSync(path, 'utf8')).toBe('');
  });

  it('writes a line larger than the whole buffer on its own, after what was queued, and counts multi-byte text in bytes', () => {
    const path = join(dir, 'big.txt');
    const f = createBatchedFile(path, { maxBytes: 16, flushMs: 60_000 });
    f.writeLine('a');
    const big = 'x'.repeat(40);
    f.writeLine(big); // 41 bytes > 16: flushes 'a', then goes out alone
    expect(readFileSync(path, 'utf8')).toBe(`a\n${big}\n`);
    expect(f.flushedLines).toBe(2);
    f.writeLine('éééé'); // 9 bytes with its newline, 5 UTF-16 units: still in memory
    expect(f.flushedLines).toBe(2);
    f.writeLine('ééé'); // 7 more bytes: 16 = the buffer, flushed
    expect(f.flushedLines).toBe(4);
    f.writeLine('😀😀😀😀'); // 17 bytes: more than the buffer holds, written alone
    f.close();
    expect(readFileSync(path, 'utf8')).toBe(`a\n${big}\néééé\nééé\n😀😀😀😀\n`);
  });

  it('keeps nothing of a written line: the text is encoded at write() (a later change to the source cannot reach the file)', () => {
    const path = join(dir, 'copy.txt');
    const f = createBatchedFile(path, { flushMs: 60_000 });
    const parts = ['left', ',', 'right'];
    f.writeLine(parts.join(''));
    parts[0] = 'CHANGED';
    f.close();
    expect(readFileSync(path, 'utf8')).toBe('left,right\n');
  });
});
