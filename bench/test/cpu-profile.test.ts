import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { summarizeProfile } from '../cpu-profile.ts';

const dir = mkdtempSync(join(tmpdir(), 'rb-prof-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('summarizeProfile', () => {
  it('names the function that burned the CPU in a real --cpu-prof profile', () => {
    const script = 'function burnTheCpu(){let x=0;const t=Date.now();while(Date.now()-t<300)x+=Math.sqrt(x+1);return x}burnTheCpu()';
    execFileSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, '-e', script]);
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))!;
    const s = summarizeProfile(join(dir, file), '/', 5);
    expect(s.top[0]!.fn).toBe('burnTheCpu');
    expect(s.top[0]!.selfMs).toBeGreaterThan(150);
    expect(s.top[0]!.pct).toBeGreaterThan(40);
  });
});
