// Prefix affinity arithmetic: per group, the share of its requests that landed on its modal pod, and what a
// random picker would give for the same group sizes. With k pods and n requests per group, a uniform random
// picker's expected dominant share E[max(multinomial(n, 1/k))]/n is well above 1/k for small n (2 pods,
// n = 8: 0.64), so "above 1/k" proves nothing; the baseline must be this expectation.
import { createRng } from '../workload/rng.ts';
import type { RunEvidence } from './context.ts';

export const UNKNOWN_POD = 'unknown';

export interface GroupPods {
  /** groupId → pod → requests (attributed requests only). */
  byGroup: Record<string, Record<string, number>>;
  /** Requests with a group but no known pod. */
  unattributed: number;
  /** Requests with a group. */
  total: number;
  /** Where the per-request pod came from (header:…, epp-log…). */
  sources: string[];
}

/**
 * Group → pod counts. From the records (joined with the attribution) when the runner passed them, else from
 * the summary's groups map, where pod 'unknown' means no per-request attribution.
 */
export function groupPods(run: RunEvidence, podFilter?: (pod: string) => boolean): GroupPods {
  const byGroup: Record<string, Record<string, number>> = {};
  let unattributed = 0;
  let total = 0;
  const sources = new Set<string>();
  const add = (g: string, pod: string | null, n: number) => {
    total += n;
    if (pod === null || pod === UNKNOWN_POD) {
      unattributed += n;
      return;
    }
    if (podFilter && !podFilter(pod)) return;
    const m = (byGroup[g] ??= {});
    m[pod] = (m[pod] ?? 0) + n;
  };
  if (run.records) {
    for (const r of run.records) {
      if (r.phase !== 'measure' || r.groupId === null || r.status !== 'ok') continue;
      const a = r.pod ? { pod: r.pod, source: r.podSource ?? 'record' } : null;
      if (a) sources.add(a.source);
      add(r.groupId, a?.pod ?? null, 1);
    }
  } else {
    for (const [g, pods] of Object.entries(run.summary.groups.byGroup)) for (const [pod, n] of Object.entries(pods)) add(g, pod, n);
    for (const s of Object.keys(run.summary.counters.podSources)) if (s !== 'none') sources.add(s);
    for (const s of run.attribution?.sourcesUsed ?? []) if (!s.startsWith('counter:') && !s.startsWith('epp-metric:')) sources.add(s);
  }
  return { byGroup, unattributed, total, sources: [...sources] };
}

export interface GroupShare {
  group: string;
  requests: number;
  modalPod: string;
  share: number;
}

export function dominantShares(byGroup: Record<string, Record<string, number>>, minRequests: number): GroupShare[] {
  const out: GroupShare[] = [];
  for (const [group, pods] of Object.entries(byGroup)) {
    const entries = Object.entries(pods);
    const requests = entries.reduce((a, [, n]) => a + n, 0);
    if (requests < minRequests || requests === 0) continue;
    const [modalPod, top] = entries.reduce((best, e) => (e[1] > best[1] || (e[1] === best[1] && e[0] < best[0]) ? e : best));
    out.push({ group, requests, modalPod, share: top / requests });
  }
  return out.sort((a, b) => (a.group < b.group ? -1 : 1));
}

const EXACT_LIMIT = 300;
const cache = new Map<string, number>();

/** E[max count]/n when n requests are spread uniformly at random over k pods. Exact up to n = 300. */
export function expectedRandomDominantShare(n: number, k: number): number {
  if (!(n >= 1) || !(k >= 1)) throw new Error(`expectedRandomDominantShare: need n ≥ 1 and k ≥ 1 (got n=${n}, k=${k})`);
  if (k === 1 || n === 1) return 1;
  const key = `${n}/${k}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const v = n <= EXACT_LIMIT ? exactExpectedMax(n, k) / n : monteCarloExpectedMax(n, k) / n;
  cache.set(key, v);
  return v;
}

// E[max] = Σ_{m ≥ 0} P(max > m) = Σ_m (1 − P(every pod ≤ m)). P(every pod ≤ m) by dealing the n requests
// pod by pod: the i-th of the r remaining pods takes Binomial(s, 1/r) of the s requests left.
function exactExpectedMax(n: number, k: number): number {
  const logFact = [0];
  for (let i = 1; i <= n; i++) logFact.push(logFact[i - 1] + Math.log(i));
  const binom = (s: number, c: number, p: number) =>
    Math.exp(logFact[s] - logFact[c] - logFact[s - c] + (c > 0 ? c * Math.log(p) : 0) + (s - c > 0 ? (s - c) * Math.log1p(-p) : 0));
  let expected = 0;
  for (let m = 0; m < n; m++) {
    if (m * k < n) {
      expected += 1; // some pod must hold more than m
      continue;
    }
    let dist = new Float64Array(n + 1);
    dist[n] = 1;
    for (let r = k; r >= 2; r--) {
      const next = new Float64Array(n + 1);
      for (let s = 0; s <= n; s++) {
        if (dist[s] === 0) continue;
        for (let c = 0; c <= Math.min(m, s); c++) next[s - c] += dist[s] * binom(s, c, 1 / r);
      }
      dist = next;
    }
    let pAllLe = 0;
    for (let s = 0; s <= Math.min(m, n); s++) pAllLe += dist[s];
    const tail = 1 - pAllLe;
    expected += tail;
    if (tail < 1e-12) break;
  }
  return expected;
}

function monteCarloExpectedMax(n: number, k: number): number {
  const rng = createRng(`dominant-share:${n}:${k}`);
  const trials = 4000;
  let sum = 0;
  const counts = new Array<number>(k);
  for (let t = 0; t < trials; t++) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[Math.floor(rng() * k)]++;
    sum += Math.max(...counts);
  }
  return sum / trials;
}

/** Mean random-picker baseline over the observed group sizes. */
export function randomBaseline(groups: readonly GroupShare[], pods: number): number {
  if (groups.length === 0) return NaN;
  return groups.reduce((a, g) => a + expectedRandomDominantShare(g.requests, pods), 0) / groups.length;
}
