import { describe, expect, it } from 'vitest';
import { ClaimConfigError } from '../../src/claims/claim-outcome.ts';
import { CLAIM_IDS, evaluateClaims, parseClaims } from '../../src/claims/evaluate.ts';
import { combineVerdicts, renderVerdictsMarkdown } from '../../src/claims/render.ts';
import { VerdictSchema } from '../../src/claims/verdict.ts';
import { ctx, groupedRecords, run } from './evidence-fixtures.ts';

// Threshold fields the scenario presets use (packages/scenarios/src/presets/*.ts): they must keep parsing.
const PRESET_CLAIMS = [
  { id: 'prefix-affinity', minDominantShare: 0.9 },
  { id: 'prefix-cache-hit-rate', minHitRate: 0.5 },
  { id: 'queue-balance', maxShare: 0.7 },
  { id: 'kv-utilization', maxImbalance: 0.3 },
  { id: 'model-routing', minCorrectShare: 1 },
  { id: 'autoscale', minReplicas: 2, maxFailedShare: 0 },
  { id: 'pd-selective', thresholdTokens: 16 },
  { id: 'pd-transfer', minExternalHitRate: 0.9 },
  { id: 'precise-prefix', minDominantShare: 0.9 },
  { id: 'latency-slo', metric: 'ttft', percentile: 90, maxMs: 2000 },
];

describe('parseClaims', () => {
  it('accepts every preset claim and fills defaults', () => {
    const parsed = parseClaims(PRESET_CLAIMS);
    expect(parsed.map((p) => p.id)).toEqual(PRESET_CLAIMS.map((c) => c.id));
    expect(parsed[0].thresholds).toMatchObject({ minDominantShare: 0.9, minGroupDominantShare: 0.6, margin: 0.15 });
    expect(new Set(CLAIM_IDS)).toEqual(new Set(PRESET_CLAIMS.map((c) => c.id)));
  });

  it('names the field and the expectation on a wrong or unknown field', () => {
    expect(() => parseClaims([{ id: 'queue-balance', maxShare: 'lots' }])).toThrow(/claims\.0\.maxShare: expected a number between 0 and 1/);
    expect(() => parseClaims([{ id: 'queue-balance' }, { id: 'prefix-affinity', minDominantShar: 0.9 }])).toThrow(/claims\.1: unknown field\(s\) 'minDominantShar' for claim 'prefix-affinity'/);
    expect(() => parseClaims([{ id: 'prefix-cache-hit-rate', minHitRate: 1.5 }])).toThrow(ClaimConfigError);
    expect(() => parseClaims([{ id: 'latency-slo', metric: 'ttft' }])).toThrow(/claims\.0\.maxMs: metric, percentile and maxMs go together/);
    expect(() => parseClaims([{ id: 'no-such-claim' }])).toThrow(/claims\.0\.id: unknown claim 'no-such-claim'/);
  });
});

describe('evaluateClaims and rendering', () => {
  it('returns schema-valid verdicts in claim order and renders the seed table plus evidence', async () => {
    // 48 requests: at 32 a perfect prefix-affinity run is Inconclusive (Wilson lower bound 89.3% < 90%).
    const main = await run(groupedRecords(4, 12, (g) => (g % 2 ? 'agg-1' : 'agg-0')), { podRoles: { 'agg-0': 'both', 'agg-1': 'both' } });
    const verdicts = evaluateClaims(PRESET_CLAIMS, { ...ctx(main), feature: 'Prefix-cache-aware routing' });
    expect(verdicts.map((v) => v.claim)).toEqual(PRESET_CLAIMS.map((c) => c.id));
    for (const v of verdicts) expect(() => VerdictSchema.parse(v)).not.toThrow();
    // With only records (no metrics), every server-side claim must refuse to pass.
    const byId = Object.fromEntries(verdicts.map((v) => [v.claim, v.status]));
    expect(byId).toMatchObject({ 'prefix-affinity': 'Pass', 'prefix-cache-hit-rate': 'Inconclusive', 'kv-utilization': 'Inconclusive', autoscale: 'Inconclusive', 'pd-transfer': 'Inconclusive' });

    const md = renderVerdictsMarkdown(verdicts);
    expect(md).toContain('| Feature | Mode | Status | Details |');
    expect(md).toMatch(/\| Prefix-cache-aware routing \| Aggregated \| Pass \| prefix affinity routes to same pod: 4 group\(s\)/);
    expect(md).toContain('## prefix-affinity: Pass');
    expect(md).toMatch(/- Thresholds: minDominantShare = 0\.9; minGroupDominantShare = 0\.6/);

    const row = combineVerdicts(verdicts.slice(0, 2));
    expect(row.status).toBe('Inconclusive');
    expect(row.details).toMatch(/\[prefix-cache-hit-rate: Inconclusive\]/);
  });
});
