// Kubernetes HPA defaults as modelled in core upstream/autoscale.ts (kubernetes/kubernetes
// pkg/controller/podautoscaler/config/v1alpha1/defaults.go, pkg/apis/autoscaling/v2/defaults.go).
import { describe, expect, it } from 'vitest';
import { ASSUMED_POD_START_S, AutoscaleTimescaleSchema, EPP_POOL_GAUGE_REFRESH_S, HPA_DEFAULTS, hpaDefaultTimescale } from '../../src/index.ts';

describe('HPA default timescale', () => {
  it('scale-down waits sync + gauge refresh + the 300 s window; scale-up adds the pod start to sync + refresh', () => {
    expect(HPA_DEFAULTS).toMatchObject({ syncPeriodS: 15, scaleUpStabilizationS: 0, scaleDownStabilizationS: 300, tolerance: 0.1 });
    expect(EPP_POOL_GAUGE_REFRESH_S).toBe(5);
    const t = hpaDefaultTimescale();
    expect(t).toMatchObject({ scaleDownWithinS: 320, scaleUpWithinS: 20 + ASSUMED_POD_START_S });
    expect(t.source).toMatch(/pod start 300 s assumed/);
    expect(AutoscaleTimescaleSchema.parse(t)).toEqual(t);
  });

  it('takes the pod start and metrics lag from the user', () => {
    const t = hpaDefaultTimescale({ podStartS: 90, metricsLagS: 30 });
    expect(t).toMatchObject({ scaleUpWithinS: 140, scaleDownWithinS: 350 });
    expect(t.source).toMatch(/pod start 90 s, metrics lag 30 s\)$/);
  });

  it('refuses a timescale with a negative window, naming the field', () => {
    const r = AutoscaleTimescaleSchema.safeParse({ source: 'x', scaleUpWithinS: -1, scaleDownWithinS: 1 });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['scaleUpWithinS']);
  });
});
