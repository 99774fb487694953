// The sweep section: SLO texts, ladder shapes and their levels, GuideLLM's interpolated rates, and the errors
// a bad sweep gets (naming the field).
import { describe, expect, it } from 'vitest';
import { autoRates, ladderLevels, parseSloText, SweepSchema } from '../../src/sweep/ladder.ts';
import { getPreset, parseScenario } from '../../src/index.ts';

describe('parseSloText', () => {
  it.each([
    ['ttft.p99<=500', { metric: 'ttft', percentile: 99, maxMs: 500 }],
    ['ITL.p50 <= 20ms', { metric: 'itl', percentile: 50, maxMs: 20 }],
    ['e2e.p90<=2s', { metric: 'e2e', percentile: 90, maxMs: 2000 }],
    ['tpot.p99.9<=12.5', { metric: 'tpot', percentile: 99.9, maxMs: 12.5 }],
  ])('%s', (text, slo) => expect(parseSloText(text)).toEqual(slo));

  it.each(['ttft.p98<=500', 'ttft<=500', 'queue.p99<=5', 'ttft.p99>=500', 'ttft.p99<=0'])('refuses %s', (text) => expect(parseSloText(text)).toBeNull());
});

describe('SweepSchema', () => {
  it('fills defaults: rate ladder, constant arrivals, 5% errors, 90% of the rate, one retry of a client-bound level, no refinement', () => {
    const s = SweepSchema.parse({ ladder: { type: 'list', levels: [1, 2] }, slo: ['ttft.p90<=100'] });
    expect(s).toMatchObject({ over: 'rate', arrivals: 'constant', maxErrorRate: 0.05, minRateShare: 0.9, clientBoundRetries: 1, refine: 0 });
    expect(s.slo).toEqual([{ metric: 'ttft', percentile: 90, maxMs: 100 }]);
  });

  it('names the bad field in a scenario', () => {
    const base = { ...getPreset('smoke') } as Record<string, unknown>;
    expect(() => parseScenario({ ...base, sweep: { ladder: { type: 'list', levels: [1] }, slo: ['ttft.p97<=1'] } })).toThrow(/sweep\.slo\.0: .*METRIC\.pPCT<=VALUE/);
    expect(() => parseScenario({ ...base, sweep: { ladder: { type: 'linear', from: 8, to: 2, steps: 3 } } })).toThrow(/sweep\.ladder\.to: must be above ladder\.from/);
    expect(() => parseScenario({ ...base, sweep: { over: 'concurrency', ladder: { type: 'auto' } } })).toThrow(/sweep\.ladder\.type: auto ladders sweep the request rate/);
    expect(() => parseScenario({ ...base, sweep: { over: 'concurrency', ladder: { type: 'list', levels: [1, 2.5] } } })).toThrow(/sweep\.ladder\.levels\.1: a concurrency level is a whole number/);
    expect(() => parseScenario({ ...base, sweep: { ladder: { type: 'spiral' } } })).toThrow(/sweep\.ladder/);
  });

  it('agg-vs-pd has a sweep in both forms, the quick one with its own SLO', () => {
    const p = getPreset('agg-vs-pd');
    expect(p.sweep?.ladder.type).toBe('geometric');
    expect(p.sweep?.slo).toEqual([]);
  });
});

describe('ladderLevels', () => {
  it('linear and geometric include both ends', () => {
    expect(ladderLevels({ type: 'linear', from: 2, to: 10, steps: 5 }, 'rate')).toEqual([2, 4, 6, 8, 10]);
    expect(ladderLevels({ type: 'geometric', from: 1, to: 16, steps: 5 }, 'rate')).toEqual([1, 2, 4, 8, 16]);
  });

  it('lists are sorted and deduplicated; concurrency levels are whole users', () => {
    expect(ladderLevels({ type: 'list', levels: [8, 2, 8, 4] }, 'rate')).toEqual([2, 4, 8]);
    expect(ladderLevels({ type: 'geometric', from: 1, to: 4, steps: 5 }, 'concurrency')).toEqual([1, 2, 3, 4]);
  });
});

describe('autoRates', () => {
  it("spaces the rates evenly above the serial rate up to the probe's, as GuideLLM's linspace(...)[1:]", () => {
    expect(autoRates(2, 10, 4)).toEqual([4, 6, 8, 10]);
    expect(autoRates(0, 10, 4)).toEqual([]);
  });
});
