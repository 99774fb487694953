// How fast a real autoscaled llm-d pool can move: Kubernetes HPA defaults plus the EPP's pool-gauge
// refresh, and the timescale type the autoscale claim judges a run against. A run whose drain stage is
// shorter than the scale-down can take has not shown that the pool fails to scale back; the claim says
// Inconclusive then, not Fail. The simulator states its own (much shorter) timescale for its presets.
import { z } from 'zod';

/**
 * Kubernetes HPA defaults.
 *  - Controller (kube-controller-manager flags), kubernetes/kubernetes
 *    pkg/controller/podautoscaler/config/v1alpha1/defaults.go @85643c0f
 *    (RecommendedDefaultHPAControllerConfiguration): sync period 15 s
 *    (--horizontal-pod-autoscaler-sync-period), downscale stabilization 5 m
 *    (--horizontal-pod-autoscaler-downscale-stabilization), tolerance 0.1, initial readiness delay 30 s.
 *  - autoscaling/v2 `behavior` defaults, pkg/apis/autoscaling/v2/defaults.go @1adaa753: scale-up
 *    stabilization 0 s, policies "4 pods or 100% per 15 s", selectPolicy Max; scale-down 100% per 15 s
 *    with the stabilization window left to the controller flag (300 s unless set). The seed's own HPA
 *    set `scaleDown.stabilizationWindowSeconds: 300` (seed docs/autoscaling-test-results.md).
 */
export const HPA_DEFAULTS = {
  syncPeriodS: 15,
  scaleUpStabilizationS: 0,
  scaleDownStabilizationS: 300,
  scaleUpPolicies: [
    { type: 'Pods', value: 4, periodS: 15 },
    { type: 'Percent', value: 100, periodS: 15 },
  ],
  scaleDownPolicies: [{ type: 'Percent', value: 100, periodS: 15 }],
  tolerance: 0.1,
  initialReadinessDelayS: 30,
} as const;

/**
 * The EPP recomputes the inference_pool_* gauges (the HPA's signal and the claim's ready-pods series)
 * every 5 s: GIE v1.4.0 pkg/epp/server/options.go:109 (RefreshPrometheusMetricsInterval).
 */
export const EPP_POOL_GAUGE_REFRESH_S = 5;

/**
 * Seconds from a pod being created to vLLM serving. No upstream default exists: it is model download,
 * weight load and compile, "minutes" for the seed's 7B model. llm-d's guides allow up to an hour
 * (startupProbe initialDelaySeconds 15 + periodSeconds 30 × failureThreshold 120, llm-d/llm-d
 * guides/precise-prefix-cache-aware/modelserver/gpu/vllm/patch-vllm.yaml @220684036). 300 s is an
 * assumption of this project, not an upstream value; set the claim's `podStartS` for your model.
 */
export const ASSUMED_POD_START_S = 300;

export const AutoscaleTimescaleSchema = z.strictObject({
  /** Where the numbers come from, for verdict details ("Kubernetes HPA defaults", "simulator preset"). */
  source: z.string().min(1),
  /** Longest expected delay from load rising past the target to a new pod being ready, s. */
  scaleUpWithinS: z.number().nonnegative(),
  /** Longest expected delay from load falling to the pool being back at its floor, s. */
  scaleDownWithinS: z.number().nonnegative(),
});
export type AutoscaleTimescale = z.infer<typeof AutoscaleTimescaleSchema>;

/**
 * The timescale of a default HPA on the EPP's pool metrics. Scale-up: the gauge refresh, one sync
 * period, the (zero) scale-up window, then the pod start. Scale-down: the gauge refresh, one sync
 * period and the 300 s window (removal is then one step: 100% per 15 s). `metricsLagS` adds the
 * Prometheus scrape + adapter delay between the EPP and the HPA, which depends on your monitoring
 * (the seed's pipeline was EPP → Prometheus → Prometheus Adapter → HPA); 0 by default.
 */
export function hpaDefaultTimescale(o: { podStartS?: number; metricsLagS?: number } = {}): AutoscaleTimescale {
  const podStartS = o.podStartS ?? ASSUMED_POD_START_S;
  const lag = (o.metricsLagS ?? 0) + EPP_POOL_GAUGE_REFRESH_S + HPA_DEFAULTS.syncPeriodS;
  return {
    source: `Kubernetes HPA defaults (sync ${HPA_DEFAULTS.syncPeriodS} s, scale-down stabilization ${HPA_DEFAULTS.scaleDownStabilizationS} s, EPP gauge refresh ${EPP_POOL_GAUGE_REFRESH_S} s, pod start ${podStartS} s${o.podStartS === undefined ? ' assumed' : ''}${o.metricsLagS ? `, metrics lag ${o.metricsLagS} s` : ''})`,
    scaleUpWithinS: lag + HPA_DEFAULTS.scaleUpStabilizationS + podStartS,
    scaleDownWithinS: lag + HPA_DEFAULTS.scaleDownStabilizationS,
  };
}
