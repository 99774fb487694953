// The doctor's console output: the probe checks, then one row per claim × evidence path, then the fixes.
import type { DoctorReport } from './doctor.ts';

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const clip = (s: string, n = 100) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function formatDoctorReport(r: DoctorReport): string {
  const out: string[] = [];
  out.push(`routebench doctor: ${r.target}${r.model ? ` (model ${r.model})` : ''}; probe x-request-id ${r.requestIds.join(', ') || '-'}`, '');
  out.push(table(['check', 'ok', 'detail'], r.checks.map((c) => [c.id, c.reachable ? 'yes' : 'NO', clip(c.detail)])), '');
  out.push(table(['claim', 'evidence', 'reachable', 'detail'], r.rows.map((x) => [x.claim, x.evidence + (x.required ? '' : ' (optional)'), x.reachable ? 'yes' : 'NO', clip(x.detail)])));
  const fixes = new Map<string, string[]>();
  for (const x of r.rows) if (!x.reachable && x.fix) fixes.set(x.fix, [...(fixes.get(x.fix) ?? []), x.claim]);
  if (fixes.size > 0) {
    out.push('', 'fixes:');
    for (const [fix, claims] of fixes) out.push(`  - ${fix}\n      (${[...new Set(claims)].join(', ')})`);
  } else out.push('', 'every claim\'s evidence is reachable.');
  return `${out.join('\n')}\n`;
}

/** Claims with every required evidence path reachable. */
export function readyClaims(r: DoctorReport): string[] {
  const claims = [...new Set(r.rows.map((x) => x.claim))];
  return claims.filter((c) => r.rows.filter((x) => x.claim === c && x.required).every((x) => x.reachable));
}
