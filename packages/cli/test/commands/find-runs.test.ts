// Which run folders `compare` and `report` find inside a folder: every folder holding a summary.json, in the
// scenario's target order, numbers compared as numbers, control runs flagged.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandRunArgs, findRunFolders } from '../../src/commands/find-runs.ts';

function tree(files: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'rb-find-runs-'));
  for (const f of files) {
    mkdirSync(join(root, f, '..'), { recursive: true });
    writeFileSync(join(root, f), f.endsWith('scenario.json') ? JSON.stringify({ compareTargets: [{ name: 'zz-agg' }, { name: 'aa-pd' }] }) : '{}');
  }
  return root;
}

describe('findRunFolders', () => {
  it('finds a sweep’s runs per level and target, levels in numeric order and targets in the scenario’s order', () => {
    const root = tree([
      'sweep.csv',
      'rate-10/scenario.json',
      'rate-10/targets/aa-pd/summary.json',
      'rate-10/targets/zz-agg/summary.json',
      'rate-2/scenario.json',
      'rate-2/targets/aa-pd/summary.json',
      'rate-2/targets/zz-agg/summary.json',
      'rate-2/targets/zz-agg/requests.jsonl',
      'rate-2/crashed/requests.jsonl',
    ]);
    expect(findRunFolders(root).map((f) => f.name)).toEqual(['rate-2/zz-agg', 'rate-2/aa-pd', 'rate-10/zz-agg', 'rate-10/aa-pd']);
  });

  it('finds `routebench sweep`’s layout: targets/<target>/<level>/ under a scenario.json naming the targets', () => {
    const root = tree([
      'scenario.json',
      'sweep.csv',
      'targets/aa-pd/01-ladder-rate10/summary.json',
      'targets/aa-pd/02-ladder-rate15/summary.json',
      'targets/zz-agg/01-ladder-rate10/summary.json',
      'targets/zz-agg/10-refine-rate12.5/summary.json',
      'targets/zz-agg/02-ladder-rate15/summary.json',
    ]);
    expect(expandRunArgs([root]).map((f) => f.name)).toEqual([
      'zz-agg/01-ladder-rate10',
      'zz-agg/02-ladder-rate15',
      'zz-agg/10-refine-rate12.5',
      'aa-pd/01-ladder-rate10',
      'aa-pd/02-ladder-rate15',
    ]);
  });

  it('flags control runs and keeps a run folder’s own controls out unless asked', () => {
    const root = tree(['main/summary.json', 'main/controls/random/summary.json', 'main/controls/no-reuse/summary.json']);
    expect(findRunFolders(root).map((f) => [f.name, f.control])).toEqual([
      ['main', false],
      ['main/controls/no-reuse', true],
      ['main/controls/random', true],
    ]);
    const main = join(root, 'main');
    expect(expandRunArgs([main]).map((f) => f.name)).toEqual(['main']);
    expect(expandRunArgs([main], { withControls: true }).map((f) => [f.name, f.control])).toEqual([
      ['main', false],
      ['controls/no-reuse', true],
      ['controls/random', true],
    ]);
  });

  it('prefixes runs found in several folders with each folder’s name', () => {
    const a = tree(['targets/x/summary.json', 'targets/y/summary.json']);
    const b = tree(['targets/x/summary.json']);
    const names = expandRunArgs([a, b]).map((f) => f.name);
    expect(names).toHaveLength(3);
    expect(names[0]).toMatch(/^rb-find-runs-\w+\/x$/);
    expect(new Set(names).size).toBe(3);
  });
});
