// vLLM KV events as llm-d's precise prefix scorer receives them: the ZMQ topic, how the subscriber
// reads the pod id out of it, and the key the scorer looks pods up by. The simulator's pods publish
// topics built here and its precise scorer parses them with the same functions, so a topic that
// would not match on a real cluster does not match in the simulator either.
//
// Wire format (vLLM vllm/distributed/kv_events.py @b4e69e0a, ZmqEventPublisher._publisher_thread):
// each batch is sent as 3 frames [topic bytes, 8-byte big-endian sequence, msgpack EventBatch]; the
// topic is the `topic` field of `--kv-events-config` verbatim (default "", no templating in vLLM:
// `${POD_IP}` is expanded by the container shell, `$(POD_IP)` by Kubernetes). The subscriber drops
// messages with any other frame count (llm-d-kv-cache v0.7.1 pkg/kvevents/zmq_subscriber.go:121)
// and subscribes with the ZMQ prefix filter `topicFilter`, default "kv@" (pool.go:81).
import { z } from 'zod';

/** The ZMQ subscription prefix the scorer uses unless `kvEventsConfig.topicFilter` says otherwise (KVC v0.7.1 pkg/kvevents/pool.go:81). */
export const DEFAULT_KV_EVENTS_TOPIC_FILTER = 'kv@';

/** Frames per KV-event message: topic, sequence, payload (vLLM kv_events.py send_multipart; KVC v0.7.1 zmq_subscriber.go:121). */
export const KV_EVENTS_FRAMES = 3;

export interface KvEventsTopic {
  podId: string;
  model: string;
}

/**
 * `kv@<pod-id>@<model>`, the topic format the subscriber expects (KVC v0.7.1 pkg/kvevents/engineadapter/common.go:36).
 * Built as vLLM would send it, without validation (vLLM checks nothing): a '@' inside the pod id or the
 * model makes parseKvEventsTopic return the whole topic as the pod id; kvEventsTopicProblem says so.
 */
export function formatKvEventsTopic(podId: string, model: string): string {
  return `kv@${podId}@${model}`;
}

/** Why the subscriber would misread this topic, or null when it splits into (pod id, model). */
export function kvEventsTopicProblem(topic: string): string | null {
  const parts = topic.split('@').length - 1;
  if (!topic.startsWith(DEFAULT_KV_EVENTS_TOPIC_FILTER)) return `topic ${JSON.stringify(topic)} does not start with the default filter "${DEFAULT_KV_EVENTS_TOPIC_FILTER}"`;
  if (parts !== 2) return `topic ${JSON.stringify(topic)} has ${parts} '@' (want 2: kv@<pod-id>@<model>), so the whole topic becomes the pod id`;
  return null;
}

/**
 * The subscriber's reading of a topic, quirks included (KVC v0.7.1 engineadapter/common.go:39-45,
 * `parseTopic`): split on '@'; exactly 3 parts gives (parts[1], parts[2]); anything else (no '@', a
 * model name containing '@', a topic of just "kv@x") gives the WHOLE topic as the pod id and "" as
 * the model. That pod id then matches no scorer key, so such a pod's blocks are indexed but never
 * score, rather than being rejected.
 */
export function parseKvEventsTopic(topic: string): KvEventsTopic {
  const parts = topic.split('@');
  if (parts.length === 3) return { podId: parts[1]!, model: parts[2]! };
  return { podId: topic, model: '' };
}

/**
 * The key the precise prefix scorer looks an endpoint up by in the KV-block index: `Address:Port` of
 * the endpoint metadata (the pod IP and the InferencePool target port).
 *   SCHED v0.7.0+ pkg/plugins/scorer/precise_prefix_cache.go:496 (`endpointToKey`) and :650
 *   (`extractPodSet`, the pod filter for the index lookup), since 4cd7046e (#659, speculative indexing);
 *   ROUTER ebab6879 pkg/epp/framework/plugins/requestcontrol/dataproducer/preciseprefixcache/producer.go:379
 *   and utils.go:37.
 * SCHED v0.6.0 keyed by `Address` alone (precise_prefix_cache.go:255); neither modelled generation does.
 * The index compares pod ids exactly (KVC v0.7.1 pkg/kvcache/kvblock/in_memory.go:133, `podIdentifierSet.Has`).
 */
export function precisePodKey(address: string, port: string | number): string {
  return `${address}:${port}`;
}

/**
 * What a vLLM pod puts as <pod-id> in its `--kv-events-config` topic.
 *  - `address-port`: `kv@$(POD_IP):$(POD_PORT)@<model>`, llm-d/llm-d guides/precise-prefix-cache-aware/
 *    modelserver/gpu/vllm/patch-vllm.yaml @220684036 ("so pods are identified by their inference
 *    endpoint"). Matches precisePodKey.
 *  - `address`: `kv@${POD_IP}@<model>`, the older form still in SCHED v0.7.1 docs/architecture.md:443
 *    and in llm-d/llm-d guides/precise-prefix-cache-aware/ms-kv-events/values.yaml @342afc72; it matched
 *    SCHED v0.6.0's `Address` key and matches nothing from v0.7.0 on: every precise score is 0.
 *  - `pod-name`: a hand-written topic naming the pod; never matches.
 */
export const KvEventsPodIdStyleSchema = z.enum(['address-port', 'address', 'pod-name']);
export type KvEventsPodIdStyle = z.infer<typeof KvEventsPodIdStyleSchema>;

export function kvEventsPodId(style: KvEventsPodIdStyle, pod: { address: string; port: string | number; name: string }): string {
  if (style === 'address-port') return precisePodKey(pod.address, pod.port);
  if (style === 'address') return pod.address;
  return pod.name;
}

/**
 * Where the index key of a batch comes from. In central mode (the EPP binds `zmqEndpoint`, pods
 * dial in; `discoverPods: false`) and in SCHED v0.7.1 per-pod mode, only the topic names the pod, so
 * a wrong <pod-id> silently zeroes the scorer. ROUTER ebab6879 (KVC v0.9.0) per-pod subscribers
 * (`discoverPods: true`) pass `sourceEndpoint = Address:Port` to EnsureSubscriber (ROUTER
 * dataproducer/preciseprefixcache/extractor.go, ensureSubscriber), which the pool uses instead of the
 * topic's pod id; that override is read in later llm-d-kv-cache pool.go copies, not at the v0.9.0
 * tag itself (not in our mirror), so treat it as likely rather than certain.
 */
export function kvEventsIndexKey(topic: string, sourceEndpoint?: string): string {
  return sourceEndpoint ? sourceEndpoint : parseKvEventsTopic(topic).podId;
}
