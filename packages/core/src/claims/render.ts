// Markdown for verdicts.md: the seed-style table, then a short evidence section per claim.
import { renderVerdictTable, type Verdict, type VerdictStatus } from './verdict.ts';

const fmt = (v: unknown): string => {
  if (v === null || v === undefined) return 'n/a';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
};
const esc = (s: string) => s.replace(/([\\`*_|<>])/g, '\\$1').replace(/\r?\n/g, ' ');

export function renderVerdictsMarkdown(verdicts: readonly Verdict[]): string {
  const out: string[] = ['# Verdicts', '', renderVerdictTable(verdicts)];
  for (const v of verdicts) {
    out.push('', `## ${esc(v.claim)}: ${v.status}`, '', esc(v.details), '');
    out.push(`- Sources: ${v.sources.length ? v.sources.map((s) => '`' + s.replace(/`/g, "'") + '`').join(', ') : 'none'}`);
    const ev = Object.entries(v.evidence);
    if (ev.length) out.push(`- Evidence: ${ev.map(([k, x]) => `${esc(k)} = ${esc(fmt(x))}`).join('; ')}`);
    const th = Object.entries(v.thresholds);
    if (th.length) out.push(`- Thresholds: ${th.map(([k, x]) => `${esc(k)} = ${esc(fmt(x))}`).join('; ')}`);
  }
  return out.join('\n') + '\n';
}

const RANK: Record<VerdictStatus, number> = { Pass: 0, Inconclusive: 1, Fail: 2 };

/**
 * One seed-table row for a feature judged by several claims (e.g. prefix-cache: affinity + hit rate): the
 * worst status (Fail > Inconclusive > Pass) and the details joined in claim order.
 */
export function combineVerdicts(verdicts: readonly Verdict[], claim = verdicts.map((v) => v.claim).join('+')): Verdict {
  if (verdicts.length === 0) throw new Error('combineVerdicts: no verdicts');
  const status = verdicts.reduce<VerdictStatus>((s, v) => (RANK[v.status] > RANK[s] ? v.status : s), 'Pass');
  return {
    claim,
    feature: verdicts[0].feature,
    mode: verdicts[0].mode,
    status,
    // When the parts disagree, say which part had which status.
    details: verdicts.map((v) => (verdicts.some((x) => x.status !== v.status) ? `${v.details} [${v.claim}: ${v.status}]` : v.details)).join('; '),
    sources: [...new Set(verdicts.flatMap((v) => v.sources))],
    evidence: Object.fromEntries(verdicts.map((v) => [v.claim, v.evidence])),
    thresholds: Object.fromEntries(verdicts.map((v) => [v.claim, v.thresholds])),
  };
}
