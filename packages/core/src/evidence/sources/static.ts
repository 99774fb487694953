// `static` source: a fixed list of metrics URLs (pods and the EPP), each with an optional bearer token.
import { z } from 'zod';
import { timerMs } from '../../timer-ms.ts';
import { httpGetText } from './http-get.ts';
import { redactSecrets, resolveBearerToken } from './secrets.ts';
import type { ScrapeSource, ScrapeTarget } from './scrape-source.ts';

const HttpUrlSchema = z
  .url({ protocol: /^https?$/, error: 'expected an http(s) URL' })
  .refine((u) => !new URL(u).username && !new URL(u).password, {
    message: 'credentials in the URL are not allowed; use bearerTokenEnv or bearerTokenFile',
  });

export const StaticTargetSchema = z
  .strictObject({
    /** Pod name, or 'epp'. */
    name: z.string().min(1),
    url: HttpUrlSchema,
    /** e.g. 'prefill', 'decode', 'epp'. */
    role: z.string().min(1).optional(),
    bearerTokenEnv: z.string().min(1).optional(),
    bearerTokenFile: z.string().min(1).optional(),
  })
  .refine((t) => !(t.bearerTokenEnv && t.bearerTokenFile), { message: 'set bearerTokenEnv or bearerTokenFile, not both' });
export type StaticTarget = z.infer<typeof StaticTargetSchema>;

export const StaticSourceSchema = z.strictObject({
  kind: z.literal('static'),
  name: z.string().min(1).default('static'),
  timeoutMs: timerMs().int().positive().default(5000),
  targets: z
    .array(StaticTargetSchema)
    .min(1)
    .refine((ts) => new Set(ts.map((t) => t.name)).size === ts.length, { message: 'target names must be unique' }),
});
export type StaticSourceConfig = z.infer<typeof StaticSourceSchema>;

export function createStaticSource(config: StaticSourceConfig): ScrapeSource {
  const byName = new Map(config.targets.map((t) => [t.name, t]));
  const targets: ScrapeTarget[] = config.targets.map((t) => {
    const u = new URL(t.url);
    const port = u.port || (u.protocol === 'https:' ? '443' : '80');
    return { name: t.name, role: t.role ?? (t.name === 'epp' ? 'epp' : undefined), address: `${u.hostname}:${port}`, url: `${u.origin}${u.pathname}` };
  });
  return {
    kind: 'static',
    name: config.name,
    discover: async () => targets,
    async scrape(target) {
      const t = byName.get(target.name);
      if (!t) throw new Error(`unknown static target ${target.name}`);
      const bearerToken = await resolveBearerToken(t);
      return httpGetText(t.url, { bearerToken, timeoutMs: config.timeoutMs });
    },
    async redact(target, message) {
      const t = byName.get(target.name);
      if (!t || (!t.bearerTokenEnv && !t.bearerTokenFile)) return message;
      try {
        return redactSecrets(message, [await resolveBearerToken(t)]);
      } catch {
        return 'scrape failed (details withheld: the token needed to redact them could not be read)';
      }
    },
  };
}

/** host:port → pod name for every static target, so `127.0.0.1:PORT` in EPP logs maps to a name. */
export function aliasesFromStaticTargets(targets: ReadonlyArray<Pick<StaticTarget, 'name' | 'url'>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of targets) {
    const u = new URL(t.url);
    out[`${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`] = t.name;
  }
  return out;
}
