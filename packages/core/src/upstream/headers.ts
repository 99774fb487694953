// Request and response headers the EPP and the P/D sidecar read or write, per llm-d generation.
//   v0.7:   GIE v1.4.0 pkg/epp/metadata/consts.go:24-36; SCHED v0.7.1 pkg/common/common.go:11.
//   router: ROUTER ebab68792 pkg/epp/metadata/consts.go:26-60 (new x-llm-d-* names; the x-gateway-* names
//           kept as deprecated aliases, both read); pkg/common/routing/common.go:14-17.
import type { LlmdVersion } from './versions.ts';

export interface EppHeaders {
  /** InferenceObjective name of a request; the first present wins. */
  objective: readonly string[];
  /** Model name the EPP rewrites the body's model to. */
  modelNameRewrite: readonly string[];
  /** Flow-control fairness id. */
  fairnessId: readonly string[];
  /** Envoy metadata / header naming the picked endpoint(s) ("ip:port[,…]"). */
  destinationEndpoint: string;
  /** Endpoint that actually served, reported back by Envoy (consumed by the served-endpoint verifier). */
  destinationEndpointServed: string;
  /** Prefill endpoint for the routing sidecar (P/D). */
  prefillerHostPort: string;
  /** Encoder endpoints (E/PD), router only. */
  encoderHostsPorts?: string;
}

export const EPP_HEADERS: Record<LlmdVersion, EppHeaders> = {
  'v0.7': {
    objective: ['x-gateway-inference-objective'],
    modelNameRewrite: ['x-gateway-model-name-rewrite'],
    fairnessId: ['x-gateway-inference-fairness-id'],
    destinationEndpoint: 'x-gateway-destination-endpoint',
    destinationEndpointServed: 'x-gateway-destination-endpoint-served',
    prefillerHostPort: 'x-prefiller-host-port',
  },
  router: {
    objective: ['x-llm-d-inference-objective', 'x-gateway-inference-objective'],
    modelNameRewrite: ['x-llm-d-model-name-rewrite', 'x-gateway-model-name-rewrite'],
    fairnessId: ['x-llm-d-inference-fairness-id', 'x-gateway-inference-fairness-id'],
    destinationEndpoint: 'x-gateway-destination-endpoint',
    destinationEndpointServed: 'x-gateway-destination-endpoint-served',
    prefillerHostPort: 'x-prefiller-host-port',
    encoderHostsPorts: 'x-encoder-hosts-ports',
  },
};

/** The first of `names` present in `headers` (lower-case keys, as Node gives them). */
export function firstHeader(headers: Record<string, string | string[] | undefined>, names: readonly string[]): string | undefined {
  for (const n of names) {
    const v = headers[n];
    if (typeof v === 'string') return v;
  }
  return undefined;
}
