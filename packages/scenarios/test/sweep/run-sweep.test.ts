// Sweeps end to end on the embedded simulator: every level an ordinary run folder, sweep.csv / slo-max.csv /
// report.html / verdicts written, the SLO judged per level with latency-slo's binomial test, the stop rules,
// and the SLO-max named per target. Levels are short and SLOs far from the simulator's latencies, so outcomes
// hold on a busy machine; where a busy machine can make a level client-bound (the client's own diagnostics),
// the test accepts that stop — it is the rule working — and checks what it implies.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getPreset, parseScenario, type Scenario } from '../../src/index.ts';
import { levelLoad, runSweep, sweepSlos } from '../../src/sweep/run-sweep.ts';
import { SWEEP_CSV_COLUMNS } from '../../src/sweep/sweep-csv.ts';
import { autoRates } from '../../src/sweep/ladder.ts';
import { LoadSpecSchema } from '@routebench/core';

const tmp = () => mkdtempSync(join(tmpdir(), 'rb-sweep-'));

/** smoke's workload and cluster with a sweep section; two warm-up requests keep start-up lag out of each level. */
function swept(sweep: Record<string, unknown>, extra: Record<string, unknown> = {}): Scenario {
  const { quick: _q, ...smoke } = getPreset('smoke');
  return parseScenario({ ...smoke, name: 'sweep-test', load: { ...smoke.load, warmupRequests: 2 }, sweep, ...extra });
}

describe('runSweep', () => {
  it('runs each level into its own folder and writes sweep.csv, slo-max.csv, report.html and the SLO-max verdict', async () => {
    const out = tmp();
    const r = await runSweep(swept({ ladder: { type: 'list', levels: [4, 8] }, levelDurationS: 1.5, slo: ['e2e.p50<=20s'] }), { outDir: out });
    const [t] = r.targets;
    expect(r.targets).toHaveLength(1);
    // Both levels in order; a level whose run was client-bound runs once more, and a second client-bound run stops
    // the ladder there (and says so).
    const levels = t!.levels.map((l) => l.level);
    expect(t!.levels.every((l) => l.phase === 'ladder' && l.over === 'rate')).toBe(true);
    expect([...new Set(levels)]).toEqual(levels.includes(8) ? [4, 8] : [4]);
    expect(levels.filter((x) => x === 4).length).toBe(t!.levels[0]!.clientBound ? 2 : 1);
    if (!levels.includes(8)) expect(t!.stoppedBy).toMatch(/stopped after 4 req\/s: client-bound .*\(also on a second run\)/);
    for (const l of t!.levels) if (l.clientBound) expect(l.judgement.status).toBe('Inconclusive');
    for (const l of t!.levels) {
      for (const f of ['summary.json', 'requests.jsonl', 'verdicts.json']) expect(existsSync(join(out, l.dir, f)), `${l.dir}/${f}`).toBe(true);
      const s = JSON.parse(readFileSync(join(out, l.dir, 'summary.json'), 'utf8'));
      expect(s.meta.load).toMatchObject({ type: 'constant', rate: l.level, durationS: 1.5 });
      expect(l.requests).toBeGreaterThan(0);
    }
    const csv = readFileSync(join(out, 'sweep.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe(SWEEP_CSV_COLUMNS.join(','));
    expect(csv).toHaveLength(t!.levels.length + 1);
    expect(readFileSync(join(out, 'slo-max.csv'), 'utf8')).toMatch(/^row,target,slos,value,unit,basis/);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/<svg /);
    expect(html).not.toMatch(/-- ms/);
    const v = JSON.parse(readFileSync(join(out, 'verdicts.json'), 'utf8'));
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ claim: 'slo-max', feature: 'Smoke test: SLO-max rate [main]' });
    // The SLO is 100× any latency the simulator shows: whatever level was decided, none can fail.
    expect(t!.levels.every((l) => l.judgement.status !== 'Fail')).toBe(true);
    expect(['at-least-max', 'inconclusive']).toContain(t!.sloMax.basis);
    // The same folder again, without force: refused before anything is run or overwritten.
    await expect(runSweep(swept({ ladder: { type: 'list', levels: [4] }, levelDurationS: 1 }), { outDir: out })).rejects.toMatchObject({ code: 'RB_OUTPUT_EXISTS' });
    expect(JSON.parse(readFileSync(join(out, 'scenario.json'), 'utf8')).sweep.ladder.levels).toEqual([4, 8]);
  }, 60_000);

  it('an SLO no level can meet: the levels fail and the SLO-max is "< the lowest level"', async () => {
    // 100 output tokens at the simulator's 3 ms ITL: E2E ≥ ~300 ms, 300 times the 1 ms target, far more than
    // any arrival window a busy machine adds (latency-slo keeps a Fail only if it holds with the target moved up by it).
    const r = await runSweep(
      swept({ over: 'concurrency', ladder: { type: 'list', levels: [4, 8] }, levelDurationS: 2, slo: [{ metric: 'e2e', percentile: 50, maxMs: 1 }] }, { workload: { type: 'random', input_len: 32, output_len: 100 } }),
      { outDir: tmp() },
    );
    const [t] = r.targets;
    expect(t!.levels.every((l) => l.over === 'concurrency')).toBe(true);
    const first = t!.levels.find((l) => !l.clientBound);
    if (!first || first.level !== 4) {
      // The client lagged at 4 users, twice: nothing about the server can be judged there, and the sweep says
      // so (Inconclusive) instead of failing it.
      expect(t!.levels.filter((l) => l.level === 4).every((l) => l.judgement.status === 'Inconclusive')).toBe(true);
      expect(t!.sloMax.basis).not.toBe('below-lowest');
      return;
    }
    expect(first.judgement.status).toBe('Fail');
    expect(t!.sloMax).toMatchObject({ basis: 'below-lowest', value: null, firstFail: 4 });
    expect(r.verdicts[0]!.status).toBe('Fail');
    expect(r.verdicts[0]!.details).toMatch(/SLO-max < 4 users/);
    expect(first.goodputShare).toBe(0);
  }, 60_000);

  it('stops a ladder at the first level with errors beyond maxErrorRate', async () => {
    // A model no pod serves: every request is a 404.
    const r = await runSweep(swept({ ladder: { type: 'list', levels: [8, 16] }, levelDurationS: 1, slo: ['ttft.p50<=10s'] }, { model: 'nobody/serves-this' }), { outDir: tmp() });
    const [t] = r.targets;
    expect(t!.levels).toHaveLength(1);
    expect(t!.levels[0]).toMatchObject({ stop: 'errors', errorRate: 1 });
    expect(t!.stoppedBy).toMatch(/stopped after 8 req\/s: error rate 100\.0% > 5\.0%/);
  }, 60_000);

  it("auto: a serial level, a saturation probe, then rates spaced from the serial level's ok req/s to the probe's", async () => {
    const r = await runSweep(swept({ ladder: { type: 'auto', steps: 2, probeConcurrency: 4 }, levelDurationS: 1, slo: ['e2e.p90<=20s'] }), { outDir: tmp() });
    const [t] = r.targets;
    const [serial, probe, ...rest] = t!.levels;
    expect([serial!.phase, serial!.over, serial!.level]).toEqual(['serial', 'concurrency', 1]);
    expect([probe!.phase, probe!.over, probe!.level]).toEqual(['probe', 'concurrency', 4]);
    const rates = autoRates(serial!.throughput, probe!.throughput, 2);
    expect(rates).toHaveLength(2);
    expect(rest.length).toBeGreaterThanOrEqual(1);
    for (const l of rest) expect([l.phase, l.over, rates.includes(l.level)]).toEqual(['ladder', 'rate', true]);
    expect(rest[0]!.level).toBe(rates[0]);
    // The serial and probe levels are not rate levels: never in the SLO search.
    expect([t!.sloMax.lastPass, t!.sloMax.firstFail].every((x) => x === null || rates.includes(x))).toBe(true);
  }, 60_000);

  it('refuses a scenario without a sweep section before anything is written', async () => {
    const out = join(tmp(), 'never');
    await expect(runSweep(getPreset('smoke'), { outDir: out })).rejects.toMatchObject({ code: 'RB_CONFIG_INVALID' });
    expect(existsSync(out)).toBe(false);
  });
});

describe('sweepSlos', () => {
  it("falls back to the scenario's latency-slo claims (single and named forms)", () => {
    const s = swept({ ladder: { type: 'list', levels: [1] } }, { claims: [{ id: 'latency-slo', metric: 'ttft', percentile: 90, maxMs: 2000, itlP99Ms: 40 }] });
    expect(sweepSlos(s)).toEqual([
      { metric: 'ttft', percentile: 90, maxMs: 2000 },
      { metric: 'itl', percentile: 99, maxMs: 40 },
    ]);
  });
});

describe('levelLoad', () => {
  it("replaces the shape and the bound, keeping the load's warm-up and timeouts", () => {
    const base = LoadSpecSchema.parse({ type: 'stages', stages: [{ type: 'poisson', rate: 1, durationS: 5 }], warmupS: 2, timeoutMs: 5000 });
    expect(levelLoad(base, 'rate', 7, 3)).toMatchObject({ type: 'constant', rate: 7, durationS: 3, warmupS: 2, timeoutMs: 5000 });
    expect(levelLoad(base, 'rate', 7, 3, 'poisson').type).toBe('poisson');
    const c = levelLoad(base, 'concurrency', 4, 3);
    expect(c).toMatchObject({ type: 'concurrency', concurrency: 4, durationS: 3 });
    expect(c.stages).toBeUndefined();
    expect(c.rate).toBeUndefined();
  });
});
