// The approximate prefix indexer of GIE v1.2.0 (plugins/multi/prefix/indexer.go): block hash → set of
// pods, plus one LRU per pod whose eviction removes the pod from that hash's set.
export interface PrefixIndexer {
  /** Record that `pod` now holds these blocks (refreshing their LRU position). */
  add(hashes: readonly bigint[], pod: string, capacity: number): void;
  /** Pods holding a block. */
  get(hash: bigint): ReadonlySet<string> | undefined;
  /** Per pod: how many blocks, walking from block 0 and stopping at the first block no pod holds, contain it. */
  match(hashes: readonly bigint[]): Map<string, number>;
  removePod(pod: string): void;
  /** Total LRU entries over all pods (inference_extension_prefix_indexer_size). */
  size(): number;
}

export function createPrefixIndexer(): PrefixIndexer {
  const hashToPods = new Map<bigint, Set<string>>();
  // Map iteration order is insertion order: first key = least recently used.
  const lrus = new Map<string, Map<bigint, true>>();
  const unlink = (hash: bigint, pod: string) => {
    const pods = hashToPods.get(hash);
    if (!pods) return;
    pods.delete(pod);
    if (pods.size === 0) hashToPods.delete(hash);
  };
  return {
    add(hashes, pod, capacity) {
      let lru = lrus.get(pod);
      if (!lru) lrus.set(pod, (lru = new Map()));
      for (const h of hashes) {
        lru.delete(h);
        lru.set(h, true);
        let pods = hashToPods.get(h);
        if (!pods) hashToPods.set(h, (pods = new Set()));
        pods.add(pod);
      }
      while (lru.size > capacity) {
        const oldest = lru.keys().next().value as bigint;
        lru.delete(oldest);
        unlink(oldest, pod);
      }
    },
    get: (hash) => hashToPods.get(hash),
    match(hashes) {
      const res = new Map<string, number>();
      for (const h of hashes) {
        const pods = hashToPods.get(h);
        if (!pods || pods.size === 0) break;
        for (const p of pods) res.set(p, (res.get(p) ?? 0) + 1);
      }
      return res;
    },
    removePod(pod) {
      const lru = lrus.get(pod);
      if (!lru) return;
      for (const h of lru.keys()) unlink(h, pod);
      lrus.delete(pod);
    },
    size: () => [...lrus.values()].reduce((n, l) => n + l.size, 0),
  };
}
