// --epp-token-file reaches the EPP's shorthand metrics source (and only the EPP's), as a file reference:
// the token itself never enters configs or evidence.
import { describe, expect, it } from 'vitest';
import { openTarget } from '../../src/runner/target.ts';
import { getPreset } from '../../src/presets/index.ts';

describe('openTarget with a URL target', () => {
  it('puts bearerTokenFile on the epp shorthand target only', async () => {
    const base = getPreset('queue-balance');
    const scenario = { ...base, metrics: { ...(base.metrics ?? {}), sources: [{ kind: 'pod', url: 'http://10.0.0.1:8000/metrics' }, { kind: 'epp', url: 'http://10.0.0.2:9090/metrics' }] } } as typeof base;
    const t = await openTarget({ url: 'http://127.0.0.1:9' } as never, scenario, '/tmp/unused', { eppTokenFile: '/var/run/epp-token' });
    const src = t.metricsSources[0] as { targets: Array<Record<string, unknown>> };
    expect(src.targets.find((x) => x.role === 'epp')).toMatchObject({ url: 'http://10.0.0.2:9090/metrics', bearerTokenFile: '/var/run/epp-token' });
    expect(src.targets.find((x) => x.role !== 'epp')).not.toHaveProperty('bearerTokenFile');
    const without = await openTarget({ url: 'http://127.0.0.1:9' } as never, scenario, '/tmp/unused');
    expect((without.metricsSources[0] as typeof src).targets.find((x) => x.role === 'epp')).not.toHaveProperty('bearerTokenFile');
  });
});
