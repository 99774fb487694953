// `routebench run <preset> --quick --repeat 2` on the simulator: two folders, one repeat summary on
// stdout and in repeat-summary.json, and the exit code of a single run's rule (a failed main verdict in
// any repeat exits 1).
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/exit-codes.ts';
import { runCli } from '../cli-harness.ts';

describe('routebench run --repeat', () => {
  it('runs twice into repeat-1/ and repeat-2/ and prints the per-claim summary', async () => {
    const out = mkdtempSync(join(tmpdir(), 'rb-cli-repeat-'));
    const r = await runCli(['run', 'autoscale', '--quick', '--no-controls', '--repeat', '2', '-o', out, '--force']);
    expect(existsSync(join(out, 'repeat-1', 'verdicts.json'))).toBe(true);
    expect(existsSync(join(out, 'repeat-2', 'verdicts.json'))).toBe(true);
    const s = JSON.parse(readFileSync(join(out, 'repeat-summary.json'), 'utf8'));
    const a = s.claims.find((c: { claim: string }) => c.claim === 'autoscale');
    expect(a.statuses).toHaveLength(2);
    expect(r.out).toMatch(/\| HPA autoscaling \(inference pool metrics\) \| Aggregated \| autoscale \| \d \| \d \| \d \| (yes|no) \|/);
    expect(r.out).toMatch(/\| autoscale \| [\d.]+ ± [\d.]+ \|/);
    expect(r.code).toBe(a.failed > 0 ? EXIT.claimFailed : a.inconclusive > 0 ? EXIT.inconclusive : EXIT.ok);
  }, 120_000);

  it('rejects a repeat count that is not a positive integer', async () => {
    const r = await runCli(['run', 'autoscale', '--quick', '--repeat', '0']);
    expect(r.code).toBe(EXIT.usage);
    expect(r.out).toMatch(/--repeat/);
  });
});
