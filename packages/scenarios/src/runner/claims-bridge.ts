// Hands a scenario's claims and its runs' evidence to core's claims engine.
import { evaluateClaims } from '@routebench/core/claims/index';
import type { RunEvidence } from '@routebench/core/claims/context';
import type { Verdict } from '@routebench/core/claims/verdict';
import type { Scenario } from '../scenario.ts';

export type { RunEvidence };

export function evaluateScenarioClaims(scenario: Scenario, main: RunEvidence, controls: Record<string, RunEvidence>): Verdict[] {
  if (scenario.claims.length === 0) return [];
  return evaluateClaims(scenario.claims, { feature: scenario.feature, mode: scenario.mode, main, controls });
}
