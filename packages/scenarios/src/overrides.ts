// Command-line changes to a scenario: `--set path=value` and `--target URL`. Both return a new, re-validated
// scenario; errors name the --set that caused them.
import { z } from 'zod';
import { parseScenario, UrlTargetSchema, type Scenario } from './scenario.ts';
import { ScenarioSchema } from './scenario.ts';
import { formatIssues } from './schema-parts.ts';
import { isPlainObject } from './merge-patch.ts';
import { RoutebenchError } from '@routebench/core';

/** `20` → 20, `true` → true, `[1,2]` → array, `{"a":1}` → object, `null` → null (removes the field), anything else → the string. */
export function parseSetValue(text: string): unknown {
  const t = text.trim();
  if (t === '') return '';
  try {
    return JSON.parse(t);
  } catch {
    return text;
  }
}

interface SetOp {
  raw: string;
  path: string[];
  value: unknown;
}

function parseSet(raw: string): SetOp {
  const eq = raw.indexOf('=');
  if (eq <= 0) throw new RoutebenchError('RB_CONFIG_INVALID', `--set ${raw}: expected path=value, e.g. load.rate=20`);
  const pathText = raw.slice(0, eq).trim();
  const path = pathText.split('.');
  if (path.some((p) => p === '')) throw new RoutebenchError('RB_CONFIG_INVALID', `--set ${raw}: bad path "${pathText}" (empty segment)`);
  return { raw, path, value: parseSetValue(raw.slice(eq + 1)) };
}

function setAt(root: Record<string, unknown>, op: SetOp): void {
  let node: unknown = root;
  for (let i = 0; i < op.path.length - 1; i++) {
    const key = op.path[i]!;
    const parent = node as Record<string, unknown> | unknown[];
    let child: unknown = Array.isArray(parent) ? parent[arrayIndex(parent, key, op, i)] : parent[key];
    if (child === undefined) {
      // Create missing objects so optional sections (metrics, quick…) can be set field by field.
      child = {};
      if (Array.isArray(parent)) throw new RoutebenchError('RB_CONFIG_INVALID', `--set ${op.raw}: ${op.path.slice(0, i + 1).join('.')}: no such list item`);
      parent[key] = child;
    } else if (typeof child !== 'object' || child === null) {
      throw new RoutebenchError('RB_CONFIG_INVALID', `--set ${op.raw}: ${op.path.slice(0, i + 1).join('.')} is ${JSON.stringify(child)}, not an object, so it has no field "${op.path[i + 1]}"`);
    }
    node = child;
  }
  const last = op.path[op.path.length - 1]!;
  if (Array.isArray(node)) {
    const i = arrayIndex(node, last, op, op.path.length - 1, op.value !== null);
    if (op.value === null) node.splice(i, 1);
    else node[i] = op.value;
  } else if (op.value === null) {
    // As in merge patches: null removes the field (e.g. load.requests=null to bound a run by time only).
    delete (node as Record<string, unknown>)[last];
  } else (node as Record<string, unknown>)[last] = op.value;
}

function arrayIndex(list: unknown[], key: string, op: SetOp, at: number, allowAppend = false): number {
  const i = /^\d+$/.test(key) ? Number(key) : NaN;
  const max = allowAppend ? list.length : list.length - 1;
  if (!Number.isInteger(i) || i > max)
    throw new RoutebenchError('RB_CONFIG_INVALID', `--set ${op.raw}: ${op.path.slice(0, at + 1).join('.')}: expected a list index from 0 to ${max}, got "${key}"`);
  return i;
}

/** Apply `--set` overrides in order and re-validate once; an invalid result names the offending --set. */
export function applyOverrides(scenario: Scenario, sets: readonly string[]): Scenario {
  if (sets.length === 0) return scenario;
  const ops = sets.map(parseSet);
  const draft = structuredClone(scenario) as unknown as Record<string, unknown>;
  for (const op of ops) setAt(draft, op);
  const r = ScenarioSchema.safeParse(draft, { reportInput: true });
  if (r.success) return r.data;
  // One issue per unknown key, so each can be blamed on the --set that introduced it.
  type Blamed = { issue: z.core.$ZodIssue; blamePath: PropertyKey[] };
  const issues = r.error.issues.flatMap((issue): Blamed[] =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ issue: { ...issue, keys: [key] }, blamePath: [...issue.path, key] }))
      : [{ issue, blamePath: issue.path }],
  );
  const lines = issues.map(({ issue, blamePath }) => {
    const text = formatIssues(new z.ZodError([issue]))[0]!;
    const issuePath = blamePath.map(String);
    // Blame the --set sharing the longest leading path with the issue (the later one on a tie).
    let culprit: SetOp | undefined;
    let best = 0;
    for (const op of ops) {
      let common = 0;
      while (common < op.path.length && common < issuePath.length && op.path[common] === issuePath[common]) common++;
      if (common > 0 && common >= best) [culprit, best] = [op, common];
    }
    return culprit ? `--set ${culprit.raw}: ${text}` : text;
  });
  throw new RoutebenchError('RB_CONFIG_INVALID', `invalid overrides for scenario ${scenario.name}:\n  ${lines.join('\n  ')}`);
}

/** Controls that only make sense on the simulator (they swap in a simulator target). */
export function simOnlyControls(scenario: Scenario): string[] {
  return scenario.controls.filter((c) => c.target && 'sim' in c.target).map((c) => c.name);
}

/**
 * `--target URL`: run against a real gateway. Controls that swap in a simulator target are dropped (there
 * is nothing comparable to run them against; see simOnlyControls to report them), workload controls stay.
 * A compareTargets scenario cannot be pointed at one URL.
 */
export function withTarget(scenario: Scenario, url: string): Scenario {
  const t = UrlTargetSchema.safeParse({ url });
  if (!t.success) throw new RoutebenchError('RB_CONFIG_INVALID', `--target ${url}: expected an http(s) URL such as http://localhost:31458`);
  if (scenario.compareTargets)
    throw new RoutebenchError('RB_CONFIG_INVALID', `--target: scenario ${scenario.name} compares targets (${scenario.compareTargets.map((c) => c.name).join(', ')}); ` +
        `point them at URLs with ${scenario.compareTargets.map((c) => `--compare-target ${c.name}=URL`).join(' ')} instead`,
    );
  return parseScenario(
    { ...scenario, target: t.data, controls: scenario.controls.filter((c) => !(c.target && 'sim' in c.target)) },
    `${scenario.name} with --target`,
  );
}

/**
 * `--compare-target NAME=URL`: send a compared target's runs to a URL instead of its simulator preset (the flag the
 * --target refusal above suggests). Every name must be one of the scenario's compared targets.
 */
export function withCompareTargets(scenario: Scenario, pairs: readonly (readonly [string, string])[]): Scenario {
  if (pairs.length === 0) return scenario;
  if (!scenario.compareTargets)
    throw new RoutebenchError('RB_CONFIG_INVALID', `--compare-target: scenario ${scenario.name} compares no targets (it has no compareTargets); use --target URL`, { field: '--compare-target' });
  const names = scenario.compareTargets.map((c) => c.name);
  const compareTargets = scenario.compareTargets.map((c) => ({ ...c }));
  for (const [name, url] of pairs) {
    const i = names.indexOf(name);
    if (i < 0) throw new RoutebenchError('RB_CONFIG_INVALID', `--compare-target ${name}=…: scenario ${scenario.name} compares ${names.join(', ')}; "${name}" is not one of them`, { field: '--compare-target' });
    const t = UrlTargetSchema.safeParse({ url });
    if (!t.success) throw new RoutebenchError('RB_CONFIG_INVALID', `--compare-target ${name}=…: expected an http(s) URL without credentials, such as http://localhost:31458`, { field: '--compare-target' });
    compareTargets[i] = { ...compareTargets[i]!, target: t.data };
  }
  return parseScenario({ ...scenario, compareTargets }, `${scenario.name} with --compare-target`);
}

export { isPlainObject };
