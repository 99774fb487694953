// A raw node:http client for pod tests: returns status, headers, the body and the SSE `data:` frames,
// and reports transport outcomes (reset, or still open after `idleMs` without bytes) instead of throwing.
import http from 'node:http';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** ms (performance.now) when headers arrived. */
  headersAt: number;
  body: string;
  /** Parsed SSE data payloads in order ('[DONE]' kept as the string). */
  frames: unknown[];
  outcome: 'complete' | 'reset' | 'idle';
}

export function rawRequest(
  url: string,
  path: string,
  opts: { method?: string; body?: unknown; headers?: Record<string, string>; idleMs?: number } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const data = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const req = http.request(
      url + path,
      {
        method: opts.method ?? (data ? 'POST' : 'GET'),
        headers: { ...(data ? { 'content-type': 'application/json' } : {}), ...opts.headers },
        agent: false,
      },
      (res) => {
        const headersAt = performance.now();
        let body = '';
        let idle: NodeJS.Timeout | null = null;
        const done = (outcome: RawResponse['outcome']) => {
          if (idle) clearTimeout(idle);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, headersAt, body, frames: parseFrames(body), outcome });
        };
        const arm = () => {
          if (!opts.idleMs) return;
          if (idle) clearTimeout(idle);
          idle = setTimeout(() => {
            done('idle');
            req.destroy();
          }, opts.idleMs);
        };
        arm();
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
          arm();
        });
        res.on('end', () => done('complete'));
        res.on('error', () => done('reset'));
        res.on('aborted', () => done('reset'));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET' || err.message === 'socket hang up') {
        resolve({ status: 0, headers: {}, headersAt: 0, body: '', frames: [], outcome: 'reset' });
      } else reject(err);
    });
    if (data) req.write(data);
    req.end();
  });
}

export function parseFrames(body: string): unknown[] {
  const out: unknown[] = [];
  for (const ev of body.split('\n\n')) {
    if (!ev.startsWith('data: ')) continue;
    const payload = ev.slice(6);
    out.push(payload === '[DONE]' ? '[DONE]' : JSON.parse(payload));
  }
  return out;
}

/** Value of one sample line from a /metrics text (labels matched as a substring set). */
export function metricValue(text: string, name: string, labelFilter: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([^{ ]+)(\{[^}]*\})? (.+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels = m[2] ?? '';
    if (Object.entries(labelFilter).every(([k, v]) => labels.includes(`${k}="${v}"`))) return Number(m[3]);
  }
  return undefined;
}

export async function scrape(metricsUrl: string): Promise<string> {
  const u = new URL(metricsUrl);
  const r = await rawRequest(u.origin, u.pathname);
  return r.body;
}

export const chatBody = (content: string, extra: Record<string, unknown> = {}) => ({
  model: 'm',
  messages: [{ role: 'user', content }],
  max_tokens: 4,
  ignore_eos: true,
  ...extra,
});
