// Config parsing with errors that name the field path and what was expected
// (e.g. `sources.0.targets.1.url: expected an http(s) URL`), as a RoutebenchError RB_CONFIG_INVALID.
import { z } from 'zod';
import { RoutebenchError } from './errors.ts';

export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const paths = r.error.issues.map((i) => (i.path.length ? i.path.map(String).join('.') : '(root)'));
  const issues = r.error.issues.map((i, k) => `${paths[k]}: ${i.message}`);
  throw new RoutebenchError('RB_CONFIG_INVALID', `invalid ${what}: ${issues.join('; ')}`, { field: paths[0] });
}
