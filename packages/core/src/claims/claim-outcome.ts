// The shared shape of every claim: parse thresholds (strict, defaults, errors naming the field), guard
// against evidence that cannot support any verdict, and build the Verdict row.
import { z } from 'zod';
import type { Verdict, VerdictStatus } from './verdict.ts';
import type { ClaimContext, RunEvidence } from './context.ts';
import type { Confidence } from './confidence.ts';

export interface ClaimOutcome {
  status: VerdictStatus;
  /** One line with the headline numbers, or why the verdict is Inconclusive. */
  details: string;
  sources: string[];
  evidence: Record<string, unknown>;
  /** The statistical tests the status rests on (claims/confidence.ts). */
  confidence?: Confidence[];
}

/** A claim as a scenario writes it: its id plus threshold fields. */
export interface ClaimInput {
  id: string;
  [field: string]: unknown;
}

export class ClaimConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClaimConfigError';
  }
}

/** Parse a claim's threshold fields (everything but `id`); unknown or mistyped fields throw, naming the field. */
export function parseThresholds<S extends z.ZodType>(schema: S, claim: ClaimInput, where: string): z.infer<S> {
  const { id: _id, ...fields } = claim;
  const r = schema.safeParse(fields);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => {
    const path = [...i.path].map(String).join('.');
    if (i.code === 'unrecognized_keys') return `${where}: unknown field(s) ${i.keys.map((k) => `'${k}'`).join(', ')} for claim '${claim.id}'`;
    return `${where}.${path || '(claim)'}: ${i.message}`;
  });
  throw new ClaimConfigError(`invalid claim '${claim.id}':\n  ${issues.join('\n  ')}`);
}

export function inconclusive(details: string, sources: string[] = [], evidence: Record<string, unknown> = {}): ClaimOutcome {
  return { status: 'Inconclusive', details, sources, evidence };
}

/** Why no verdict can be reached on this run at all (client was the bottleneck), or null. */
export function runLevelProblem(run: RunEvidence): string | null {
  const client = run.summary.meta.client as Record<string, unknown> | undefined;
  if (client && client.bottleneck === true) {
    const why = typeof client.bottleneckReason === 'string' ? ` (${client.bottleneckReason})` : '';
    return `the load generator was the bottleneck${why}; server behaviour cannot be judged from this run`;
  }
  if (run.summary.counts.finished === 0) return 'no measured request finished';
  return null;
}

export function makeVerdict(claim: string, ctx: ClaimContext, outcome: ClaimOutcome, thresholds: Record<string, unknown>): Verdict {
  return {
    claim,
    feature: ctx.feature,
    mode: ctx.mode,
    status: outcome.status,
    details: outcome.details,
    sources: [...new Set(outcome.sources)],
    evidence: outcome.evidence,
    thresholds,
    ...(outcome.confidence && outcome.confidence.length > 0 && { confidence: outcome.confidence }),
  };
}

/** A share between 0 and 1 (inclusive), as a threshold. */
export const share = () => z.number({ error: 'expected a number between 0 and 1' }).min(0).max(1);
export const positive = () => z.number({ error: 'expected a positive number' }).positive();
export const count = () => z.number({ error: 'expected a whole number' }).int().nonnegative();
