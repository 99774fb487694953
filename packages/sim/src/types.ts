// The contract between the simulator's parts: model-server pods (src/pod/), the EPP gateway and
// P/D sidecar (src/epp/), and the cluster/autoscaler glue (src/cluster.ts, src/autoscaler.ts).
// Pods and the EPP talk over real loopback HTTP (the EPP scrapes /metrics, proxies requests);
// the only in-process channel is KV events, standing in for vLLM's ZMQ publisher.
import type { PodRole } from '@routebench/core';

/** 'both' | 'prefill' | 'decode': core's type (the claims read pod roles too), declared there once. */
export type { PodRole };

/** KV events as vLLM publishes them (BlockStored / BlockRemoved / AllBlocksCleared), per pod. */
export type KvEvent =
  | { type: 'BlockStored'; blockHashes: string[]; parentBlockHash: string | null; tokenIds: number[]; blockSize: number }
  | { type: 'BlockRemoved'; blockHashes: string[] }
  | { type: 'AllBlocksCleared' };

export interface KvEventBatch {
  /** vLLM topic form kv@<pod-id>@<model> (core upstream/kv-events.ts); the EPP's index key comes from here. */
  topic: string;
  /** The publishing pod's name, for tests and logs only: upstream has no such field, and the EPP never reads it. */
  pod: string;
  ts: number;
  events: KvEvent[];
}

export type KvEventListener = (batch: KvEventBatch) => void;

/** The in-process stand-in for the ZMQ KV-event stream. `dropped` faults simply never deliver. */
export interface KvEventBus {
  publish(batch: KvEventBatch): void;
  subscribe(listener: KvEventListener): () => void;
}

export interface PodFaults {
  /** Probability [0,1] that a request is answered with an HTTP error, by status code, e.g. {500: 0.1, 429: 0.05}. */
  errorRate?: Record<number, number>;
  /** Probability [0,1] that a stream sends an {"error":…} frame then [DONE] after some tokens. */
  midStreamErrorRate?: number;
  /** Probability [0,1] that a stream stops sending (holds the socket open) after some tokens. */
  stallRate?: number;
  /** Probability [0,1] that the socket is destroyed mid-stream. */
  resetRate?: number;
  /** Multiplies every latency of this pod (a slow pod). */
  slowFactor?: number;
}

/** Who a pod is and where it listens: what a pod handle and the EPP's registration of it share. */
export interface PodIdentity {
  name: string;
  namespace: string;
  role: PodRole;
  /** Served model names (first is the primary). */
  models: string[];
  /** With port, the pod's address (`host:port` is how the EPP names an endpoint). */
  host: string;
  port: number;
}

export interface PodHandle extends PodIdentity {
  /** http://127.0.0.1:<port> */
  url: string;
  metricsUrl: string;
  /** Stop accepting new requests (503), resolve when in-flight and queued ones are done. */
  drain(): Promise<void>;
  /** Close the server at once (in-flight sockets destroyed). */
  stop(): Promise<void>;
  /** Change faults at run time. */
  setFaults(faults: PodFaults): void;
  /** Current engine state, for tests and the autoscaler's readiness view (the EPP uses /metrics). */
  state(): { running: number; waiting: number; kvUsage: number; ready: boolean };
}
