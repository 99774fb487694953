// In-process stand-in for vLLM's ZMQ KV-event publisher: synchronous fan-out to every subscriber.
// A throwing listener must not stop the others (nor the pod publishing), so each call is isolated.
import type { KvEventBatch, KvEventBus, KvEventListener } from './types.ts';

export function createKvEventBus(opts: { onListenerError?: (err: unknown) => void } = {}): KvEventBus {
  const listeners = new Set<KvEventListener>();
  return {
    publish(batch: KvEventBatch) {
      for (const l of [...listeners]) {
        try {
          l(batch);
        } catch (err) {
          opts.onListenerError?.(err);
        }
      }
    },
    subscribe(listener: KvEventListener) {
      // Wrap so the same function may subscribe twice and unsubscribe each independently.
      const wrapped: KvEventListener = (b) => listener(b);
      listeners.add(wrapped);
      return () => {
        listeners.delete(wrapped);
      };
    },
  };
}
