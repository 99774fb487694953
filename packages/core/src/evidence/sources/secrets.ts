// Bearer tokens for metrics endpoints: read from an env var or a file at scrape time (service-account
// tokens rotate), never stored in configs, evidence or error messages.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { RoutebenchError } from '../../errors.ts';

export const BearerTokenRefSchema = z.strictObject({
  /** Name of an environment variable holding the token. */
  bearerTokenEnv: z.string().min(1).optional(),
  /** Path of a file holding the token (e.g. /var/run/secrets/kubernetes.io/serviceaccount/token). */
  bearerTokenFile: z.string().min(1).optional(),
});
export type BearerTokenRef = z.infer<typeof BearerTokenRefSchema>;

export async function resolveBearerToken(ref: BearerTokenRef): Promise<string | undefined> {
  if (ref.bearerTokenEnv) {
    const v = process.env[ref.bearerTokenEnv];
    if (!v) throw new RoutebenchError('RB_CONFIG_INVALID', `environment variable ${ref.bearerTokenEnv} (bearerTokenEnv) is empty or unset`, { field: 'bearerTokenEnv' });
    return v.trim();
  }
  if (ref.bearerTokenFile) {
    try {
      return (await readFile(ref.bearerTokenFile, 'utf8')).trim();
    } catch (err) {
      // Name the file, not its content.
      throw new RoutebenchError('RB_INPUT_INVALID', `cannot read bearerTokenFile ${ref.bearerTokenFile}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  }
  return undefined;
}

/** Replace every occurrence of each secret in `text` (also its base64 form, as Basic auth would carry it). */
export function redactSecrets(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const s of secrets) {
    if (!s || s.length < 4) continue;
    for (const form of [s, Buffer.from(s).toString('base64')]) out = out.split(form).join('[REDACTED]');
  }
  return out;
}
