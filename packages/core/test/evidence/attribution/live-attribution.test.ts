import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileTail, snapshotTail } from '../../../src/evidence/attribution/live-attribution.ts';

describe('fileTail', () => {
  it('returns only complete new lines, keeping a half-written line for the next read', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'rb-tail-')), 'epp.log');
    const tail = fileTail(path);
    expect(await tail.read()).toBe(''); // not there yet
    writeFileSync(path, '{"a":1}\n{"b":');
    expect(await tail.read()).toBe('{"a":1}\n');
    appendFileSync(path, '2}\n');
    expect(await tail.read()).toBe('{"b":2}\n');
    expect(await tail.read()).toBe('');
  });

  it('starts over when the file was truncated (rotated)', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'rb-tail-')), 'epp.log');
    writeFileSync(path, 'line one is long\n');
    const tail = fileTail(path);
    expect(await tail.read()).toBe('line one is long\n');
    writeFileSync(path, 'new\n');
    expect(await tail.read()).toBe('new\n');
  });
});

describe('snapshotTail', () => {
  it('returns what each pod log gained since the last fetch, and a restarted (shorter) log whole', async () => {
    let logs = [{ pod: 'epp-0', text: 'a\nb\n' }];
    const tail = snapshotTail(async () => logs);
    expect(await tail.read()).toBe('a\nb\n');
    logs = [{ pod: 'epp-0', text: 'a\nb\nc\npartial' }, { pod: 'epp-1', text: 'x\n' }];
    expect(await tail.read()).toBe('c\nx\n');
    logs = [{ pod: 'epp-0', text: 'fresh\n' }, { pod: 'epp-1', text: 'x\n' }];
    expect(await tail.read()).toBe('fresh\n');
  });

  it('reads as empty when the fetch fails (missing evidence, not a failed run)', async () => {
    const tail = snapshotTail(async () => {
      throw new Error('403');
    });
    expect(await tail.read()).toBe('');
  });
});
