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
    for (let i = 0; i < 9; i++) f.write(`${String(i).padStart(9, '0')}\n`); // 90 chars: still in memory
    expect(readFileSync(path, 'utf8')).toBe('');
    expect(f.flushedLines).toBe(0);
    f.write('000000009\n'); // 100: the batch goes out
    expect(f.flushedLines).toBe(10);
    expect(readFileSync(path, 'utf8').split('\n').slice(0, -1)).toEqual(Array.from({ length: 10 }, (_, i) => String(i).padStart(9, '0')));
    f.close();
  });

  it("'a' appends to what is there, 'w' truncates; close flushes, is idempotent, and a write after it throws", () => {
    const path = join(dir, 'flags.txt');
    const a = createBatchedFile(path, { flags: 'w' });
    a.write('one\n');
    a.close();
    a.close();
    expect(() => a.write('late\n')).toThrow(/closed/);
    const b = createBatchedFile(path, { flags: 'a' });
    b.write('two é\n');
    b.close();
    expect(readFileSync(path, 'utf8')).toBe('one\ntwo é\n');
    const c = createBatchedFile(path, { flags: 'w' });
    c.close();
    expect(readFileSync(path, 'utf8')).toBe('');
  });

  it('renders queued items a batch at a time, in order, counting itemChars toward maxBytes', () => {
    const path = join(dir, 'render.txt');
    const batches: number[][] = [];
    const f = createBatchedFile<number>(path, { itemChars: 10, maxBytes: 30, flushMs: 60_000, render: (xs) => (batches.push([...xs]), xs.map((x) => `${x}\n`).join('')) });
    f.write(1);
    f.write(2);
    expect(batches).toEqual([]);
    f.write(3); // 3 × 10 chars: the batch goes out
    f.write(4);
    f.close();
    expect(batches).toEqual([[1, 2, 3], [4]]);
    expect(readFileSync(path, 'utf8')).toBe('1\n2\n3\n4\n');
  });
});

