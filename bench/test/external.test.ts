import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAutocannon, runBareUndici, runOpenStreamsPeer } from '../external.ts';
import { startServer, stopServer } from '../processes.ts';

let target = '';
let proc: ChildProcess;
beforeAll(async () => {
  ({ target, proc } = await startServer());
});
afterAll(async () => {
  await stopServer(proc);
});

describe('autocannon against the bench server', () => {
  it('gets 2xx responses from the same endpoint and reports a request rate', async () => {
    const o = await runAutocannon({ target, connections: 4, tokens: 16, durationS: 1 });
    expect(o.ok).toBe(true);
    if (!o.ok) return;
    expect(o.result.errors).toBe(0);
    expect(o.result.total).toBeGreaterThan(0);
    expect(o.result.reqPerS).toBeGreaterThan(0);
  });
});

describe('the bare undici loop against the bench server', () => {
  it('parses every SSE event of its streams and reports a stream rate with no errors', async () => {
    const o = await runBareUndici({ target, connections: 4, tokens: 16, durationS: 1 });
    expect(o.ok, o.ok ? '' : o.skipped).toBe(true);
    if (!o.ok) return;
    expect(o.result.errors).toBe(0);
    expect(o.result.total).toBeGreaterThan(0);
    expect(o.result.reqPerS).toBeGreaterThan(0);
  });
});

describe('the open-streams memory peers against the bench server', () => {
  for (const tool of ['bare-undici', 'net'] as const) {
    it(`${tool} holds every stream open at the moment it measures, with no errors`, async () => {
      const r = await runOpenStreamsPeer(target, 20, tool);
      expect(r.tool).toBe(tool);
      expect(r.errors, r.firstError ?? '').toBe(0);
      expect(r.openAtMeasure).toBe(20);
      expect(r.rssOpenBytes).toBeGreaterThan(0);
      expect(Number.isFinite(r.heapPerStreamBytes)).toBe(true);
    }, 60_000);
  }
});
