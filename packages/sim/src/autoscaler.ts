// An HPA-like control loop (Kubernetes horizontal-pod-autoscaler algorithm, simplified to one metric):
//   recommended = ceil(current × metric / target), unchanged while |metric/target − 1| ≤ tolerance,
//   clamped to [minReplicas, maxReplicas];
//   scale-up uses the MIN recommendation over the scale-up stabilisation window, scale-down the MAX
//   over the scale-down window (so a brief dip does not remove pods that are needed again soon).
// The loop only decides; the caller's scaleTo() starts pods (with their start-up delay) or drains and
// stops them. Ticks never overlap: the next waits for scaleTo() to finish.
import { z } from 'zod';

const fn = <T>(what: string) => z.custom<T>((v) => typeof v === 'function', { message: `expected ${what}` });

export const AutoscalerOptionsSchema = z
  .strictObject({
    readMetric: fn<() => Promise<number>>('a function returning Promise<number>'),
    currentReplicas: fn<() => number>('a function returning the current replica count'),
    scaleTo: fn<(n: number) => Promise<void>>('a function (n) => Promise<void>'),
    /** Target metric value per replica-average (e.g. 5 waiting requests, 0.8 KV usage). */
    target: z.number().positive(),
    minReplicas: z.number().int().nonnegative().default(1),
    maxReplicas: z.number().int().positive(),
    intervalMs: z.number().positive().default(1000),
    scaleUpStabilizationMs: z.number().nonnegative().default(0),
    scaleDownStabilizationMs: z.number().nonnegative().default(3000),
    tolerance: z.number().nonnegative().default(0.1),
  })
  .refine((o) => o.minReplicas <= o.maxReplicas, { message: 'minReplicas must be ≤ maxReplicas', path: ['minReplicas'] });

export type AutoscalerOptions = z.input<typeof AutoscalerOptionsSchema>;

export interface AutoscalerDecision {
  /** ms since the autoscaler started. */
  t: number;
  replicas: number;
  /** Raw HPA recommendation for this tick. */
  recommended: number;
  /** After stabilisation: what scaleTo() was asked for (== replicas when nothing changed). */
  desired: number;
  metric: number;
}

export interface Autoscaler {
  stop(): Promise<void>;
  timeline(): AutoscalerDecision[];
  /** Errors from readMetric/scaleTo, as messages (the loop keeps running). */
  errors(): string[];
}

/** One HPA recommendation (pure). */
export function hpaRecommendation(current: number, metric: number, target: number, tolerance: number, min: number, max: number): number {
  const base = Math.max(current, 1);
  const ratio = metric / target;
  const raw = Math.abs(ratio - 1) <= tolerance ? current : Math.ceil(base * ratio);
  return Math.min(max, Math.max(min, raw));
}

export function startAutoscaler(input: AutoscalerOptions): Autoscaler {
  const parsed = AutoscalerOptionsSchema.safeParse(input);
  if (!parsed.success) {
    throw new Error(
      'invalid autoscaler options:\n' + parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n'),
    );
  }
  const o = parsed.data;
  const t0 = performance.now();
  const history: Array<{ t: number; rec: number }> = [];
  const timeline: AutoscalerDecision[] = [];
  const errors: string[] = [];
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let inFlight: Promise<void> | null = null;

  async function tick() {
    const t = performance.now() - t0;
    let metric: number;
    try {
      metric = await o.readMetric();
    } catch (err) {
      errors.push(`readMetric: ${(err as Error)?.message ?? String(err)}`);
      return;
    }
    if (stopped) return;
    const current = o.currentReplicas();
    const rec = hpaRecommendation(current, metric, o.target, o.tolerance, o.minReplicas, o.maxReplicas);
    history.push({ t, rec });
    const keep = Math.max(o.scaleUpStabilizationMs, o.scaleDownStabilizationMs);
    while (history.length && history[0]!.t < t - keep) history.shift();
    let up = rec;
    let down = rec;
    for (const h of history) {
      if (h.t >= t - o.scaleUpStabilizationMs) up = Math.min(up, h.rec);
      if (h.t >= t - o.scaleDownStabilizationMs) down = Math.max(down, h.rec);
    }
    const desired = up > current ? up : down < current ? down : current;
    timeline.push({ t, replicas: current, recommended: rec, desired, metric });
    if (desired !== current) {
      try {
        await o.scaleTo(desired);
      } catch (err) {
        errors.push(`scaleTo(${desired}): ${(err as Error)?.message ?? String(err)}`);
      }
    }
  }

  function schedule() {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = null;
      inFlight = tick().finally(() => {
        inFlight = null;
        schedule();
      });
    }, o.intervalMs);
  }
  schedule();

  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await inFlight;
    },
    timeline: () => timeline.map((d) => ({ ...d })),
    errors: () => [...errors],
  };
}
