// A CPU profile of just the measured window (node --cpu-prof would also record start-up, module
// transpiling and warm-up, which drown the steady state the bench is about).
import { Session } from 'node:inspector';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

function post<T = unknown>(s: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => s.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res as T))));
}

/** Start sampling now; the returned function stops and writes a .cpuprofile to `path`. */
export async function startWindowProfile(path: string, intervalUs = 200): Promise<() => Promise<void>> {
  const s = new Session();
  s.connect();
  await post(s, 'Profiler.enable');
  await post(s, 'Profiler.setSamplingInterval', { interval: intervalUs });
  await post(s, 'Profiler.start');
  return async () => {
    const { profile } = await post<{ profile: unknown }>(s, 'Profiler.stop');
    s.disconnect();
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(profile));
  };
}
