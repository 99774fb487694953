// prefill-header-handler / disagg-headers-handler (SCHED, PreRequest): drop any incoming
// x-prefiller-host-port, then set it to the prefill profile's chosen pod `host:port`, if one was chosen.
import type { PreRequestPlugin } from '../scheduling-types.ts';

export const PREFILLER_HEADER = 'x-prefiller-host-port';

export function createPrefillHeaderHandler(name: string, type: 'prefill-header-handler' | 'disagg-headers-handler', prefillProfile = 'prefill'): PreRequestPlugin {
  return {
    kind: 'pre-request',
    type,
    name,
    preRequest(_req, result, headers) {
      delete headers[PREFILLER_HEADER];
      const target = result.profileResults[prefillProfile]?.targets[0];
      if (target) headers[PREFILLER_HEADER] = target.address;
    },
  };
}
