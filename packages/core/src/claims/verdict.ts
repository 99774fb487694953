// A verdict on one claim: the row of the verdict table (Feature | Mode | Status | Details) plus the
// numbers behind it. Written to verdicts.json; verdicts.md is rendered from these.
import { z } from 'zod';

export const VerdictStatusSchema = z.enum(['Pass', 'Fail', 'Inconclusive']);
export type VerdictStatus = z.infer<typeof VerdictStatusSchema>;

export const VerdictSchema = z.strictObject({
  /** Claim id, e.g. 'prefix-affinity'. */
  claim: z.string(),
  /** Feature column text, e.g. 'Prefix-cache-aware routing'. */
  feature: z.string(),
  /** Mode column: 'Aggregated' or 'P/D'. */
  mode: z.string(),
  status: VerdictStatusSchema,
  /** One line: the headline numbers, or why the verdict is Inconclusive. */
  details: z.string(),
  /** Where the evidence came from, e.g. ['header:x-inference-pod', 'metrics:vllm:prefix_cache_hits_total']. */
  sources: z.array(z.string()),
  /** The numbers the status was decided on, and the thresholds applied. */
  evidence: z.record(z.string(), z.unknown()),
  thresholds: z.record(z.string(), z.unknown()).default({}),
  /** How sure the status is: each statistical test it was decided on (claims/confidence.ts). */
  confidence: z
    .array(
      z.strictObject({
        test: z.string(),
        observed: z.number(),
        n: z.number(),
        interval: z.strictObject({ lower: z.number(), upper: z.number(), level: z.number(), method: z.enum(['wilson', 'newcombe']) }),
        bar: z.number(),
        status: VerdictStatusSchema,
        neededN: z.number().nullable().optional(),
        /** What n counts when not requests (e.g. "score lines"). */
        unit: z.string().optional(),
      }),
    )
    .optional(),
});
export type Verdict = z.infer<typeof VerdictSchema>;

/** The seed study's table format. Cells are escaped so server-provided text cannot break the table. */
export function renderVerdictTable(verdicts: readonly Verdict[]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const lines = ['| Feature | Mode | Status | Details |', '|---|---|---|---|'];
  for (const v of verdicts) lines.push(`| ${cell(v.feature)} | ${cell(v.mode)} | ${v.status} | ${cell(v.details)} |`);
  return lines.join('\n');
}
