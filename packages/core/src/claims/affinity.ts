// Affinity measurement shared by prefix-affinity and precise-prefix: group → modal-pod shares on the pods
// that serve responses (aggregated pods, or decode pods in P/D), against a random picker's expectation and
// an optional control run.
import type { RunEvidence } from './context.ts';
import { podTargets } from './evidence-read.ts';
import { dominantShares, groupPods, randomBaseline, type GroupShare } from './dominant-share.ts';

export interface AffinityMeasure {
  groups: GroupShare[];
  meanShare: number;
  minShare: number;
  /** Pods a request could have been sent to. */
  pods: string[];
  /** Distinct modal pods over the groups. */
  modalPods: string[];
  randomBaseline: number;
  unattributedShare: number;
  requests: number;
  sources: string[];
}

/** Pods that serve responses: the deployment's list, else scraped pods, else pods seen in the run. */
export function servingPods(run: RunEvidence, seen: Iterable<string>): string[] {
  if (run.podRoles && Object.keys(run.podRoles).length > 0)
    return Object.entries(run.podRoles)
      .filter(([, r]) => r !== 'prefill')
      .map(([p]) => p)
      .sort();
  const scraped = podTargets(run, ['both', 'decode']).map((t) => t.name);
  const set = new Set([...scraped, ...seen]);
  set.delete('unknown');
  return [...set].sort();
}

export function measureAffinity(
  run: RunEvidence,
  opts: { minRequestsPerGroup: number; maxUnattributedShare: number },
): AffinityMeasure | { problem: string; sources: string[] } {
  const gp = groupPods(run);
  if (gp.total === 0) return { problem: 'no measured request carried a group id (workload has no shared-prefix groups)', sources: [] };
  const unattributedShare = gp.unattributed / gp.total;
  if (unattributedShare > opts.maxUnattributedShare)
    return {
      problem: `no per-request pod attribution for ${Math.round(unattributedShare * 100)}% of grouped requests (need response headers or EPP logs; counter deltas cannot place a request)`,
      sources: gp.sources,
    };
  const groups = dominantShares(gp.byGroup, opts.minRequestsPerGroup);
  if (groups.length === 0) return { problem: `no group had at least ${opts.minRequestsPerGroup} attributed requests`, sources: gp.sources };
  const seen = new Set(Object.values(gp.byGroup).flatMap((m) => Object.keys(m)));
  const pods = servingPods(run, seen);
  if (pods.length < 2) return { problem: `only ${pods.length} serving pod known; affinity needs a choice between pods`, sources: gp.sources };
  const shares = groups.map((g) => g.share);
  return {
    groups,
    meanShare: shares.reduce((a, b) => a + b, 0) / shares.length,
    minShare: Math.min(...shares),
    pods,
    modalPods: [...new Set(groups.map((g) => g.modalPod))].sort(),
    randomBaseline: randomBaseline(groups, pods.length),
    unattributedShare,
    requests: groups.reduce((a, g) => a + g.requests, 0),
    sources: gp.sources,
  };
}
