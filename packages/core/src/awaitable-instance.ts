// The shape run() and measure() return, modelled on autocannon: awaitable for the result, with 'progress'
// (periodic snapshot), 'request' (each final record) and 'sent' events, stop(), and progress() as an async
// iterator of snapshots that ends with the run.
import type { EventEmitter } from 'node:events';
import type { RequestRecord } from './record/request-record.ts';
import type { RecorderSnapshot as ProgressSnapshot } from './record/recorder.ts';

export interface RunEvents {
  progress: [ProgressSnapshot];
  request: [RequestRecord];
  sent: [{ seq: number; t: number; phase?: 'warmup' | 'measure' }];
}

export interface AwaitableInstance<T> extends PromiseLike<T> {
  on<K extends keyof RunEvents>(event: K, fn: (...args: RunEvents[K]) => void): AwaitableInstance<T>;
  off<K extends keyof RunEvents>(event: K, fn: (...args: RunEvents[K]) => void): AwaitableInstance<T>;
  /** Stop sending; in-flight requests get load.drainTimeoutMs to finish, then are cancelled. */
  stop(reason?: string): void;
  /** Progress snapshots as an async iterator (ends when the run ends). */
  progress(): AsyncIterable<ProgressSnapshot>;
}

/** Wrap a run's promise and event emitter (which emits 'progress', 'request', 'sent') as its instance. */
export function awaitableInstance<T>(done: Promise<T>, emitter: EventEmitter, stop: (reason?: string) => void): AwaitableInstance<T> {
  let ended = false;
  const onEnd = () => {
    ended = true;
    emitter.emit('end');
  };
  // then(onEnd, onEnd), not finally(): a failed run rejects to its awaiter only, not also as an unhandled rejection.
  void done.then(onEnd, onEnd);

  const instance: AwaitableInstance<T> = {
    then: (onOk, onErr) => done.then(onOk, onErr),
    on(event, fn) {
      emitter.on(event, fn as (...a: unknown[]) => void);
      return instance;
    },
    off(event, fn) {
      emitter.off(event, fn as (...a: unknown[]) => void);
      return instance;
    },
    stop,
    progress() {
      return {
        [Symbol.asyncIterator]() {
          const queue: ProgressSnapshot[] = [];
          let wake: (() => void) | null = null;
          const onP = (p: ProgressSnapshot) => {
            queue.push(p);
            wake?.();
          };
          const onEnd = () => wake?.();
          emitter.on('progress', onP);
          emitter.on('end', onEnd);
          return {
            async next(): Promise<IteratorResult<ProgressSnapshot>> {
              while (queue.length === 0 && !ended) await new Promise<void>((r) => (wake = r));
              wake = null;
              if (queue.length > 0) return { value: queue.shift()!, done: false };
              emitter.off('progress', onP);
              emitter.off('end', onEnd);
              return { value: undefined, done: true };
            },
          };
        },
      };
    },
  };
  return instance;
}
