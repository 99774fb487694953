// Everything about a scenario that can be checked before anything is sent: claim thresholds (the
// claims engine's strict schemas), ${ENV} references in headers, and every simulator target (preset
// name, options, per-pod faults). A typo must cost a message, not a run whose verdict then fails
// to evaluate.
import { parseClaims } from '@routebench/core';
import { isMultiPoolPreset, multiPoolPresetSpec, presetSpec, PRESET_NAMES, type PresetName } from '@routebench/sim';
import { resolveHeaders, type Scenario, type Target } from '../scenario.ts';
import { RoutebenchError } from '@routebench/core';

/** Throws one Error listing every problem as `path: what is wrong / expected`. */
export function preflightScenario(s: Scenario): void {
  const problems: string[] = [];
  const attempt = (fn: () => void) => {
    try {
      fn();
    } catch (e) {
      problems.push((e as Error).message);
    }
  };
  attempt(() => parseClaims(s.claims));
  attempt(() => resolveHeaders(s.headers));
  const targets: [string, Target][] = [['target', s.target]];
  s.controls.forEach((c, i) => c.target && targets.push([`controls.${i}.target`, c.target]));
  (s.compareTargets ?? []).forEach((c, i) => targets.push([`compareTargets.${i}.target`, c.target]));
  for (const [path, t] of targets) {
    if (!('sim' in t)) continue;
    if (!(PRESET_NAMES as readonly string[]).includes(t.sim.preset)) {
      problems.push(`${path}.sim.preset: unknown simulator preset "${t.sim.preset}"; valid: ${PRESET_NAMES.join(', ')}`);
      continue;
    }
    attempt(() => {
      try {
        (isMultiPoolPreset(t.sim.preset) ? multiPoolPresetSpec : presetSpec)(t.sim.preset as PresetName, t.sim.options ?? {});
      } catch (e) {
        throw new RoutebenchError('RB_CONFIG_INVALID', `${path}.sim.options: ${(e as Error).message}`);
      }
    });
  }
  if (problems.length > 0) throw new RoutebenchError('RB_CONFIG_INVALID', `invalid scenario ${s.name}:\n  ${problems.join('\n  ')}`);
}
