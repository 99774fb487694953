// The run folders `compare` and `report` read. An argument that holds a summary.json is one run; any other folder
// (a scenario folder with targets/ and controls/, an agg-vs-pd folder, a sweep folder with one run folder per
// level and target) stands for every run folder beneath it: every folder that holds a summary.json.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import { UsageError } from '../exit-codes.ts';

export interface FoundRun {
  /** The run folder (or the summary.json file given). */
  path: string;
  /** Display name: the folder name, or for a run found inside a folder its path below it without `targets/`. */
  name: string;
  /** Found under a `controls/` folder: a scenario's control run, not one of the runs compared. */
  control: boolean;
}

/** Deep enough for sweep/<level>/targets/<target>/controls/<name>; deeper folders are not searched. */
const MAX_DEPTH = 6;
const SUMMARY = 'summary.json';

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The order of a folder's subfolders: `targets/` in the order scenario.json lists its compareTargets (the first is
 * the baseline, as when the scenario ran), everything else by name with numbers compared as numbers (rate-2
 * before rate-10).
 */
function orderedChildren(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
  names.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  if (basename(dir) !== 'targets') return names;
  const declared = compareTargetOrder(join(dir, '..', 'scenario.json'));
  const rank = (n: string) => (declared.indexOf(n) < 0 ? declared.length : declared.indexOf(n));
  return names.sort((a, b) => rank(a) - rank(b));
}

function compareTargetOrder(scenarioFile: string): string[] {
  if (!existsSync(scenarioFile)) return [];
  try {
    const s = JSON.parse(readFileSync(scenarioFile, 'utf8')) as { compareTargets?: { name?: unknown }[] };
    return (s.compareTargets ?? []).map((t) => t.name).filter((n): n is string => typeof n === 'string');
  } catch {
    return []; // an unreadable scenario.json only loses the declared order
  }
}

/** Every folder at or below `root` holding a summary.json, depth first, parents before their children. */
export function findRunFolders(root: string): FoundRun[] {
  const out: FoundRun[] = [];
  const walk = (dir: string, depth: number) => {
    if (existsSync(join(dir, SUMMARY))) {
      const parts = relative(root, dir).split(sep).filter((p) => p !== '');
      out.push({
        path: dir,
        name: parts.filter((p) => p !== 'targets').join('/') || basename(dir),
        control: parts.includes('controls'),
      });
    }
    if (depth < MAX_DEPTH) for (const child of orderedChildren(dir)) walk(join(dir, child), depth + 1);
  };
  walk(root, 0);
  return out;
}

/**
 * The runs the arguments name. A summary.json or a folder holding one is that run (its controls/ only with
 * `withControls`); any other folder expands to the runs beneath it, named by their path below it — prefixed with
 * the folder's own name when several arguments are given, so two agg-vs-pd folders compare as a/aggregated, b/….
 */
export function expandRunArgs(args: readonly string[], opts: { withControls?: boolean } = {}): FoundRun[] {
  const out: FoundRun[] = [];
  for (const arg of args) {
    if (arg.endsWith('.json') || !isDir(arg)) {
      out.push({ path: arg, name: basename(arg.replace(/\/?summary\.json$/, '') || arg), control: false });
      continue;
    }
    const found = findRunFolders(arg);
    if (found.length === 0) throw new UsageError(`${arg}: no run folder in it (none holds a summary.json; \`routebench summarize <run>\` rebuilds one from requests.jsonl)`);
    const own = existsSync(join(arg, SUMMARY));
    const prefix = args.length > 1 && !own ? `${basename(arg.replace(/\/+$/, ''))}/` : '';
    for (const f of found) {
      if (own && f.path !== arg && !(opts.withControls && f.control)) continue;
      out.push(f.path === arg ? { ...f, name: basename(arg.replace(/\/+$/, '')) } : { ...f, name: prefix + f.name });
    }
  }
  return out;
}
