// One pod, several names: headers from llm-d-inference-sim name the pod, EPP logs and the
// x-gateway-destination-endpoint-served header name `ip:port` (possibly a comma list, primary first).
// An alias map from metrics-source config (name + url) or discovered pods turns addresses into names.
import type { MetricsEvidence } from '../metrics-evidence.ts';

export type PodResolver = (raw: string) => string | null;

/** Build a resolver: first endpoint of a list, aliases applied by `host:port`, then by host alone. */
export function createPodResolver(aliases: Record<string, string> = {}): PodResolver {
  const byHost = new Map<string, string | null>();
  for (const [addr, name] of Object.entries(aliases)) {
    const host = splitHostPort(addr).host;
    // A host shared by several pods (all on 127.0.0.1 in the sim) cannot name one pod alone.
    byHost.set(host, byHost.has(host) && byHost.get(host) !== name ? null : name);
  }
  return (raw) => {
    const first = raw.split(',')[0]?.trim();
    if (!first) return null;
    const direct = aliases[first];
    if (direct) return direct;
    const { host, port } = splitHostPort(first);
    if (port !== null) {
      const normalised = aliases[`${host}:${port}`];
      if (normalised) return normalised;
    }
    const viaHost = byHost.get(host);
    if (viaHost) return viaHost;
    return first;
  };
}

function splitHostPort(s: string): { host: string; port: string | null } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) return { host: v6[1], port: v6[2] ?? null };
  const m = /^([^:]+):(\d+)$/.exec(s);
  return m ? { host: m[1], port: m[2] } : { host: s, port: null };
}

/** host:port → target name for every scraped target whose address is known. */
export function aliasesFromEvidence(evidence: MetricsEvidence): Record<string, string> {
  const out: Record<string, string> = {};
  for (const src of evidence.sources) for (const t of src.targets) if (t.address) out[t.address] = t.name;
  return out;
}
