// `routebench scenarios [name]`: list presets, or print one as JSON.
import { Command } from 'commander';
import { getPreset, listPresets } from '@routebench/scenarios';
import { UsageError } from '../exit-codes.ts';

export function scenariosCommand(): Command {
  return new Command('scenarios')
    .description('list scenario presets, or describe one (printed as JSON: a starting point for your own scenario file)')
    .argument('[name]', 'preset to describe')
    .action((name?: string) => {
      if (name) {
        if (!listPresets().includes(name)) throw new UsageError(`unknown preset "${name}"; valid presets: ${listPresets().join(', ')}`);
        process.stdout.write(`${JSON.stringify(getPreset(name), null, 2)}\n`);
        return;
      }
      const rows = listPresets().map((n) => {
        const p = getPreset(n);
        const target = 'sim' in p.target ? `sim:${p.target.sim.preset}` : p.target.url;
        return [n, p.mode, target, p.claims.map((c) => c.id).join(',') || '-', p.description] as const;
      });
      const w = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length), ['name', 'mode', 'target', 'claims'][i]!.length));
      const line = (r: readonly string[]) => r.map((c, i) => (i < 4 ? c.padEnd(w[i]!) : c)).join('  ');
      process.stdout.write(`${line(['name', 'mode', 'target', 'claims', 'description'])}\n`);
      for (const r of rows) process.stdout.write(`${line(r)}\n`);
    });
}
