// The KV-event topic as llm-d-kv-cache's subscriber reads it (v0.7.1 engineadapter/common.go parseTopic)
// and the precise scorer's endpoint key (SCHED v0.7.1 precise_prefix_cache.go:496). Topic strings are
// the forms in llm-d's guides: llm-d/llm-d guides/precise-prefix-cache-aware/modelserver/gpu/vllm/patch-vllm.yaml
// @220684036 (IP:port) and SCHED v0.7.1 docs/architecture.md:443 (IP alone).
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_KV_EVENTS_TOPIC_FILTER,
  KvEventsPodIdStyleSchema,
  formatKvEventsTopic,
  kvEventsIndexKey,
  kvEventsPodId,
  kvEventsTopicProblem,
  parseKvEventsTopic,
  precisePodKey,
} from '../../src/index.ts';

describe('KV-event topics', () => {
  it('formats and parses kv@<pod-id>@<model>; the guide topic yields the scorer key', () => {
    const topic = formatKvEventsTopic(kvEventsPodId('address-port', { address: '10.1.2.3', port: 8000, name: 'decode-0' }), 'Qwen/Qwen3-32B');
    expect(topic).toBe('kv@10.1.2.3:8000@Qwen/Qwen3-32B');
    expect(topic.startsWith(DEFAULT_KV_EVENTS_TOPIC_FILTER)).toBe(true);
    expect(parseKvEventsTopic(topic)).toEqual({ podId: '10.1.2.3:8000', model: 'Qwen/Qwen3-32B' });
    expect(kvEventsIndexKey(topic)).toBe(precisePodKey('10.1.2.3', '8000'));
  });

  it('the IP-only and pod-name topics parse but never equal the Address:Port key', () => {
    const pod = { address: '10.1.2.3', port: 8000, name: 'decode-0' };
    const key = precisePodKey(pod.address, pod.port);
    expect(parseKvEventsTopic('kv@10.1.2.3@Qwen/Qwen3-32B').podId).toBe('10.1.2.3');
    for (const style of ['address', 'pod-name'] as const) {
      expect(kvEventsIndexKey(formatKvEventsTopic(kvEventsPodId(style, pod), 'm'))).not.toBe(key);
    }
  });

  it("keeps upstream's quirk: not exactly 3 '@'-parts → the whole topic is the pod id, model empty", () => {
    expect(parseKvEventsTopic('kv@10.1.2.3:8000')).toEqual({ podId: 'kv@10.1.2.3:8000', model: '' });
    expect(parseKvEventsTopic('kv@10.1.2.3:8000@org/model@rev')).toEqual({ podId: 'kv@10.1.2.3:8000@org/model@rev', model: '' });
    expect(parseKvEventsTopic('')).toEqual({ podId: '', model: '' }); // vLLM's default topic
    const atModel = formatKvEventsTopic('10.1.2.3:8000', 'org/model@rev');
    expect(parseKvEventsTopic(atModel).podId).toBe(atModel);
    expect(kvEventsTopicProblem(atModel)).toMatch(/has 3 '@' \(want 2: kv@<pod-id>@<model>\), so the whole topic becomes the pod id/);
    expect(kvEventsTopicProblem('')).toMatch(/does not start with the default filter "kv@"/);
    expect(kvEventsTopicProblem('kv@10.1.2.3:8000@m')).toBeNull();
  });

  it('a per-pod subscriber source endpoint overrides the topic (router generation, discoverPods)', () => {
    expect(kvEventsIndexKey('kv@decode-0@m', '10.1.2.3:8000')).toBe('10.1.2.3:8000');
    expect(kvEventsIndexKey('kv@decode-0@m', '')).toBe('decode-0');
  });

  it('rejects unknown pod-id styles by name', () => {
    expect(KvEventsPodIdStyleSchema.safeParse('ip').success).toBe(false);
  });
});
