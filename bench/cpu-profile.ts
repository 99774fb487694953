// Where a client's time goes: top self-time functions of a V8 .cpuprofile (written by node --cpu-prof).
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface SelfTime {
  fn: string;
  /** file:line (paths relative to the repo, node internals as node:…). */
  where: string;
  selfMs: number;
  /** Share of the profile's busy (non-idle) time. */
  pct: number;
}

export interface ProfileSummary {
  busyMs: number;
  idleMs: number;
  top: SelfTime[];
}

function shortUrl(url: string, root: string): string {
  if (!url) return '';
  const u = url.replace(/^file:\/\//, '');
  if (u.startsWith(root)) return u.slice(root.length + 1).replace(/^node_modules\/\.pnpm\/([^/]+)\/node_modules\//, '');
  return u;
}

export function summarizeProfile(path: string, root: string, top = 15): ProfileSummary {
  const p = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  // Self time from the sample stream when present (exact per-sample deltas), else hit counts.
  const self = new Map<number, number>();
  if (p.samples && p.timeDeltas && p.samples.length === p.timeDeltas.length) {
    for (let i = 0; i < p.samples.length; i++) {
      const dt = p.timeDeltas[i + 1] ?? 0; // a sample lasts until the next one
      self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + dt);
    }
  } else {
    const hits = p.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0) || 1;
    const per = (p.endTime - p.startTime) / hits;
    for (const n of p.nodes) self.set(n.id, (n.hitCount ?? 0) * per);
  }
  const byFn = new Map<string, SelfTime>();
  let idle = 0;
  let busy = 0;
  for (const n of p.nodes) {
    const us = self.get(n.id) ?? 0;
    if (us === 0) continue;
    const fn = n.callFrame.functionName || '(anonymous)';
    if (fn === '(idle)') {
      idle += us;
      continue;
    }
    busy += us;
    // Code transpiled by tsx reports line 0 for every function: show the file alone then.
    const line = n.callFrame.lineNumber > 0 ? `:${n.callFrame.lineNumber + 1}` : '';
    const where = n.callFrame.url ? `${shortUrl(n.callFrame.url, root)}${line}` : '';
    const key = `${fn}@${where}`;
    const e = byFn.get(key) ?? { fn, where, selfMs: 0, pct: 0 };
    e.selfMs += us / 1000;
    byFn.set(key, e);
  }
  const list = [...byFn.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, top);
  for (const e of list) e.pct = busy > 0 ? (100 * e.selfMs * 1000) / busy : 0;
  return { busyMs: busy / 1000, idleMs: idle / 1000, top: list };
}
