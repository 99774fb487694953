// Config parsing with errors that name the field path and what was expected
// (e.g. `sources.0.targets.1.url: expected an http(s) URL`).
import { z } from 'zod';

export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`);
  throw new Error(`invalid ${what}: ${issues.join('; ')}`);
}
