// Endpoint text as the EPP logs it → the pod the metrics call it by (#18 item 3). Shapes from upstream:
// the kserve capture of GIE's v0.5-era "Request handled" (fixtures/captured-epp-logs, SOURCE.md), GIE
// v1.4.0/v1.5.0 EndpointMetadata printed with %+v (endpoint_metadata.go: NamespacedName, PodName, Address,
// Port, MetricsHost, Labels, in that order; NamespacedName prints through its String() as "ns/name"), the
// "<pod>-rank-<N>" endpoint names (datastore.go createEndpointNamespacedName) and "ip:port[,ip:port]".
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEndpointResolver } from '../../../src/evidence/attribution/endpoint-resolve.ts';
import { parseZapLine } from '../../../src/upstream/epp-logs.ts';

const fixture = (n: string) => readFileSync(join(import.meta.dirname, '..', 'fixtures', 'captured-epp-logs', n), 'utf8');

describe('createEndpointResolver', () => {
  const resolve = createEndpointResolver({
    addresses: { '10.0.0.5:8000': 'decode-a', '10.0.0.6:8000': 'decode-b', '10.244.1.234:8000': 'qwen-instruct-kserve-6899dd5fb8-tqwn8' },
    pods: ['decode-a', 'decode-b'],
  });

  it('maps ip:port (the first of a GIE list) through the metrics targets\' addresses', () => {
    expect(resolve('10.0.0.6:8000')).toMatchObject({ pod: 'decode-b', shape: 'address', how: 'address 10.0.0.6:8000' });
    expect(resolve('10.0.0.5:8000,10.0.0.6:8000').pod).toBe('decode-a');
    // Another port of a host only one target has (a data-parallel rank's port): the host names the pod.
    expect(resolve('10.0.0.5:8001')).toMatchObject({ pod: 'decode-a', how: 'host 10.0.0.5' });
  });

  it('says so when no target has the address, rather than inventing a pod', () => {
    const r = resolve('10.9.9.9:8000');
    expect(r.pod).toBeNull();
    expect(r.how).toBe('unresolved: no metrics target has address 10.9.9.9:8000');
    expect(createEndpointResolver()('10.9.9.9:8000').how).toContain('no metrics target addresses to map it to');
    // Every simulated pod on 127.0.0.1: the host alone names none of them.
    const shared = createEndpointResolver({ addresses: { '127.0.0.1:4001': 'agg-0', '127.0.0.1:4002': 'agg-1' } });
    expect(shared('127.0.0.1:4002').pod).toBe('agg-1');
    expect(shared('127.0.0.1:4003')).toMatchObject({ pod: null, how: 'unresolved: several metrics targets share host 127.0.0.1 and none has port 4003' });
  });

  it('reads namespace/name and drops the -rank-N of data-parallel endpoints', () => {
    expect(resolve('llm-d/decode-b')).toMatchObject({ pod: 'decode-b', shape: 'namespaced-name' });
    expect(resolve('decode-a-rank-1')).toMatchObject({ pod: 'decode-a', shape: 'rank', how: 'rank suffix -rank-1 dropped' });
    expect(resolve('llm-d/decode-a-rank-0').pod).toBe('decode-a');
    expect(resolve({ name: 'decode-b-rank-0', namespace: 'llm-d' }).pod).toBe('decode-b');
  });

  it('reads GIE v1.4/v1.5 EndpointMetadata printed with %+v: the address first, else PodName', () => {
    const v14 = '{NamespacedName:llm-d/decode-b-rank-0 PodName:decode-b Address:10.0.0.6 Port:8000 MetricsHost:10.0.0.6:8000 Labels:map[llm-d.ai/role:decode app:x]}';
    expect(resolve(v14)).toMatchObject({ pod: 'decode-b', shape: 'go-struct', how: 'address 10.0.0.6:8000' });
    const unknownAddr = v14.replace(/10\.0\.0\.6/g, '10.7.7.7');
    expect(resolve(unknownAddr)).toMatchObject({ pod: 'decode-b', shape: 'go-struct' });
    // The same value printed without NamespacedName's String method.
    expect(resolve('{NamespacedName:{Namespace:llm-d Name:decode-a-rank-2} Address:10.7.7.7 Port:9000 Labels:map[]}').pod).toBe('decode-a');
  });

  it('reads the GIE v0.5 backend.Pod struct of the captured kserve log (no port): by the name the metrics use, else by host', () => {
    const line = fixture('kserve-gie-director251.log').split('\n')[0]!;
    const endpoint = parseZapLine(line)!.endpoint as string;
    expect(endpoint.startsWith('{NamespacedName:kserve-test/')).toBe(true);
    // The metrics call it by its name: that name.
    expect(resolve(endpoint)).toMatchObject({ pod: 'qwen-instruct-kserve-6899dd5fb8-tqwn8', shape: 'go-struct', how: 'name' });
    // The metrics call the pod at that host something else (a scrape config's own target name): the host decides.
    expect(createEndpointResolver({ addresses: { '10.244.1.234:8000': 'vllm-0' } })(endpoint)).toMatchObject({ pod: 'vllm-0', how: 'host 10.244.1.234' });
    // No addresses at all: the struct's own pod name.
    expect(createEndpointResolver()(endpoint)).toMatchObject({ pod: 'qwen-instruct-kserve-6899dd5fb8-tqwn8', shape: 'go-struct', how: 'name' });
  });

  it('takes a name the metrics do not list as that pod, and says it is not among them', () => {
    expect(resolve('prefill-z')).toMatchObject({ pod: 'prefill-z', how: 'name (not among the metrics targets)' });
    expect(resolve('')).toMatchObject({ pod: null, shape: 'empty' });
  });
});
