import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EppConfigError, loadEppConfig } from '../../src/epp/config.ts';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url)), 'utf8');

// These fixtures predate llm-d-router: they are the seed's generation (GIE v1.4.0 + scheduler v0.7.1), so
// they load as 'v0.7'; the strict router loader is tested against its own samples in upstream-configs.test.ts.
function issuesOf(text: string, version: 'v0.7' | 'router' = 'v0.7'): string[] {
  try {
    loadEppConfig(text, { env: {}, version });
  } catch (e) {
    expect(e).toBeInstanceOf(EppConfigError);
    return (e as EppConfigError).issues;
  }
  throw new Error('config unexpectedly loaded');
}

describe('loadEppConfig: real configs load unchanged', () => {
  it('GIE Helm chart default: one default profile, weights 2/2/3, implicit handler and picker', () => {
    const c = loadEppConfig(fixture('gie-default-epp-config.yaml'), { version: 'v0.7' });
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

  it('SCHED v0.4.0 P/D sim config: refused by v0.7.1, whose pd-profile-handler needs its decider plugin', () => {
    // SCHED v0.7.1 pkg/plugins/profile/pd_profile_handler.go:78-81: deciderPluginName defaults to
    // 'prefix-based-pd-decider' and handle.Plugin() must find it; v0.4.0 configs declare no decider.
    expect(issuesOf(fixture('sched-v040-sim-pd-epp-config.yaml').replaceAll('${PRIMARY_PORT}', '8000'))).toEqual([
      "plugins[5].parameters.deciderPluginName: no decider plugin named 'prefix-based-pd-decider'",
    ]);
  });

  it('an unset ${VAR} is an error naming the variable', () => {
    expect(() => loadEppConfig(fixture('sched-v040-sim-pd-epp-config.yaml'), { env: {}, version: 'v0.7' })).toThrow(/\$\{PRIMARY_PORT\}/);
  });

  it('seed study configs: aggregated, P/D (shorthand weights), precise (w3.0 shorthand, tokenizer plugin)', () => {
    const agg = loadEppConfig(fixture('seed-agg-epp-config.yaml'), { version: 'v0.7' });
    expect(agg.profiles[0]!.scorers).toEqual([
      { name: 'prefix-cache-scorer', weight: 2 },
      { name: 'queue-scorer', weight: 1 },
      { name: 'kv-cache-utilization-scorer', weight: 2 },
    ]);
    const pd = loadEppConfig(fixture('seed-pd-epp-config.yaml'), { version: 'v0.7' });
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
    const precise = loadEppConfig(fixture('seed-precise-agg-epp-config.yaml'), { version: 'v0.7' });
    expect(precise.profiles[0]!.scorers).toEqual([
      { name: 'precise-prefix-cache-scorer', weight: 3 },
      { name: 'kv-cache-utilization-scorer', weight: 2 },
      { name: 'queue-scorer', weight: 2 },
    ]);
    expect(precise.warnings.join('\n')).toMatch(/indexerConfig\.speculativeIndexing/);
  });

  it('llm-d.ai/v1alpha1 form of scheduler v0.8: refused by current llm-d-router by name (gate and moved fields)', () => {
    expect(issuesOf(fixture('llmd-v1alpha1-pd-epp-config.yaml'), 'router')).toEqual([
      "featureGates[0]: feature gate 'prepareDataPlugins' is unknown or unregistered in llm-d-router ebab6879 (known: flowControl, haPopulateNonLeaderDatastore)",
      'plugins[1].parameters: Unrecognized keys: "maxPrefixBlocksToMatch", "lruCapacityPerServer"',
    ]);
  });

  it('no profiles → one default profile with every filter/scorer/picker, weight 1', () => {
    const c = loadEppConfig('kind: EndpointPickerConfig\nplugins:\n- type: queue-scorer\n- type: random-picker\n');
    expect(c.profiles).toEqual([{ name: 'default', filters: [], scorers: [{ name: 'queue-scorer', weight: 1 }], picker: 'random-picker' }]);
  });
});

describe('loadEppConfig: wrong fields fail naming their path', () => {
  const base = (plugins: string, profiles = '') => `apiVersion: inference.networking.x-k8s.io/v1alpha1\nkind: EndpointPickerConfig\nplugins:\n${plugins}${profiles}`;

  it('bad parameter value', () => {
    const issues = issuesOf(base('- type: queue-scorer\n- type: max-score-picker\n- type: prefix-cache-scorer\n  parameters: {lruCapacityPerServer: "x"}\n'));
    expect(issues).toEqual(['plugins[2].parameters.lruCapacityPerServer: expected integer']);
    // llm-d-router moved the LRU to approx-prefix-cache-producer and decodes strictly: the field is unknown there.
    expect(issuesOf(base('- type: prefix-cache-scorer\n  parameters: {lruCapacityPerServer: 8}\n'), 'router')).toEqual(['plugins[0].parameters: Unrecognized key: "lruCapacityPerServer"']);
  });

  it('misspelt parameter name', () => {
    // router decodes parameters strictly (an error); v0.7's encoding/json ignores the field (a warning).
    const issues = issuesOf(base('- type: prefix-cache-scorer\n  parameters: {blokSize: 64}\n'), 'router');
    expect(issues.join()).toMatch(/^plugins\[0\]\.parameters: .*blokSize/);
    const c = loadEppConfig(base('- type: prefix-cache-scorer\n  parameters: {blokSize: 64}\n'), { version: 'v0.7' });
    expect(c.warnings.join()).toMatch(/^plugins\[0\]\.parameters: blokSize ignored/);
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
    // Reference checks run once the shapes are valid.
    const refs = issuesOf(base('- type: queue-scorer\n- type: max-score-picker\n- type: disagg-profile-handler\n  parameters: {deciders: {prefill: nope}}\n', 'schedulingProfiles:\n- name: a\n  plugins: [queue-scorer]\n- name: b\n  plugins: [queue-scorer]\n'));
    expect(refs).toContain("plugins[2].parameters.deciders.prefill: no decider plugin named 'nope'");
  });

  it('bad yaml and wrong types', () => {
    expect(issuesOf('plugins: [\n')[0]).toMatch(/^\(yaml\)/);
    expect(issuesOf(base('- type: load-aware-scorer\n  parameters: {threshold: "x"}\n'))).toEqual(['plugins[0].parameters.threshold: expected positive integer']);
    expect(issuesOf(base('- type: active-request-scorer\n  parameters: {requestTimeout: 5}\n'))[0]).toMatch(/^plugins\[0\]\.parameters\.requestTimeout:/);
    expect(issuesOf(base('- type: active-request-scorer\n'), 'router')[0]).toMatch(/active-request-scorer.*not simulated/);
  });
});
