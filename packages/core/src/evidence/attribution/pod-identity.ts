// One pod, several names: headers from llm-d-inference-sim name the pod, EPP logs and the
// x-gateway-destination-endpoint-served header name `ip:port` (possibly a comma list, primary first).
// An alias map from metrics-source config (name + url) or discovered pods turns addresses into names.
import type { MetricsEvidence } from '../metrics-evidence.ts';
import { createEndpointResolver } from './endpoint-resolve.ts';

export type PodResolver = (raw: string) => string | null;

/**
 * Build a resolver over endpoint-resolve.ts: the first endpoint of a list, an address through the aliases
 * (`host:port`, then the host alone when one pod has it), a `ns/name`, `-rank-N` or Go `%+v` struct through
 * its pod name. An address no alias names is null (unattributed), never taken for a pod name.
 */
export function createPodResolver(aliases: Record<string, string> = {}): PodResolver {
  const resolve = createEndpointResolver({ addresses: aliases });
  return (raw) => resolve(raw).pod;
}

/** host:port → target name for every scraped target whose address is known. */
export function aliasesFromEvidence(evidence: MetricsEvidence): Record<string, string> {
  const out: Record<string, string> = {};
  for (const src of evidence.sources) for (const t of src.targets) if (t.address) out[t.address] = t.name;
  return out;
}
