// The README's library example stays runnable: run it as a user would and check what it prints.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

describe('examples/library-run.ts', () => {
  it('runs against the embedded simulator and prints per-pod percentiles and group placement', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/library-run.ts'], { cwd: root, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] });
    expect(out).toMatch(/^overall\s+n= 40/m);
    expect(out).toMatch(/^pod:agg-\d/m);
    expect(out).toContain("'group-0'");
  });
});

describe('examples/library-measure.ts', () => {
  it('places every request from the EPP log and prints the verdict table', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/library-measure.ts'], { cwd: root, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] });
    expect(out).toContain('placed by: {"epp-log":32}, unattributed: 0');
    expect(out).toMatch(/^\| Prefix-cache-aware routing \| Aggregated \| (Pass|Fail|Inconclusive) \| prefix affinity/m);
    expect(out).toMatch(/cache hit rate/);
  });
});
