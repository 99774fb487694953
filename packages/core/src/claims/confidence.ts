// How sure a verdict is. Share claims (a share of requests on the right pod, a hit rate, a split share)
// are decided on an interval, not on the point estimate: Pass only when the whole interval clears the
// bar, Fail only when the whole interval misses it, otherwise Inconclusive with the sample size that
// would settle it at the observed rate. Intervals: Wilson score for one proportion (Wilson 1927; good
// coverage at small n and at 0%/100%, unlike the normal approximation), Newcombe's hybrid score interval
// for a difference of two independent proportions (Newcombe 1998, method 10) — e.g. main run vs control.
// The normal quantile is Acklam's rational approximation (relative error < 1.2e-9) refined by one
// Halley step. simple-statistics' probit was tried first: its table-based value for 0.975 is 1.957
// (not 1.960), which moves interval edges by ~0.1 point, so it was not used.

export const DEFAULT_CONFIDENCE_LEVEL = 0.95;

export interface Interval {
  lower: number;
  upper: number;
  /** Two-sided confidence level, e.g. 0.95. */
  level: number;
  method: 'wilson' | 'newcombe';
}

/** Two-sided normal quantile for a confidence level (0.95 → 1.95996). */
export function zFor(level: number): number {
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
  return normalQuantile(1 - (1 - level) / 2);
}

const A = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
const B = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
const C = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];

function normalQuantile(p: number): number {
  const lo = 0.02425;
  let x: number;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((C[0]! * q + C[1]!) * q + C[2]!) * q + C[3]!) * q + C[4]!) * q + C[5]!) / ((((D[0]! * q + D[1]!) * q + D[2]!) * q + D[3]!) * q + 1);
  } else if (p <= 1 - lo) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((A[0]! * r + A[1]!) * r + A[2]!) * r + A[3]!) * r + A[4]!) * r + A[5]!) * q) / (((((B[0]! * r + B[1]!) * r + B[2]!) * r + B[3]!) * r + B[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((C[0]! * q + C[1]!) * q + C[2]!) * q + C[3]!) * q + C[4]!) * q + C[5]!) / ((((D[0]! * q + D[1]!) * q + D[2]!) * q + D[3]!) * q + 1);
  }
  // One Halley step against the normal CDF.
  const e = 0.5 * erfc(-x / Math.SQRT2) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** Complementary error function (Numerical Recipes erfcc, Chebyshev fit, |relative error| < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}

/** Wilson score interval for k successes out of n (n = 0 → [0, 1]). */
export function wilson(k: number, n: number, level = DEFAULT_CONFIDENCE_LEVEL): Interval {
  if (n <= 0) return { lower: 0, upper: 1, level, method: 'wilson' };
  const z = zFor(level);
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  // At 0 and n the bound is exactly 0 or 1; floating point leaves ~1e-17 otherwise.
  return { lower: k <= 0 ? 0 : Math.max(0, centre - half), upper: k >= n ? 1 : Math.min(1, centre + half), level, method: 'wilson' };
}

/** Newcombe hybrid score interval for p1 − p2 (k1/n1 − k2/n2). */
export function diffInterval(k1: number, n1: number, k2: number, n2: number, level = DEFAULT_CONFIDENCE_LEVEL): Interval {
  const a = wilson(k1, n1, level);
  const b = wilson(k2, n2, level);
  const p1 = n1 > 0 ? k1 / n1 : 0;
  const p2 = n2 > 0 ? k2 / n2 : 0;
  const d = p1 - p2;
  const lower = d - Math.sqrt((p1 - a.lower) ** 2 + (b.upper - p2) ** 2);
  const upper = d + Math.sqrt((a.upper - p1) ** 2 + (p2 - b.lower) ** 2);
  return { lower: Math.max(-1, lower), upper: Math.min(1, upper), level, method: 'newcombe' };
}

export type ConfidenceStatus = 'Pass' | 'Fail' | 'Inconclusive';

/** What a verdict says about its own certainty (verdict.confidence, summary.json). */
export interface Confidence {
  /** What was tested, e.g. "share on modal pod ≥ 80%". */
  test: string;
  observed: number;
  n: number;
  interval: Interval;
  /** The bar the interval was compared with. */
  bar: number;
  status: ConfidenceStatus;
  /** When Inconclusive: requests that would separate the observed rate from the bar at this level (null = never: observed equals the bar). */
  neededN?: number | null;
  /** What n counts when it is not requests (e.g. "score lines"); names the unit of neededN. */
  unit?: string;
}

/** Smallest n at which the Wilson interval around rate p excludes bar (null when p === bar). */
export function requiredN(p: number, bar: number, level = DEFAULT_CONFIDENCE_LEVEL): number | null {
  if (p === bar) return null;
  for (let n = 1; n <= 1_000_000; n = Math.ceil(n * 1.1) + 1) {
    const iv = wilson(p * n, n, level);
    if (iv.lower > bar || iv.upper < bar) {
      // refine downwards linearly within the last step
      let lo = Math.max(1, Math.floor((n - 1) / 1.1) - 1);
      while (lo < n) {
        const j = wilson(p * lo, lo, level);
        if (j.lower > bar || j.upper < bar) return lo;
        lo++;
      }
      return n;
    }
  }
  return null;
}

/**
 * Decide "the share is at least `bar`" (or at most, with `direction: 'atMost'`) from k of n at `level`.
 * Pass: the whole interval is on the good side; Fail: the whole interval is on the bad side.
 */
export function decideShare(k: number, n: number, bar: number, opts: { level?: number; direction?: 'atLeast' | 'atMost'; test: string; unit?: string }): Confidence {
  const level = opts.level ?? DEFAULT_CONFIDENCE_LEVEL;
  const interval = wilson(k, n, level);
  const atLeast = (opts.direction ?? 'atLeast') === 'atLeast';
  const observed = n > 0 ? k / n : 0;
  let status: ConfidenceStatus;
  if (atLeast) status = interval.lower >= bar ? 'Pass' : interval.upper < bar ? 'Fail' : 'Inconclusive';
  else status = interval.upper <= bar ? 'Pass' : interval.lower > bar ? 'Fail' : 'Inconclusive';
  const c: Confidence = { test: opts.test, observed, n, interval, bar, status };
  if (opts.unit !== undefined) c.unit = opts.unit;
  if (status === 'Inconclusive') c.neededN = n > 0 ? requiredN(observed, bar, level) : null;
  return c;
}

/**
 * Decide "share 1 exceeds share 2 by at least `margin`" (main vs control): Pass when the whole Newcombe
 * interval of p1 − p2 is ≥ margin, Fail when it is wholly below it.
 */
export function decideLift(k1: number, n1: number, k2: number, n2: number, margin: number, opts: { level?: number; test: string }): Confidence {
  const level = opts.level ?? DEFAULT_CONFIDENCE_LEVEL;
  const interval = diffInterval(k1, n1, k2, n2, level);
  const observed = (n1 > 0 ? k1 / n1 : 0) - (n2 > 0 ? k2 / n2 : 0);
  const status: ConfidenceStatus = interval.lower >= margin ? 'Pass' : interval.upper < margin ? 'Fail' : 'Inconclusive';
  const c: Confidence = { test: opts.test, observed, n: Math.min(n1, n2), interval, bar: margin, status };
  if (status === 'Inconclusive') {
    // Same n on both sides, same observed rates: grow until the interval clears the margin.
    const p1 = n1 > 0 ? k1 / n1 : 0;
    const p2 = n2 > 0 ? k2 / n2 : 0;
    c.neededN = null;
    if (observed !== margin) {
      for (let n = Math.max(1, c.n); n <= 1_000_000; n = Math.ceil(n * 1.2) + 1) {
        const iv = diffInterval(p1 * n, n, p2 * n, n, level);
        if (iv.lower >= margin || iv.upper < margin) {
          c.neededN = n;
          break;
        }
      }
    }
  }
  return c;
}

/** The weakest of several confidences decides: any Fail fails, else any Inconclusive, else Pass. */
export function combineStatus(cs: readonly Confidence[]): ConfidenceStatus {
  if (cs.some((c) => c.status === 'Fail')) return 'Fail';
  if (cs.some((c) => c.status === 'Inconclusive')) return 'Inconclusive';
  return 'Pass';
}

/** One test of a claim: its short label for Details, the failure phrase, and the decision. */
export interface LabelledTest {
  label: string;
  failText: string;
  c: Confidence;
}

/** Status, confidence list and the text parts (failure phrases, CI text, undecided labels) of a claim's tests. */
export function settleTests(tests: readonly LabelledTest[]) {
  const confidence = tests.map((x) => x.c);
  const status = combineStatus(confidence);
  const ci = tests.map((x) => `${x.label}: ${formatConfidence(x.c)}`).join('; ');
  const failures = tests.filter((x) => x.c.status === 'Fail').map((x) => x.failText);
  const open = tests.filter((x) => x.c.status === 'Inconclusive').map((x) => x.label);
  return { confidence, status, ci, failures, open };
}

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
const signedPct = (x: number) => `${x >= 0 ? '+' : '−'}${pct(Math.abs(x))}`;

/** "95% CI 88–100%" (or for a lift "95% CI +12%–+40%"), plus the needed n when Inconclusive. */
export function formatConfidence(c: Confidence): string {
  const f = c.interval.method === 'newcombe' ? signedPct : pct;
  const head = `${Math.round(c.interval.level * 100)}% CI ${f(c.interval.lower)}–${f(c.interval.upper)}, n=${c.n}`;
  if (c.status !== 'Inconclusive') return head;
  return c.neededN ? `${head}; ~${c.neededN} ${c.unit ?? 'requests'} would separate it from ${f(c.bar)}` : `${head}; the observed value sits on the bar`;
}
