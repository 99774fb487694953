// sweep.csv (one row per target × level) and slo-max.csv (one row per target's SLO-max, then the comparison and
// the curve crossings). Plain RFC 4180 quoting; empty cells mean "no data" (null in sweep.json).
import type { SweepLevel, SweepResult } from './run-sweep.ts';
import { sloKey } from './slo.ts';

const METRICS = ['ttft', 'itl', 'tpot', 'e2e'] as const;
const PCTS = ['p50', 'p90', 'p99'] as const;

export const SWEEP_CSV_COLUMNS = [
  'target',
  'index',
  'phase',
  'over',
  'level',
  'duration_s',
  'requests',
  'ok',
  'errors',
  'error_rate',
  'achieved_send_rate',
  'throughput_rps',
  'served_rps',
  'output_tokens_per_s',
  'goodput_rps',
  'goodput_share',
  ...METRICS.flatMap((m) => PCTS.map((p) => `${m}_${p}_ms`)),
  'slo_status',
  'slo_reason',
  'client_bound',
  'stop',
  'dir',
] as const;

type Cell = string | number | boolean | null;

export function csvLine(cells: readonly Cell[]): string {
  return cells
    .map((c) => {
      if (c === null) return '';
      const s = typeof c === 'number' ? (Number.isFinite(c) ? String(Number(c.toFixed(4))) : '') : String(c);
      return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    })
    .join(',');
}

export function sweepCsv(levels: readonly SweepLevel[]): string {
  const rows = levels.map((l) => [
    l.target,
    l.index,
    l.phase,
    l.over,
    l.level,
    l.durationS,
    l.requests,
    l.ok,
    l.errors,
    l.errorRate,
    l.achievedSendRate,
    l.throughput,
    l.servedRate,
    l.outputTokensPerS,
    l.goodput,
    l.goodputShare,
    ...METRICS.flatMap((m) => PCTS.map((p) => l.latency[m][p])),
    l.judgement.status,
    l.judgement.reason,
    l.clientBound,
    l.stopText,
    l.dir,
  ]);
  return [csvLine([...SWEEP_CSV_COLUMNS]), ...rows.map(csvLine)].join('\n') + '\n';
}

export const SLO_MAX_CSV_COLUMNS = ['row', 'target', 'slos', 'value', 'unit', 'basis', 'last_pass', 'first_fail', 'binding', 'detail'] as const;

/** Per target its SLO-max; then the comparison verdict and each SLO's curve crossings (two targets). */
export function sloMaxCsv(r: SweepResult): string {
  const slos = r.slos.map(sloKey).join(' & ');
  const rows: Cell[][] = r.targets.map((t) => ['slo-max', t.name, slos, t.sloMax.value, r.unit, t.sloMax.basis, t.sloMax.lastPass, t.sloMax.firstFail, t.sloMax.bindingKey, t.sloMax.text]);
  const cmp = r.verdicts.find((v) => v.claim === 'slo-max-compare');
  if (cmp) rows.push(['winner', (cmp.evidence.winner as string | null) ?? null, slos, null, r.unit, cmp.status, null, null, null, cmp.details]);
  for (const c of r.crossings) {
    if (c.at.length === 0) rows.push(['crossing', null, sloKey(c.slo), null, r.unit, 'none', null, null, null, 'the curves do not cross in the range both targets tested (within 20% counts as level)']);
    for (const x of c.at) rows.push(['crossing', null, sloKey(c.slo), x, r.unit, 'interpolated', null, null, null, `${r.targets.map((t) => t.name).join(' and ')} swap order on ${c.slo.metric} p${c.slo.percentile} here (linear between the levels either side)`]);
  }
  return [csvLine([...SLO_MAX_CSV_COLUMNS]), ...rows.map(csvLine)].join('\n') + '\n';
}
