import { describe, it, expect } from 'vitest';
import { parseKvEventsTopic } from '@routebench/core';
import { startPod } from '../src/pod/index.ts';
import { createKvEventBus, KvEventsFaultSchema } from '../src/kv-event-bus.ts';
import { presetSpec } from '../src/presets.ts';
import type { KvEventBatch } from '../src/types.ts';

const batch: KvEventBatch = { topic: 'kv@127.0.0.1:1@m', pod: 'p', ts: 1, events: [{ type: 'AllBlocksCleared' }] };

describe('createKvEventBus', () => {
  it('fans out synchronously, isolates throwing listeners, unsubscribes', () => {
    const errors: unknown[] = [];
    const bus = createKvEventBus({ onListenerError: (e) => errors.push(e) });
    const a: KvEventBatch[] = [];
    const b: KvEventBatch[] = [];
    const offA = bus.subscribe((x) => a.push(x));
    bus.subscribe(() => {
      throw new Error('boom');
    });
    bus.subscribe((x) => b.push(x));
    bus.publish(batch);
    expect(a).toEqual([batch]);
    expect(b).toEqual([batch]);
    expect(errors).toHaveLength(1);
    offA();
    bus.publish(batch);
    expect(a).toHaveLength(1);
    expect(b).toHaveLength(2);
  });

  it('names the fault values; a preset refuses any other by field name', () => {
    expect(KvEventsFaultSchema.options).toEqual(['ok', 'dropped', 'pod-id-mismatch']);
    expect(() => presetSpec('pd-precise', { kvEvents: 'lost' as never })).toThrow(/kvEvents/);
  });
});

// What a pod puts on the wire: the topic is the only pod identity the EPP gets (core upstream/kv-events.ts).
describe.each([
  [undefined, (host: string, port: number) => `${host}:${port}`],
  ['address-port', (host: string, port: number) => `${host}:${port}`],
  ['address', (host: string) => host],
  ['pod-name', () => 'kv-pod'],
] as const)('a pod publishing KV events (kvEventsPodId %s)', (kvEventsPodId, podIdOf) => {
  it('sends topic kv@<pod-id>@<model> on every batch', async () => {
    const bus = createKvEventBus();
    const seen: KvEventBatch[] = [];
    bus.subscribe((b) => seen.push(b));
    const pod = await startPod({ name: 'kv-pod', models: ['org/model-a', 'model-b'], kvCache: { blockSize: 16, capacityBlocks: 1024 } }, { kvEvents: bus, ...(kvEventsPodId && { kvEventsPodId }) });
    try {
      const res = await fetch(`${pod.url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'org/model-a', max_tokens: 2, prompt: 'river mountain forest ocean '.repeat(30) }),
      });
      expect(res.status).toBe(200);
      await res.text();
      expect(seen.length).toBeGreaterThan(0);
      for (const b of seen) expect(parseKvEventsTopic(b.topic)).toEqual({ podId: podIdOf(pod.host, pod.port), model: 'org/model-a' });
    } finally {
      await pod.stop();
    }
  });
});
