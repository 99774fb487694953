import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { RecorderSnapshot } from '@routebench/core';
import { createProgressView, formatProgress } from '../src/progress.ts';

const snap = (tMs: number, over: Partial<RecorderSnapshot> = {}): RecorderSnapshot => ({
  tMs,
  sent: 40,
  completed: 35,
  errors: 1,
  inFlight: 5,
  warmupSent: 0,
  warmupCompleted: 0,
  windowS: 10,
  rps: 12.5,
  outputTokensPerS: 800,
  ttftP50Ms: 21.3,
  ttftP99Ms: 88.0,
  ...over,
});

describe('progress', () => {
  it('shows elapsed/planned, sent/planned, in flight, errors, rates and rolling TTFT', () => {
    const line = formatProgress('main', snap(4200), { durationS: 60, requests: 100 });
    expect(line).toBe('[main] 4.2/60s  sent 40/100  done 35  in-flight 5  errors 1  12.5 req/s  800 tok/s  TTFT p50 21.3ms p99 88.0ms');
    expect(formatProgress('x', snap(0, { ttftP50Ms: null, ttftP99Ms: null }))).toContain('TTFT p50 - p99 -');
  });

  it('writes plain lines no more often than the interval when not a TTY (CI logs)', () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString()));
    const view = createProgressView(out as unknown as NodeJS.WriteStream, 5000);
    view.start('main', 'sim:agg-2', { requests: 100 });
    for (const t of [1000, 2000, 5000, 6000, 10_500]) view.update('main', snap(t));
    view.done();
    const lines = chunks.join('').trim().split('\n');
    expect(lines[0]).toBe('[main] running against sim:agg-2');
    expect(lines.slice(1).map((l) => l.split(' ')[1])).toEqual(['5.0s', '10.5s']);
  });
});
