// single-profile-handler (GIE v1.2.0): run the one profile once; it is the primary.
import type { ProfileHandlerPlugin } from '../scheduling-types.ts';

export function createSingleProfileHandler(name: string): ProfileHandlerPlugin {
  return {
    kind: 'profile-handler',
    type: 'single-profile-handler',
    name,
    pick: (_req, profileNames, results) => (Object.keys(results).length > 0 ? [] : profileNames.slice(0, 1)),
    processResults: (_req, results) => ({ profileResults: results, primaryProfileName: Object.keys(results)[0]! }),
  };
}
