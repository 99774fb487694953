// Small zod building blocks whose error messages read like the ones users see in
// `workload.num_groups: expected a positive integer, got "x"`, plus the formatter that prints them.
import { z } from 'zod';
import { RoutebenchError } from '@routebench/core';

export const posInt = () =>
  z.number({ error: 'expected a positive integer' }).int({ error: 'expected a positive integer' }).positive({ error: 'expected a positive integer' });

export const nonNegInt = () =>
  z
    .number({ error: 'expected a non-negative integer' })
    .int({ error: 'expected a non-negative integer' })
    .nonnegative({ error: 'expected a non-negative integer' });

export const posNum = () => z.number({ error: 'expected a positive number' }).positive({ error: 'expected a positive number' });

export const nonEmptyString = () => z.string({ error: 'expected a non-empty string' }).min(1, { error: 'expected a non-empty string' });

/** Dotted path as users write it in `--set` and YAML: `controls.1.workload.zero_reuse`. */
export function pathText(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map(String).join('.');
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  if (s === undefined) return String(v);
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}

/** One line per issue: `path: message, got <value>`. Parse with `{ reportInput: true }` to get the values. */
export function formatIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): string[] {
  const lines: string[] = [];
  for (const issue of error.issues) {
    const path = pathText([...prefix, ...issue.path]);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) lines.push(`${pathText([...prefix, ...issue.path, key])}: unknown field`);
      continue;
    }
    let message = issue.message;
    let input: unknown = 'input' in issue ? issue.input : undefined;
    let showInput = 'input' in issue && issue.code !== 'custom';
    if (issue.code === 'invalid_union' && 'discriminator' in issue && typeof issue.discriminator === 'string') {
      // The issue carries the whole object; show the bad discriminator value and the valid ones.
      const options = 'options' in issue && Array.isArray(issue.options) ? issue.options : [];
      message = `expected one of ${options.map((o) => JSON.stringify(o)).join(', ')}`;
      input = input && typeof input === 'object' ? (input as Record<string, unknown>)[issue.discriminator] : input;
      showInput = true;
    } else if (issue.code === 'invalid_type' && message.startsWith('Invalid input')) {
      // zod's default wording ("Invalid input: expected number, received string") repeats what `got` says.
      message = `expected ${issue.expected === 'object' ? 'an object' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}`;
    }
    if (showInput && input === undefined) lines.push(`${path}: missing, ${message}`);
    else lines.push(showInput ? `${path}: ${message}, got ${describeValue(input)}` : `${path}: ${message}`);
  }
  return lines;
}

/** Parse or throw an Error whose message lists every issue with its field path. */
export function parseOrThrow<S extends z.ZodType>(schema: S, data: unknown, what: string, prefix: readonly PropertyKey[] = []): z.output<S> {
  const result = schema.safeParse(data, { reportInput: true });
  if (result.success) return result.data;
  throw new RoutebenchError('RB_CONFIG_INVALID', `invalid ${what}:\n  ${formatIssues(result.error, prefix).join('\n  ')}`);
}
