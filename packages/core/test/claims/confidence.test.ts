import { describe, expect, it } from 'vitest';
import { decideLift, decideShare, diffInterval, formatConfidence, requiredN, wilson, zFor } from '../../src/claims/confidence.ts';

describe('confidence', () => {
  it('Wilson intervals match published values (Newcombe 1998, table I: 81/263 → 0.2553–0.3662; 0/10 → 0–0.2775)', () => {
    expect(zFor(0.95)).toBeCloseTo(1.95996, 4);
    const a = wilson(81, 263);
    expect(a.lower).toBeCloseTo(0.2553, 3);
    expect(a.upper).toBeCloseTo(0.3662, 3);
    const b = wilson(0, 10);
    expect(b.lower).toBe(0);
    expect(b.upper).toBeCloseTo(0.2775, 3);
  });

  it('Newcombe difference interval (Newcombe 1998, table II: 56/70 − 48/80 → 0.0524–0.3339)', () => {
    const d = diffInterval(56, 70, 48, 80);
    expect(d.lower).toBeCloseTo(0.0524, 3);
    expect(d.upper).toBeCloseTo(0.3339, 3);
  });

  it('decides a share on its interval: small samples are Inconclusive and say how many requests would settle it', () => {
    expect(decideShare(32, 32, 0.8, { test: 't' }).status).toBe('Pass'); // 95% CI 89–100%
    expect(decideShare(5, 5, 0.8, { test: 't' }).status).toBe('Inconclusive'); // CI 57–100%
    const c = decideShare(5, 5, 0.8, { test: 't' });
    expect(c.neededN).toBeGreaterThan(5);
    expect(decideShare(c.neededN!, c.neededN!, 0.8, { test: 't' }).status).toBe('Pass');
    expect(decideShare(10, 40, 0.8, { test: 't' }).status).toBe('Fail');
    expect(decideShare(28, 30, 0.7, { test: 't', direction: 'atMost' }).status).toBe('Fail');
    expect(decideShare(25, 30, 0.7, { test: 't', direction: 'atMost' }).status).toBe('Inconclusive');
    expect(formatConfidence(c)).toMatch(/^95% CI 56\.6%–100%, n=5; ~\d+ requests would separate it from 80%$/);
    expect(requiredN(0.8, 0.8)).toBeNull();
  });

  it('decides a lift over a control', () => {
    expect(decideLift(32, 32, 20, 32, 0.15, { test: 'lift' }).status).toBe('Pass');
    expect(decideLift(23, 32, 20, 32, 0.15, { test: 'lift' }).status).not.toBe('Pass');
    expect(decideLift(16, 32, 20, 32, 0.15, { test: 'lift' }).status).toBe('Fail');
  });
});
