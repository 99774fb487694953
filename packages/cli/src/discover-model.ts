// First use against a plain OpenAI-compatible server: which models does it serve? GET <target>/v1/models
// (vLLM, llm-d's gateway and the simulator all answer it). Discovery is best effort: a server that does not
// answer it, or answers something else, leaves the scenario as it is (the run then reports what failed).
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

const MAX_BYTES = 1024 * 1024;

/** The model ids <target>/v1/models lists, or null when the server gave no usable list. */
export function listServedModels(target: string, opts: { apiKey?: string; headers?: Record<string, string>; insecure?: boolean; timeoutMs?: number } = {}): Promise<string[] | null> {
  let url: URL;
  try {
    url = new URL(`${target.replace(/\/+$/, '')}/v1/models`);
  } catch {
    return Promise.resolve(null);
  }
  const headers: Record<string, string> = { ...(opts.headers ?? {}), accept: 'application/json' };
  if (opts.apiKey) headers.authorization = `Bearer ${opts.apiKey}`;
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', headers, rejectUnauthorized: !opts.insecure, timeout: opts.timeoutMs ?? 5000 }, (res) => {
      if (res.statusCode !== 200 || !/json/i.test(String(res.headers['content-type'] ?? ''))) {
        res.resume();
        return resolve(null);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BYTES) req.destroy();
        else chunks.push(c);
      });
      res.on('end', () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: { id?: unknown }[] };
          const ids = Array.isArray(body.data) ? body.data.map((m) => m.id).filter((id): id is string => typeof id === 'string' && id.length > 0) : null;
          resolve(ids);
        } catch {
          resolve(null);
        }
      });
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}
