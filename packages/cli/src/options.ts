// Parsers for flag values: each failure names the flag and what it accepts.
import { InvalidArgumentError } from 'commander';
import { UsageError } from './exit-codes.ts';

// Every number is checked against what the runtime can honour, not only its sign: Number() accepts "1e400"
// (Infinity), "1e300" (an "integer" no counter can reach) and "" (0).
function parseNumber(flag: string, v: string, what: string): number {
  const n = v.trim() === '' ? NaN : Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`${flag} expects ${what}, got "${v}"`);
  return n;
}

export function positiveInt(flag: string, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    const n = parseNumber(flag, v, 'a positive integer');
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${flag} expects a positive integer, got "${v}"`);
    if (n > max) throw new InvalidArgumentError(`${flag} expects a positive integer of at most ${max}, got "${v}"`);
    return n;
  };
}

export function nonNegativeInt(flag: string, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    const n = parseNumber(flag, v, 'an integer ≥ 0');
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${flag} expects an integer ≥ 0, got "${v}"`);
    if (n > max) throw new InvalidArgumentError(`${flag} expects an integer of at most ${max}, got "${v}"`);
    return n;
  };
}

export function positiveNumber(flag: string, max = Number.MAX_VALUE) {
  return (v: string): number => {
    const n = parseNumber(flag, v, 'a positive number');
    if (n <= 0) throw new InvalidArgumentError(`${flag} expects a positive number, got "${v}"`);
    if (n > max) throw new InvalidArgumentError(`${flag} expects a positive number of at most ${max}, got "${v}"`);
    return n;
  };
}

export function integer(flag: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    const n = parseNumber(flag, v, 'an integer');
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`${flag} expects an integer, got "${v}"`);
    if (n < min || n > max) throw new InvalidArgumentError(`${flag} expects an integer from ${min} to ${max}, got "${v}"`);
    return n;
  };
}

/** --repeat: each repeat is a whole run kept on disk; more than this is a typo, not a plan. */
export const MAX_REPEAT = 1000;
/** --workers: worker threads, each with its own event loop and heap. */
export const MAX_WORKERS = 1024;

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--header "name: value"` → [name, value]. */
export function parseHeader(v: string): [string, string] {
  const i = v.indexOf(':');
  if (i <= 0) throw new InvalidArgumentError(`--header expects "name: value", got "${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`);
  const name = v.slice(0, i).trim();
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) throw new InvalidArgumentError(`--header: "${name}" is not a valid header name`);
  return [name.toLowerCase(), v.slice(i + 1).trim()];
}

export function httpUrl(flag: string) {
  return (v: string): string => {
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      throw new InvalidArgumentError(`${flag} expects an http(s) URL, got "${v}"`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new InvalidArgumentError(`${flag} expects an http(s) URL, got "${v}"`);
    // A UsageError, not commander's InvalidArgumentError: commander would echo the value, password included.
    if (u.username || u.password) throw new UsageError(`${flag}: credentials in the URL are not allowed; use --api-key-env or --api-key-file`);
    return v;
  };
}

/** An ISO-8601 time with a zone (2026-11-25T18:00:00Z) → Date. */
export function isoTime(flag: string) {
  return (v: string): Date => {
    const ok = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v);
    const d = new Date(v);
    if (!ok || Number.isNaN(d.getTime())) throw new InvalidArgumentError(`${flag} expects an ISO-8601 time with a zone, e.g. 2026-11-25T18:00:00Z, got "${v}"`);
    return d;
  };
}
