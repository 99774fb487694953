// Multi-model routing as upstream does it: body-based routing (BBR) in front of one InferencePool per model.
// No EPP filters endpoints by model, so a model-correct answer needs the gateway to pick the pool first.
// The simulator's BBR front (sim/src/bbr.ts) and the model-routing claim take their facts from here.
//
// Sources (read 2026-12-02):
//   GIE  = kubernetes-sigs/gateway-api-inference-extension, tags v1.4.0 and v1.5.0
//   GWAPI = kubernetes-sigs/gateway-api (tag v1.3.0; HEAD 4564255a says the same)
//   SCHED = llm-d/llm-d-inference-scheduler v0.7.1; SEED = richajoy/llm-d-lambda-deployment b0fc0dfd
import { z } from 'zod';

export const BBR = {
  /**
   * BBR copies the body's `model` into this request header (GIE v1.4.0 pkg/bbr/handlers/request.go:38;
   * v1.5.0 pkg/bbr/plugins/bodyfieldtoheader/body_field_to_header.go:34, the chart's default
   * `headerName` in config/charts/body-based-routing/values.yaml:26).
   */
  modelHeader: 'X-Gateway-Model-Name',
  /**
   * ...and the model's base model into this one: the LoRA adapter's base, the model itself when it is a
   * registered base model, else the empty string (GIE v1.4.0 request.go:39,96 + pkg/bbr/datastore/datastore.go:129-141;
   * v1.5.0 pkg/bbr/plugins/basemodelextractor/base_model_to_header.go:36,99-105, "empty string is valid").
   * Base models and adapters come from ConfigMaps labelled `inference.networking.k8s.io/bbr-managed: "true"`
   * with data keys `baseModel` and `adapters` (GIE v1.4.0 config/manifests/bbr/configmap.yaml, datastore.go:31-34).
   */
  baseModelHeader: 'X-Gateway-Base-Model-Name',
  /**
   * The header the inferencepool chart's HTTPRoute matches (type Exact, value = `experimentalHttpRoute.baseModel`),
   * one HTTPRoute per InferencePool (GIE v1.4.0 config/charts/inferencepool/templates/httproute.yaml:20-25; same at
   * v1.5.0). The multi-pool guide routes on it too (GIE v1.4.0 site-src/guides/serving-multiple-inference-pools-latest.md:16).
   * BBR's README suggests matching X-Gateway-Model-Name instead; with no LoRA adapters both carry the same value
   * for a registered model, so a hand-written route on either header routes the same way.
   */
  routeMatchHeader: 'X-Gateway-Base-Model-Name',
  /**
   * BBR sets the headers with ClearRouteCache: true, "so that the new headers are used in the routing decision"
   * (GIE v1.4.0 request.go:135): the route is chosen after BBR has run.
   */
  clearsRouteCache: true,
  /**
   * A request that matches no attached rule gets 404: "When no rules matching a request have been successfully
   * attached to the parent a request is coming from, a HTTP 404 status code MUST be returned"
   * (GWAPI apis/v1/httproute_types.go:208-209; conformance tests/httproute-header-matching.go expects 404 for
   * unmatched headers). A model BBR cannot map to a base model gets an empty base-model header, which no
   * per-model route matches. The 404's body is the gateway's own (Envoy's local reply for "route not found"
   * has an empty body); it is not vLLM's NotFoundError JSON.
   */
  noRouteStatus: 404,
  /**
   * A body without `model`: v1.4.0 sets no header at all (request.go:68-87), so only a route without a header
   * match could take it. v1.4.0 rejects a non-string `model` with an error (request.go:60-64), which ends the
   * ext_proc stream; the chart's Istio filter has failure_mode_allow: false (config/charts/body-based-routing/
   * templates/istio.yaml:23), so Envoy answers with its own error (a 500 local reply: Envoy's ext_proc default,
   * inferred, not read in Envoy's source). v1.5.0 stringifies any value instead (base_model_to_header.go:96).
   */
  nonStringModelStatus: 500,
} as const;

/**
 * No upstream EPP filters candidate endpoints by the requested model: GIE v1.4.0's default plugins, SCHED v0.7.1's
 * registered filters (`by-label`, `by-label-selector`, role filters keyed on `llm-d.ai/role`: pkg/plugins/register.go)
 * and llm-d-router ebab6879 have none (router has an opt-in, soft header-label-affinity scorer). A pool's EPP
 * therefore spreads every model's requests over all its pods; a pod that does not serve the model answers
 * vLLM's 404 NotFoundError "The model `X` does not exist." (SEED docs/multi-model-test-results.md; the seed's
 * "stale EPP routing" 404s after adding the 0.5B pod to the shared pool fit this).
 */
export const EPP_FILTERS_BY_MODEL = false;

/**
 * The base model BBR puts in X-Gateway-Base-Model-Name (GIE v1.4.0 datastore.go:129-141): the name is trimmed; an
 * adapter maps to its base model, a registered base model to itself, anything else to ''.
 */
export function bbrBaseModel(model: string, registry: { baseModels: Iterable<string>; adapters?: Record<string, string> }): string {
  const name = model.trim();
  const adapterBase = registry.adapters?.[name];
  if (adapterBase !== undefined) return adapterBase;
  for (const b of registry.baseModels) if (b === name) return name;
  return '';
}

/**
 * The pod label llm-d deployments put the model on. Its value is a short name chosen by the deployment, not the
 * served model name (Kubernetes label values cannot contain '/'): `qwen2-0-5b` (SCHED v0.7.1
 * test/sidecar/config/nixl/qwen-decoder-pod.yaml:8), `Qwen2.5-7B-Instruct` for `Qwen/Qwen2.5-7B-Instruct`
 * (SEED docs/multi-model-test-results.md). No upstream component reads it to route (see EPP_FILTERS_BY_MODEL);
 * we read it only as a fallback for which model a pod serves, and match it loosely (modelNamesMatch).
 */
export const MODEL_LABEL = 'llm-d.ai/model';

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');

/**
 * Whether a served-model entry (an exact `/v1/models` id, or a `llm-d.ai/model` label value) names the requested
 * model: equal, or equal after dropping the organisation prefix (`Qwen/`) and folding case and punctuation to '-'
 * (`qwen2-5-7b-instruct`). Loose on purpose: label values are deployment-chosen short names.
 */
export function modelNamesMatch(entry: string, requested: string): boolean {
  if (entry === requested) return true;
  const tail = (s: string) => s.slice(s.lastIndexOf('/') + 1);
  const a = slug(tail(entry));
  return a !== '' && (a === slug(tail(requested)) || a === slug(requested));
}

/**
 * vLLM's GET /v1/models: `{"object":"list","data":[{"id":…,"object":"model","root":…,"parent":…,"max_model_len":…}]}`,
 * one card per served model name (`--served-model-name`) plus one per loaded LoRA adapter (parent = its base)
 * (vllm-project/vllm vllm/entrypoints/openai/serving_models.py OpenAIServingModels.show_available_models; read via code
 * search, commit not pinned). SEED's pods answered `{"data":[{"id":"Qwen/Qwen2.5-0.5B-Instruct","object":"model",
 * "max_model_len":4096}]}`. Only `data[].id` is read; other fields are tolerated.
 */
export const VllmModelListSchema = z.looseObject({
  data: z.array(z.looseObject({ id: z.string().min(1) })),
});

/** The served model names in a /v1/models body; throws naming the field when the shape is not vLLM's. */
export function parseVllmModelList(body: unknown): string[] {
  const r = VllmModelListSchema.safeParse(body);
  if (!r.success) throw new Error(`not a /v1/models list: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return [...new Set(r.data.data.map((m) => m.id))];
}
