// --workers and --shard, shared by `run`, `table` and the manifests `k8s job` renders.
import { InvalidArgumentError, Option } from 'commander';
import { defaultWorkerCount } from '@routebench/core';
import { MAX_WORKERS, positiveInt } from '../options.ts';
import { parseShard, type Shard } from '@routebench/core';

export function parseWorkers(v: string): number {
  return positiveInt('--workers', MAX_WORKERS)(v);
}

export function workersOption(): Option {
  const n = defaultWorkerCount();
  return new Option('--workers <n>', 'worker threads sending the load, each with its own event loop and connections (1 = one event loop)')
    .argParser(parseWorkers)
    .default(n, `${n}: this machine's available parallelism`);
}

export function shardOption(): Option {
  return new Option('--shard <i/N>', 'run only shard i of N of the load (send times i mod N of the one schedule); `routebench merge` the N results').argParser(
    (v: string): Shard => {
      try {
        return parseShard(v);
      } catch (e) {
        throw new InvalidArgumentError(`--shard: ${(e as Error).message}`);
      }
    },
  );
}
