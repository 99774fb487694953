// The doctor's HTTP: one request, its status, headers and (capped) body — never a throw for an HTTP
// status, because a 401 or a 404 is exactly what the doctor reports on. Tokens go only to the URL they
// were given for (undici's `request` follows no redirects) and are scrubbed from every error text.
import { request } from 'undici';
import { redactUrl } from '../redact-url.ts';
import { redactSecrets } from '../evidence/sources/secrets.ts';

export interface ProbeResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type ProbeResult = { ok: true; res: ProbeResponse } | { ok: false; error: string };

export interface ProbeRequest {
  url: string;
  method?: 'GET' | 'POST';
  bearerToken?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Bodies beyond this are cut (the doctor reads names, not data). */
  maxBytes?: number;
}

export async function httpProbe(p: ProbeRequest): Promise<ProbeResult> {
  const headers: Record<string, string> = { ...(p.headers ?? {}) };
  if (p.bearerToken) headers.authorization = `Bearer ${p.bearerToken}`;
  const maxBytes = p.maxBytes ?? 8 * 1024 * 1024;
  const signal = AbortSignal.timeout(p.timeoutMs);
  try {
    const res = await request(p.url, { method: p.method ?? 'GET', headers, body: p.body, signal, headersTimeout: p.timeoutMs, bodyTimeout: p.timeoutMs });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      const b = chunk as Buffer;
      if (size + b.length > maxBytes) {
        chunks.push(b.subarray(0, maxBytes - size));
        res.body.destroy();
        break;
      }
      size += b.length;
      chunks.push(b);
    }
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
    return { ok: true, res: { status: res.statusCode, headers: flat, body: Buffer.concat(chunks).toString('utf8') } };
  } catch (err) {
    const e = err as Error & { code?: string; cause?: { code?: string } };
    const reason = signal.aborted ? `timed out after ${p.timeoutMs} ms` : e.cause?.code ?? e.code ?? (e.message || e.name);
    return { ok: false, error: redactSecrets(`${p.method ?? 'GET'} ${redactUrl(p.url)}: ${reason}`, [p.bearerToken]) };
  }
}
