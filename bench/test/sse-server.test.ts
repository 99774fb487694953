// The bench server, in its own process, driven by routebench's real run().
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../packages/core/src/run.ts';
import type { RequestRecord } from '../../packages/core/src/record/request-record.ts';
import { startServer, stopServer } from '../processes.ts';

let target = '';
let proc: ChildProcess;
beforeAll(async () => {
  ({ target, proc } = await startServer());
});
afterAll(async () => {
  await stopServer(proc);
});

const spec = { api: 'chat' as const, model: 'm', messages: [{ role: 'user' as const, content: 'hi' }], maxTokens: 8 };
async function drive(n: number, headers: Record<string, string>, concurrency = 4): Promise<RequestRecord[]> {
  const recs: RequestRecord[] = [];
  await run({ target, workload: Array.from({ length: n }, () => spec), load: { type: 'concurrency', concurrency, requests: n }, headers }).on('request', (r) => recs.push(r));
  return recs;
}
const control = async (what: string, method = 'GET') => (await fetch(`${target}/__bench/${what}`, { method })).json() as Promise<Record<string, unknown>>;

describe('bench SSE server', () => {
  it('zero-delay responses stream N tokens that routebench counts exactly', async () => {
    const recs = await drive(20, { 'x-bench-tokens': '7' });
    expect(recs).toHaveLength(20);
    for (const r of recs) {
      expect(r.status).toBe('ok');
      expect(r.tokenSource).toBe('continuous_usage');
      expect(r.completionTokens).toBe(7);
      expect(r.chunks).toHaveLength(7);
    }
  });

  it('records receive and per-chunk write times, spaced by the asked-for gap', async () => {
    await control('emissions');
    const recs = await drive(3, { 'x-bench-tokens': '5', 'x-bench-itl-us': '4000', 'x-bench-record': '1' });
    const truth = (await control('emissions')) as Record<string, number[]>;
    for (const r of recs) {
      const w = truth[r.requestId]!;
      expect(w).toHaveLength(6); // received + 5 writes
      // Node measures a timer from the loop's cached clock, which can be up to ~1 ms stale: a 4 ms gap can
      // show as 3 ms on performance.now(), never less; on average the gaps are the asked-for 4 ms or more.
      const gaps = w.slice(2).map((t, j) => t - w[j + 1]!);
      for (const g of gaps) expect(g).toBeGreaterThanOrEqual(2.9);
      expect(gaps.reduce((a, b) => a + b, 0) / gaps.length).toBeGreaterThanOrEqual(3.5);
      expect(r.chunks).toHaveLength(5);
    }
    expect(await control('emissions')).toEqual({}); // fetching clears
  });

  it('holds streams open until released', async () => {
    const done = drive(5, { 'x-bench-tokens': '3', 'x-bench-hold': '1' }, 5);
    let held = 0;
    for (let i = 0; i < 100 && held < 5; i++) {
      held = (await control('stats')).held as number;
      if (held < 5) await new Promise((r) => setTimeout(r, 50));
    }
    expect(held).toBe(5);
    expect(await control('release', 'POST')).toEqual({ released: 5 });
    const recs = await done;
    expect(recs.map((r) => r.completionTokens)).toEqual([3, 3, 3, 3, 3]);
    expect((await control('stats')).activeStreams).toBe(0);
  });

  it('answers a malformed bench header with a 400 that names it', async () => {
    const [r] = await drive(1, { 'x-bench-tokens': 'lots' }, 1);
    expect(r!.errorClass).toBe('http_4xx');
    expect(r!.errorMessage).toContain('x-bench-tokens');
  });
});
