// Child processes of the bench: the SSE server (one per suite) and one client process per case.
// Both are forked with tsx as a loader; the server must never share an event loop with the client.
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClientCaseInput } from './cases.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(HERE);

// Children still running when this process exits (Ctrl-C, a crash) are killed with it.
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/** Space-separated node flags from an environment variable (none when unset). */
function envFlags(name: string): string[] {
  return process.env[name]?.split(' ').filter(Boolean) ?? [];
}

// The server runs with --no-allocation-site-pretenuring: with 256 streams in flight it, like the client
// (core client/v8-pretenuring.ts), fell into V8's pretenuring regime now and then and stayed there for its
// life, so the cases after that point ran against a slower server. Measured with one long-lived server and
// eight 5 s client runs each: 52,749–74,800 requests without the flag, 61,546–67,452 with it. The bench must
// measure the clients, not the server's luck. BENCH_SERVER_FLAGS adds node flags for A/B runs.
export async function startServer(): Promise<{ target: string; proc: ChildProcess }> {
  const serverFlags = ['--import', 'tsx', '--no-allocation-site-pretenuring', ...envFlags('BENCH_SERVER_FLAGS')];
  const proc = fork(join(HERE, 'sse-server.ts'), [], { execArgv: serverFlags, stdio: ['ignore', 'ignore', 'inherit', 'ipc'], cwd: ROOT });
  children.add(proc);
  const port = await new Promise<number>((resolve, reject) => {
    proc.once('message', (m) => resolve((m as { port: number }).port));
    proc.once('exit', (code) => reject(new Error(`bench SSE server exited (${code}) before listening`)));
  });
  proc.once('exit', () => children.delete(proc));
  return { target: `http://127.0.0.1:${port}`, proc };
}

/** Stop a server started by startServer and wait until it is gone. */
export async function stopServer(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.kill('SIGTERM');
  await gone;
}

/** Where --cpu-prof profiles go (*.cpuprofile is git-ignored). */
export const PROFILE_DIR = join(HERE, 'profiles');

/**
 * Run one case in a fresh client process; resolves to its result. BENCH_CLIENT_FLAGS (space-separated node
 * flags, e.g. "--trace-gc-nvp") is added to the client process's flags, for A/B runs of V8 settings.
 */
export function runCase<T>(c: ClientCaseInput, opts: { timeoutS: number }): Promise<T> {
  const execArgv = ['--import', 'tsx', '--expose-gc', ...envFlags('BENCH_CLIENT_FLAGS')];
  const child = fork(join(HERE, 'client-case.ts'), [JSON.stringify(c)], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], cwd: ROOT });
  children.add(child);
  return new Promise<T>((resolve, reject) => {
    let reply: { ok: boolean; result?: T; error?: string } | null = null;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`case ${c.name} did not finish within ${opts.timeoutS} s`));
    }, opts.timeoutS * 1000);
    child.on('message', (m) => (reply = m as typeof reply));
    child.once('exit', (code) => {
      clearTimeout(timer);
      children.delete(child);
      if (reply?.ok) resolve(reply.result as T);
      else reject(new Error(`case ${c.name} failed: ${reply?.error ?? `client process exited with ${code} without a result`}`));
    });
  });
}

