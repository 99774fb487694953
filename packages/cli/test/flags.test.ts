// Flags do what they say (issue #16): a flag the user gave wins over the preset's load shape, or the run is
// refused naming the conflicting flags; never quietly dropped. Against a loopback server that counts requests.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EXIT } from '../src/exit-codes.ts';
import { startFaultServer, type FaultServer } from '../../core/test/fixtures/fault-server.ts';
import { runCli } from './cli-harness.ts';

let dir: string;
let server: FaultServer;
let n = 0;
const out = () => join(dir, `o${n++}`);
const scenarioIn = (d: string) => JSON.parse(readFileSync(join(d, 'scenario.json'), 'utf8'));
const summaryIn = (d: string) => JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8'));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rb-flags-'));
  server = await startFaultServer();
});
beforeEach(() => {
  server.seen.length = 0;
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('load flags win over the preset', () => {
  for (const workers of ['1', '2']) {
    it(`--requests 3 --concurrency 8 sends exactly 3 requests (--workers ${workers})`, async () => {
      const o = out();
      const r = await runCli(['run', 'smoke', '--target', server.url, '--requests', '3', '--concurrency', '8', '--workers', workers, '--out', o]);
      expect(r.code, r.out).toBe(EXIT.ok);
      expect(server.completions()).toHaveLength(3);
      expect(summaryIn(o).counts.sent).toBe(3);
    });
  }

  it('--duration replaces the preset requests bound', async () => {
    const o = out();
    const r = await runCli(['run', 'smoke', '--quick', '--target', server.url, '--duration', '1', '--out', o]);
    expect(r.code, r.out).toBe(EXIT.ok);
    const load = scenarioIn(o).load;
    expect(load.requests).toBeUndefined();
    expect(load.durationS).toBe(1);
    // The quick preset stops at 4 requests; for one second two users send many more against loopback.
    expect(server.completions().length).toBeGreaterThan(4);
  });

  it('--rate turns a closed-loop preset into an open loop at that rate', async () => {
    const o = out();
    const r = await runCli(['run', 'smoke', '--quick', '--target', server.url, '--rate', '50', '--requests', '5', '--out', o]);
    expect(r.code, r.out).toBe(EXIT.ok);
    const load = scenarioIn(o).load;
    expect(load).toMatchObject({ type: 'constant', rate: 50, requests: 5 });
    expect(load.concurrency).toBeUndefined();
    expect(summaryIn(o).rates.requestedRate).toBe(50);
  });

  it('--concurrency turns an open-loop preset into a closed loop', async () => {
    const o = out();
    const file = join(dir, 'poisson.json');
    const scenario = { name: 'open', feature: 'f', mode: 'Aggregated', target: { url: server.url }, workload: { type: 'random', input_len: 8, output_len: 2 }, load: { type: 'poisson', rate: 2, durationS: 60 }, claims: [] };
    writeFileSync(file, JSON.stringify(scenario));
    const r = await runCli(['run', file, '--concurrency', '2', '--requests', '4', '--out', o]);
    expect(r.code, r.out).toBe(EXIT.ok);
    expect(scenarioIn(o).load).toMatchObject({ type: 'concurrency', concurrency: 2, requests: 4 });
    expect(server.completions()).toHaveLength(4);
  });

  const refused: [string, string[], RegExp][] = [
    ['--rate with --concurrency', ['--rate', '5', '--concurrency', '2'], /--rate .*--concurrency .*conflict/],
    ['--rate on a staged load', ['--rate', '5'], /--rate: .*stages/],
    ['--duration on a staged load', ['--duration', '5'], /--duration: .*stages/],
  ];
  for (const [name, flags, message] of refused) {
    it(`refuses ${name} (exit 2, nothing sent)`, async () => {
      const preset = name.includes('staged') ? 'autoscale' : 'smoke';
      const r = await runCli(['run', preset, '--target', server.url, ...flags, '--out', out()]);
      expect(r.code, r.out).toBe(EXIT.usage);
      expect(r.out).toMatch(message);
      expect(server.completions()).toHaveLength(0);
    });
  }
});
