// verdicts.md and verdicts.json of a scenario run folder.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderVerdictTable, type Verdict } from '@routebench/core';
import { writeJsonAtomic } from '@routebench/core';

export function writeVerdictFiles(dir: string, verdicts: readonly Verdict[]): void {
  writeJsonAtomic(join(dir, 'verdicts.json'), verdicts);
  writeFileSync(join(dir, 'verdicts.md'), `${renderVerdictTable(verdicts)}\n`);
}
