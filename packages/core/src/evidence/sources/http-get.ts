// GET one metrics endpoint with undici: a whole-request deadline, a body-size cap, and the bearer
// token sent only to this exact URL. undici's `request` does not follow redirects, so a 3xx to
// another origin can never carry the token; it is reported as an error instead.
import { request } from 'undici';
import { redactSecrets } from './secrets.ts';
import { redactUrl } from '../../redact-url.ts';

export interface HttpGetOptions {
  bearerToken?: string;
  timeoutMs: number;
  /** Exposition bodies larger than this are refused (a runaway endpoint must not eat the heap). */
  maxBytes?: number;
  accept?: string;
}

export async function httpGetText(url: string, opts: HttpGetOptions): Promise<string> {
  const headers: Record<string, string> = {
    // Plain 0.0.4 only: prometheus_client switches to OpenMetrics whenever the Accept header merely
    // mentions it (q-values ignored). Both parse, but 0.0.4 is what every server can send.
    accept: opts.accept ?? 'text/plain;version=0.0.4',
  };
  if (opts.bearerToken) headers.authorization = `Bearer ${opts.bearerToken}`;
  const maxBytes = opts.maxBytes ?? 32 * 1024 * 1024;
  const signal = AbortSignal.timeout(opts.timeoutMs);
  try {
    const res = await request(url, { method: 'GET', headers, signal, headersTimeout: opts.timeoutMs, bodyTimeout: opts.timeoutMs });
    if (res.statusCode < 200 || res.statusCode >= 300) {
      const snippet = (await res.body.text().catch(() => '')).slice(0, 200);
      const where = res.statusCode >= 300 && res.statusCode < 400 ? ` (redirect to ${res.headers.location ?? '?'} not followed)` : '';
      throw new Error(`HTTP ${res.statusCode}${where}${snippet ? `: ${snippet}` : ''}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) {
        res.body.destroy();
        throw new Error(`body larger than ${maxBytes} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  } catch (err) {
    const e = err as Error;
    const reason = signal.aborted ? `timed out after ${opts.timeoutMs} ms` : e.message || e.name;
    throw new Error(redactSecrets(`GET ${redactUrl(url)}: ${reason}`, [opts.bearerToken]));
  }
}
