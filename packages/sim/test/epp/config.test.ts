import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EppConfigError, loadEppConfig } from '../../src/epp/config.ts';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url)), 'utf8');

function issuesOf(text: string): string[] {
  try {
    loadEppConfig(text, { env: {} });
  } catch (e) {
    expect(e).toBeInstanceOf(EppConfigError);
    return (e as EppConfigError).issues;
  }
  throw new Error('config unexpectedly loaded');
}

describe('loadEppConfig: real configs load unchanged', () => {
  it('GIE Helm chart default: one default profile, weights 2/2/3, implicit handler and picker', () => {
    const c = loadEppConfig(fixture('gie-default-epp-config.yaml'));
    expect(c.apiVersion).toBe('inference.networking.x-k8s.io/v1alpha1');
    expect(c.profiles).toEqual([
      {
        name: 'default',
        filters: [],
        scorers: [
          { name: 'queue-scorer', weight: 2 },
          { name: 'kv-cache-utilization-scorer', weight: 2 },
          { name: 'prefix-cache-scorer', weight: 3 },
        ],
        picker: 'max-score-picker',
      },
    ]);
    expect(c.profileHandler).toBe('single-profile-handler');
    expect(c.plugins.map((p) => p.type)).toContain('single-profile-handler');
  });

  it('SCHED v0.4.0 P/D sim config with ${PRIMARY_PORT} substituted; hashBlockSize warned as ignored', () => {
    const c = loadEppConfig(fixture('sched-v040-sim-pd-epp-config.yaml'), { env: { PRIMARY_PORT: '8000' } });
    expect(c.profileHandler).toBe('pd-profile-handler');
    expect(c.plugins.find((p) => p.type === 'pd-profile-handler')!.parameters).toEqual({ threshold: 10, hashBlockSize: 5, primaryPort: 8000 });
    expect(c.profiles.map((p) => [p.name, p.filters, p.picker])).toEqual([
      ['prefill', ['prefill-filter'], 'max-score-picker'],
      ['decode', ['decode-filter'], 'max-score-picker'],
    ]);
    expect(c.preRequest).toEqual(['prefill-header-handler']);
    expect(c.warnings.join('\n')).toMatch(/plugins\[1\]\.parameters\.hashBlockSize/);
  });

  it('an unset ${VAR} is an error naming the variable', () => {
    expect(() => loadEppConfig(fixture('sched-v040-sim-pd-epp-config.yaml'), { env: {} })).toThrow(/\$\{PRIMARY_PORT\}/);
  });

  it('seed study configs: aggregated, P/D (shorthand weights), precise (w3.0 shorthand, tokenizer plugin)', () => {
    const agg = loadEppConfig(fixture('seed-agg-epp-config.yaml'));
    expect(agg.profiles[0]!.scorers).toEqual([
      { name: 'prefix-cache-scorer', weight: 2 },
      { name: 'queue-scorer', weight: 1 },
      { name: 'kv-cache-utilization-scorer', weight: 2 },
    ]);
    const pd = loadEppConfig(fixture('seed-pd-epp-config.yaml'));
    expect(pd.featureGates).toEqual(['prepareDataPlugins']);
    expect(pd.profileHandler).toBe('disagg-profile-handler');
    expect(pd.profiles[1]).toEqual({
      name: 'decode',
      filters: ['decode-filter'],
      scorers: [
        { name: 'prefix-cache-scorer', weight: 2 },
        { name: 'queue-scorer', weight: 1 },
      ],
      picker: 'max-score-picker',
    });
    const precise = loadEppConfig(fixture('seed-precise-agg-epp-config.yaml'));
    expect(precise.profiles[0]!.scorers).toEqual([
      { name: 'precise-prefix-cache-scorer', weight: 3 },
      { name: 'kv-cache-utilization-scorer', weight: 2 },
      { name: 'queue-scorer', weight: 2 },
    ]);
    expect(precise.warnings.join('\n')).toMatch(/indexerConfig\.speculativeIndexing/);
  });

  it('llm-d.ai/v1alpha1 form', () => {
    const c = loadEppConfig(fixture('llmd-v1alpha1-pd-epp-config.yaml'));
    expect(c.apiVersion).toBe('llm-d.ai/v1alpha1');
    expect(c.profiles.map((p) => p.name)).toEqual(['prefill', 'decode']);
  });

  it('no profiles → one default profile with every filter/scorer/picker, weight 1', () => {
    const c = loadEppConfig('kind: EndpointPickerConfig\nplugins:\n- type: queue-scorer\n- type: random-picker\n');
    expect(c.profiles).toEqual([{ name: 'default', filters: [], scorers: [{ name: 'queue-scorer', weight: 1 }], picker: 'random-picker' }]);
  });
});

describe('loadEppConfig: wrong fields fail naming their path', () => {
  const base = (plugins: string, profiles = '') => `apiVersion: inference.networking.x-k8s.io/v1alpha1\nkind: EndpointPickerConfig\nplugins:\n${plugins}${profiles}`;

  it('bad parameter value', () => {
    const issues = issuesOf(base('- type: queue-scorer\n- type: max-score-picker\n- type: prefix-cache-scorer\n  parameters: {hashBlockSize: -3}\n'));
    expect(issues).toEqual(['plugins[2].parameters.hashBlockSize: expected positive integer']);
  });

  it('misspelt parameter name', () => {
    const issues = issuesOf(base('- type: prefix-cache-scorer\n  parameters: {blokSize: 64}\n'));
    expect(issues.join()).toMatch(/^plugins\[0\]\.parameters: .*blokSize/);
  });

  it('unknown plugin type', () => {
    expect(issuesOf(base('- type: queue-scorer\n- type: magic-scorer\n')).join()).toMatch(/^plugins\[1\]\.type: unknown plugin type 'magic-scorer'/);
  });

  it('unknown top-level key and wrong apiVersion', () => {
    const issues = issuesOf('apiVersion: v1\nkind: EndpointPickerConfig\nplugins: [{type: queue-scorer}]\nschedulingProfile: []\n');
    expect(issues.some((i) => i.startsWith('apiVersion:'))).toBe(true);
    expect(issues.some((i) => /schedulingProfile/.test(i))).toBe(true);
  });

  it('profile referencing a missing plugin, a handler, or two pickers', () => {
    const issues = issuesOf(
      base(
        '- type: queue-scorer\n- type: random-picker\n- type: max-score-picker\n- type: single-profile-handler\n',
        'schedulingProfiles:\n- name: default\n  plugins:\n  - pluginRef: queue-scorr\n  - pluginRef: single-profile-handler\n  - pluginRef: random-picker\n  - pluginRef: max-score-picker\n',
      ),
    );
    expect(issues).toContain("schedulingProfiles[0].plugins[0].pluginRef: no plugin named 'queue-scorr' in plugins");
    expect(issues).toContain("schedulingProfiles[0].plugins[1].pluginRef: 'single-profile-handler' is a profile-handler, expected a filter, scorer or picker");
    expect(issues).toContain('schedulingProfiles[0].plugins: at most one picker per profile');
  });

  it('negative weight, missing decider, several profiles without handler', () => {
    const issues = issuesOf(
      base(
        '- type: queue-scorer\n- type: disagg-profile-handler\n  parameters: {deciders: {prefill: nope}}\n',
        'schedulingProfiles:\n- name: a\n  plugins: [{pluginRef: queue-scorer, weight: -1}]\n- name: b\n  plugins: [queue-scorer]\n',
      ),
    );
    expect(issues).toContain('schedulingProfiles[0].plugins[0].weight: expected a non-negative number');
    expect(issues).toContain("plugins[1].parameters.deciders.prefill: no decider plugin named 'nope'");
  });

  it('bad yaml and wrong types', () => {
    expect(issuesOf('plugins: [\n')[0]).toMatch(/^\(yaml\)/);
    expect(issuesOf(base('- type: load-aware-scorer\n  parameters: {threshold: "x"}\n'))).toEqual(['plugins[0].parameters.threshold: expected positive integer']);
    expect(issuesOf(base('- type: active-request-scorer\n  parameters: {requestTimeout: 5}\n'))[0]).toMatch(/^plugins\[0\]\.parameters\.requestTimeout:/);
  });
});
