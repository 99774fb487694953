// In-process stand-in for vLLM's ZMQ KV-event publisher: synchronous fan-out to every subscriber.
// A throwing listener must not stop the others (nor the pod publishing), so each call is isolated.
import { z } from 'zod';
import type { KvEventBatch, KvEventBus, KvEventListener } from './types.ts';

/**
 * KV-event faults a cluster can be started with: 'ok'; 'dropped' (the EPP never receives events);
 * 'pod-id-mismatch' (events arrive but the topic's pod id is not the scorer's endpoint key).
 */
export const KvEventsFaultSchema = z.enum(['ok', 'dropped', 'pod-id-mismatch']);
export type KvEventsFault = z.infer<typeof KvEventsFaultSchema>;

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
