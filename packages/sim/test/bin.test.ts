import { afterAll, describe, expect, it } from 'vitest';
import { startFromCli } from '../src/bin.ts';
import type { Cluster } from '../src/cluster.ts';
import type { MultiPool } from '../src/multi-pool.ts';

describe('startFromCli', () => {
  let c: Cluster | MultiPool | undefined;
  afterAll(async () => {
    await c?.stop();
  });
  it('starts a preset and prints reachable URLs', async () => {
    const lines: string[] = [];
    c = await startFromCli(['--preset', 'agg-2', '--kv-events', 'dropped'], { out: (l) => lines.push(l), handleSignals: false });
    const gw = lines.find((l) => l.startsWith('gateway'))!.split(/\s+/)[1]!;
    expect((await fetch(`${gw}/health`)).status).toBe(200);
    expect(lines.filter((l) => l.startsWith('pod '))).toHaveLength(2);
    expect((c as Cluster).kvEventsFault).toBe('dropped');
    await c.stop();
    c = undefined;
  });
  it('multi-model starts one pool per model behind the body-based router', async () => {
    const lines: string[] = [];
    c = await startFromCli(['--preset', 'multi-model'], { out: (l) => lines.push(l), handleSignals: false });
    const gw = lines.find((l) => l.startsWith('gateway'))!.split(/\s+/)[1]!;
    expect(lines.filter((l) => l.startsWith('epp metrics'))).toHaveLength(2);
    const res = await fetch(`${gw}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'Qwen/Qwen2.5-0.5B-Instruct', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { model: string }).model).toBe('Qwen/Qwen2.5-0.5B-Instruct');
  });
  it('rejects bad arguments', async () => {
    await expect(startFromCli([], { handleSignals: false })).rejects.toThrow(/exactly one of --preset, --config or --epp-config/);
    await expect(startFromCli(['--preset', 'nope'], { handleSignals: false })).rejects.toThrow(/unknown preset/);
    await expect(startFromCli(['--preset', 'agg-2', '--kv-transfer', 'maybe'], { handleSignals: false })).rejects.toThrow(/kvTransfer/);
    await expect(startFromCli(['--bogus'], { handleSignals: false })).rejects.toThrow(/bogus/);
  });
});
