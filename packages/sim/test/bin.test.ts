import { afterAll, describe, expect, it } from 'vitest';
import { startFromCli } from '../src/bin.ts';
import type { Cluster } from '../src/cluster.ts';

describe('startFromCli', () => {
  let c: Cluster | undefined;
  afterAll(async () => {
    await c?.stop();
  });
  it('starts a preset and prints reachable URLs', async () => {
    const lines: string[] = [];
    c = await startFromCli(['--preset', 'agg-2', '--kv-events', 'dropped'], { out: (l) => lines.push(l), handleSignals: false });
    const gw = lines.find((l) => l.startsWith('gateway'))!.split(/\s+/)[1]!;
    expect((await fetch(`${gw}/health`)).status).toBe(200);
    expect(lines.filter((l) => l.startsWith('pod '))).toHaveLength(2);
    expect(c.kvEventsFault).toBe('dropped');
  });
  it('rejects bad arguments', async () => {
    await expect(startFromCli([], { handleSignals: false })).rejects.toThrow(/exactly one of --preset, --config or --epp-config/);
    await expect(startFromCli(['--preset', 'nope'], { handleSignals: false })).rejects.toThrow(/unknown preset/);
    await expect(startFromCli(['--preset', 'agg-2', '--kv-transfer', 'maybe'], { handleSignals: false })).rejects.toThrow(/kvTransfer/);
    await expect(startFromCli(['--bogus'], { handleSignals: false })).rejects.toThrow(/bogus/);
  });
});
