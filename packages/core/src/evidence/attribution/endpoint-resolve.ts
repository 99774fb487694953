// An endpoint as a log line names it → the pod the metrics call it by. The EPP names the endpoint it picked
// in several shapes, depending on the line and the release:
//  - "ip:port[,ip:port…]": GIE ≥ v1.0.0 "Request handled" (`net.JoinHostPort(GetIPAddress(), GetPort())` of
//    the primary profile's targets, joined with ","; pkg/epp/requestcontrol/director.go:294-304 at v1.4.0);
//    the picker result's Address/Port and "Got endpoint scores" keys are addresses too;
//  - "namespace/name": types.NamespacedName's String() (k8s.io/apimachinery pkg/types/namespacedname.go), how
//    a NamespacedName prints inside a struct and in console-encoded "Calculated score" lines;
//  - "<pod>-rank-<N>": the endpoint's NamespacedName.Name since data-parallel ranks became endpoints
//    (createEndpointNamespacedName, pod.Name + "-rank-" + idx; GIE pkg/epp/datastore/datastore.go:399 at
//    v1.4.0, :444 at v1.5.0);
//  - a Go struct printed with "%+v":
//      GIE v0.5.0 backend.Pod.String() = fmt.Sprintf("%+v", *p) over {NamespacedName, Address, Labels}
//      (pkg/epp/backend/pod.go:25-35), logged as "endpoint" by "Request handled" at V(2)
//      (pkg/epp/requestcontrol/director.go:251), e.g.
//      `{NamespacedName:ns/pod Address:10.0.0.5 Labels:map[k:v]}` (no port);
//      GIE v1.4.0/v1.5.0 EndpointMetadata.String() = fmt.Sprintf("%+v", *e) over {NamespacedName, PodName,
//      Address, Port, MetricsHost, Labels} (pkg/epp/framework/interface/datalayer/endpoint_metadata.go:26-40
//      at v1.4.0, :27-41 at v1.5.0), e.g. `{NamespacedName:ns/pod-rank-0 PodName:pod Address:10.0.0.5
//      Port:8000 MetricsHost:10.0.0.5:8000 Labels:map[]}` (what any line that logs an endpoint value
//      prints; v1.x's "Request handled" itself logs ip:port). A nested NamespacedName prints through its
//      String() as "ns/name" — observed in the captured kserve line (test fixtures/captured-epp-logs); the
//      `{Namespace:ns Name:name}` form is accepted too in case a value was printed without that method.
// A name (pod name, NamespacedName, rank) names the pod itself; an address is only a pod when a metrics
// target (or an alias the user gave) has that address. An address nobody has is reported unresolved, never
// used as a pod name.

/** What the run knows about its pods: addresses of metrics targets (host:port → pod) and the pod names the metrics use. */
export interface EndpointDirectory {
  /** host:port → pod name (metrics targets' addresses, the user's --alias). */
  addresses?: Readonly<Record<string, string>>;
  /** Pod names the metrics (or the run's records) use. */
  pods?: Iterable<string>;
}

export type EndpointShape = 'pod-name' | 'address' | 'namespaced-name' | 'rank' | 'go-struct' | 'empty';

export interface EndpointResolution {
  /** The text as logged. */
  raw: string;
  shape: EndpointShape;
  /** The pod, or null when the text names no pod this run knows. */
  pod: string | null;
  /** How the pod was found (`address 10.0.0.5:8000`, `host 10.0.0.5`, `name`, `rank suffix dropped`…), or why not. */
  how: string;
}

export type EndpointResolver = (raw: unknown) => EndpointResolution;

const RANK = /-rank-\d+$/;

export function createEndpointResolver(dir: EndpointDirectory = {}): EndpointResolver {
  const addresses = new Map<string, string>();
  for (const [addr, pod] of Object.entries(dir.addresses ?? {})) addresses.set(normaliseAddress(addr), pod);
  // A host shared by several pods (the simulator puts every pod on 127.0.0.1) cannot name one pod alone.
  const byHost = new Map<string, string | null>();
  for (const [addr, pod] of addresses) {
    const host = splitHostPort(addr).host;
    byHost.set(host, byHost.has(host) && byHost.get(host) !== pod ? null : pod);
  }
  const known = new Set<string>([...(dir.pods ?? []), ...addresses.values()]);

  const byName = (name: string, shape: EndpointShape, raw: string): EndpointResolution => {
    if (known.has(name)) return { raw, shape, pod: name, how: 'name' };
    const base = name.replace(RANK, '');
    if (base !== name) return { raw, shape: shape === 'pod-name' ? 'rank' : shape, pod: base, how: `rank suffix ${name.slice(base.length)} dropped` };
    // A pod name is the pod, known to the metrics or not (a pod they did not scrape is still that pod).
    return { raw, shape, pod: name, how: known.size > 0 ? 'name (not among the metrics targets)' : 'name' };
  };

  const byAddress = (addr: string, shape: EndpointShape, raw: string): EndpointResolution => {
    const a = normaliseAddress(addr);
    const exact = addresses.get(a);
    if (exact) return { raw, shape, pod: exact, how: `address ${a}` };
    const { host } = splitHostPort(a);
    const viaHost = byHost.get(host);
    if (viaHost) return { raw, shape, pod: viaHost, how: `host ${host}` };
    const why =
      byHost.get(host) === null
        ? `several metrics targets share host ${host} and none has port ${splitHostPort(a).port ?? '(none)'}`
        : addresses.size === 0
          ? 'no metrics target addresses to map it to (give metrics snapshots with an instance label, or --alias ADDR=POD)'
          : `no metrics target has address ${a}`;
    return { raw, shape, pod: null, how: `unresolved: ${why}` };
  };

  return (value) => {
    const raw = typeof value === 'string' ? value : value && typeof value === 'object' ? JSON.stringify(value) : '';
    if (value && typeof value === 'object') return fromObject(value as Record<string, unknown>, raw, byName, byAddress);
    const s = raw.trim();
    if (s === '') return { raw, shape: 'empty', pod: null, how: 'unresolved: empty endpoint' };
    if (s.startsWith('{')) return fromGoStruct(s, raw, byName, byAddress, (n) => known.has(n) || known.has(n.replace(RANK, '')));
    // GIE joins the primary profile's endpoints with ","; the first is the one the request went to.
    const first = s.split(',')[0]!.trim();
    // An alias given for this exact name (the aliases may rename pods too, e.g. `vllm-b` → `decode-b`).
    const direct = isAddress(first) ? undefined : addresses.get(first);
    if (direct) return { raw, shape: 'pod-name', pod: direct, how: `alias ${first}` };
    if (isAddress(first)) return byAddress(first, 'address', raw);
    if (first.includes('/')) return byName(first.slice(first.lastIndexOf('/') + 1), 'namespaced-name', raw);
    return byName(first, 'pod-name', raw);
  };
}

type ByName = (name: string, shape: EndpointShape, raw: string) => EndpointResolution;
type ByAddress = ByName;

/** `{NamespacedName:ns/name PodName:p Address:a Port:n MetricsHost:h:n Labels:map[…]}` and the v0.5 `backend.Pod` form. */
function fromGoStruct(s: string, raw: string, byName: ByName, byAddress: ByAddress, isKnown: (name: string) => boolean): EndpointResolution {
  // Labels come last and may hold anything; read the fields before them.
  const head = s.split(/\sLabels:map\[/)[0]!;
  const field = (k: string) => new RegExp(`(?:^\\{|\\s)${k}:([^\\s}]*)`).exec(head)?.[1] ?? '';
  let nn = field('NamespacedName');
  const nested = /NamespacedName:\{Namespace:(\S*)\s+Name:([^\s}]+)\}/.exec(head);
  if (nested) nn = `${nested[1]}/${nested[2]}`;
  const name = field('PodName') || (nn ? nn.slice(nn.lastIndexOf('/') + 1) : '');
  const address = field('Address');
  const port = field('Port');
  const metricsHost = field('MetricsHost');
  const struct = (r: EndpointResolution): EndpointResolution => ({ ...r, shape: 'go-struct' });
  // What the metrics were scraped at is the surest; then a name they use; then the host alone (v0.5 logs no
  // port); then the struct's own name.
  for (const a of [address && port ? `${address}:${port}` : '', metricsHost]) {
    if (!a) continue;
    const r = byAddress(a, 'go-struct', raw);
    if (r.pod) return r;
  }
  if (name && isKnown(name)) return struct(byName(name, 'go-struct', raw));
  if (address) {
    const r = byAddress(address, 'go-struct', raw);
    if (r.pod || !name) return r;
  }
  if (name) return struct(byName(name, 'go-struct', raw));
  return { raw, shape: 'go-struct', pod: null, how: 'unresolved: a struct with neither a name nor an address' };
}

/** A JSON object: a zapr-marshalled NamespacedName {name, namespace}, or a picker result element {Address, Port, PodName…}. */
function fromObject(o: Record<string, unknown>, raw: string, byName: ByName, byAddress: ByAddress): EndpointResolution {
  const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
  const address = str(o.Address ?? o.address);
  const port = str(o.Port ?? o.port);
  if (address) {
    const r = byAddress(port ? `${address}:${port}` : address, 'address', raw);
    if (r.pod) return r;
  }
  const podName = str(o.PodName ?? o.podName);
  if (podName) return byName(podName, 'pod-name', raw);
  const nn = o.NamespacedName;
  if (nn && typeof nn === 'object') {
    const name = str((nn as Record<string, unknown>).Name ?? (nn as Record<string, unknown>).name);
    if (name) return byName(name, 'namespaced-name', raw);
  } else if (typeof nn === 'string' && nn) return byName(nn.slice(nn.lastIndexOf('/') + 1), 'namespaced-name', raw);
  const name = str(o.name ?? o.Name);
  if (name) return byName(name, 'namespaced-name', raw);
  if (address) return byAddress(port ? `${address}:${port}` : address, 'address', raw);
  return { raw, shape: 'empty', pod: null, how: 'unresolved: an object with neither a name nor an address' };
}

function isAddress(s: string): boolean {
  return /^\[[0-9a-fA-F:.]+\](?::\d+)?$/.test(s) || /^\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?$/.test(s) || /^[^\s/:]+:\d+$/.test(s);
}

export function splitHostPort(s: string): { host: string; port: string | null } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) return { host: v6[1]!, port: v6[2] ?? null };
  const m = /^([^:]+):(\d+)$/.exec(s);
  return m ? { host: m[1]!, port: m[2]! } : { host: s, port: null };
}

/** One key per address: an IPv6 host in brackets whether or not it came with them. */
function normaliseAddress(a: string): string {
  const { host: h, port } = splitHostPort(a.trim());
  const hostText = h.includes(':') ? `[${h}]` : h;
  return port === null ? hostText : `${hostText}:${port}`;
}
