// The simulated EPP log through real HTTP: upstream's lines at upstream's verbosity, read back by the
// core readers; the gateway's x-request-id regeneration.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEppLog, readScorerPicks } from '@routebench/core';
import { startCluster } from '../../src/cluster.ts';
import { presetSpec } from '../../src/presets.ts';
import { formatEppLogLines } from '../../src/epp/epp-log.ts';
import { chat, text } from '../sim-client.ts';

const MODEL = 'Qwen/Qwen2.5-7B-Instruct';

async function runOnce(opts: { eppVerbosity: number; llmdVersion?: 'v0.7' | 'router'; gatewayRequestId?: 'preserve' | 'regenerate'; preset?: 'agg-2' | 'pd-precise' }) {
  const eppLogPath = join(mkdtempSync(join(tmpdir(), 'epp-log-')), 'epp.log');
  const spec = { ...presetSpec(opts.preset ?? 'agg-2', { eppLogPath, llmdVersion: opts.llmdVersion ?? 'router' }), eppVerbosity: opts.eppVerbosity, gatewayRequestId: opts.gatewayRequestId ?? 'preserve' };
  const c = await startCluster(spec);
  try {
    await c.waitReady();
    const ids = ['rid-a', 'rid-b', 'rid-c'];
    const served: (string | null)[] = [];
    for (const id of ids) {
      const r = await chat(c.gatewayUrl, MODEL, [{ role: 'user', content: text(40, id) }], { maxTokens: 2, headers: { 'x-request-id': id } });
      expect(r.status).toBe(200);
      served.push(r.pod);
    }
    const addresses = Object.fromEntries(c.pods.map((p) => [new URL(p.metricsUrl).host, p.name]));
    await c.stop();
    return { ids, served, log: readFileSync(eppLogPath, 'utf8'), addresses };
  } catch (e) {
    await c.stop();
    throw e;
  }
}

const lines = (log: string) => log.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('simulated EPP log', () => {
  it('writes nothing per request at the chart default verbosity (1)', async () => {
    const { log } = await runOnce({ eppVerbosity: 1 });
    expect(log).toBe('');
  });

  it('writes only "Request handled" at V(3), with endpoint ip:port and the client x-request-id', async () => {
    const { ids, served, log, addresses } = await runOnce({ eppVerbosity: 3 });
    const ls = lines(log);
    expect(ls.map((l) => l.msg)).toEqual(['Request handled', 'Request handled', 'Request handled']);
    expect(ls[0]).toMatchObject({ level: 'Level(-3)', 'x-request-id': 'rid-a', incomingModelName: MODEL, targetModel: MODEL });
    expect(ls[0]).not.toHaveProperty('pod');
    const picks = parseEppLog(log).picks;
    expect(ids.map((id) => addresses[picks.get(id)!])).toEqual(served);
  });

  it('at V(4) writes one "Calculated score" line per endpoint per scorer, readable by readScorerPicks', async () => {
    const { log } = await runOnce({ eppVerbosity: 4 });
    const scoreLines = lines(log).filter((l) => l.msg === 'Calculated score');
    expect(scoreLines.length).toBeGreaterThan(0);
    expect(scoreLines[0]).toMatchObject({ level: 'Level(-4)', 'x-request-id': 'rid-a' });
    expect(scoreLines[0]!.plugin).toMatch(/^[^/]+\/[^/]+$/);
    expect(scoreLines[0]!.endpoint).toMatchObject({ name: expect.stringMatching(/-rank-0$/) });
    expect(readScorerPicks(log, 'queue-scorer', -1)).not.toBeNull();
  });

  it('writes "Got endpoint scores" only for the v0.7 generation', async () => {
    const v07 = await runOnce({ eppVerbosity: 4, llmdVersion: 'v0.7', preset: 'pd-precise' });
    expect(lines(v07.log).some((l) => l.msg === 'Got endpoint scores')).toBe(true);
    const router = await runOnce({ eppVerbosity: 4, llmdVersion: 'router', preset: 'pd-precise' });
    expect(lines(router.log).some((l) => l.msg === 'Got endpoint scores')).toBe(false);
    expect(lines(router.log).some((l) => l.msg === 'Calculated score' && l.plugin === 'prefix-cache-scorer/prefix-cache-scorer')).toBe(true);
    const rec = { requestId: 'r', model: MODEL, targetModel: MODEL, endpoint: '10.0.0.1:8000', pod: 'p', preciseScores: { p: 3 }, addresses: { p: '10.0.0.1:8000' } };
    expect(formatEppLogLines(rec, { version: 'router', verbosity: 4 }).some((l) => l.includes('Got endpoint scores'))).toBe(false);
    const v07Line = formatEppLogLines(rec, { version: 'v0.7', verbosity: 4 }).find((l) => l.includes('Got endpoint scores'))!;
    expect(JSON.parse(v07Line)).toMatchObject({ scores: { '10.0.0.1:8000': 3 }, 'x-request-id': 'r' });
  });

  it("replaces the client's x-request-id when the gateway regenerates it", async () => {
    const { ids, log } = await runOnce({ eppVerbosity: 3, gatewayRequestId: 'regenerate' });
    const logged = lines(log).map((l) => l['x-request-id']);
    expect(logged).toHaveLength(3);
    for (const id of ids) expect(logged).not.toContain(id);
  });
});
