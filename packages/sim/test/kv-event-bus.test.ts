import { describe, it, expect } from 'vitest';
import { createKvEventBus } from '../src/kv-event-bus.ts';
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
});
