// Every sample EndpointPickerConfig upstream ships (SCHED v0.7.1 and llm-d-router ebab68792
// deploy/config/*.yaml, copied verbatim under test/fixtures/upstream/, see SOURCE.md there) either starts
// a simulated cluster that serves a chat completion through the gateway, or is refused naming the first
// plugin type the simulator does not simulate, and the version. The table says which, per file, so a
// regression either way fails; a new fixture without a row fails too.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { versionLabel, type LlmdVersion } from '@routebench/core';
import { EppConfigError } from '../../src/epp/config.ts';
import { clusterSpecFromEppConfig, DEFAULT_EPP_CONFIG_MODEL } from '../../src/epp-config-cluster.ts';
import { chat, readyCluster } from '../sim-client.ts';

type Expect = 'runs' | { refused: string };

const EXPECTED: Record<LlmdVersion, Record<string, Expect>> = {
  'v0.7': {
    'dp-epp-config.yaml': 'runs',
    'epp-config.yaml': 'runs',
    'epp-estimate-prefix-cache-config.yaml': 'runs',
    'epp-precise-prefix-cache-config.yaml': 'runs',
    'pd-epp-config.yaml': 'runs',
    'sim-epp-config.yaml': 'runs',
    'sim-epp-external-tokenizer-config.yaml': 'runs',
    'sim-epp-kvcache-config.yaml': 'runs',
    'sim-epp-no-hit-lru.yaml': { refused: 'no-hit-lru-scorer' },
    'sim-pd-epp-config.yaml': 'runs',
  },
  router: {
    'dp-epp-config.yaml': 'runs',
    'epp-burst-prefix-cache-config.yaml': { refused: 'burst-prefix-cache-producer' },
    'epp-config.yaml': 'runs',
    'epp-estimate-prefix-cache-config.yaml': 'runs',
    'epp-mm-embeddings-cache-config.yaml': { refused: 'mm-embeddings-cache-producer' },
    'epp-precise-prefix-cache-config.yaml': 'runs',
    'pd-epp-config.yaml': 'runs',
    'pd-topology-epp-config.yaml': { refused: 'topology-extractor' },
    'probabilistic-admitter-epp-config.yaml': { refused: 'probabilistic-admitter' },
    'sim-e-p-d-epp-config.yaml': { refused: 'encode-filter' },
    'sim-e-pd-epp-config.yaml': { refused: 'encode-filter' },
    'sim-epp-config.yaml': 'runs',
    'sim-epp-gpu-config.yaml': { refused: 'dcgm-data-source' },
    'sim-epp-kvcache-config.yaml': 'runs',
    'sim-epp-no-hit-lru.yaml': { refused: 'no-hit-lru-scorer' },
    'sim-epp-tokenizer-vllm-http-config.yaml': 'runs',
    'sim-pd-epp-config.yaml': 'runs',
    'sim-program-aware-config.yaml': { refused: 'program-aware-fairness' },
    'soft-reflective-ceiling-epp-config.yaml': { refused: 'soft-reflective-ceiling-policy' },
  },
};

const dir = (v: LlmdVersion) => fileURLToPath(new URL(`../fixtures/upstream/${v}/`, import.meta.url));

describe.each(['v0.7', 'router'] as const)('upstream sample configs, %s', (version) => {
  it('every fixture has a row in the table and every row a fixture', () => {
    expect(readdirSync(dir(version)).filter((f) => f.endsWith('.yaml')).sort()).toEqual(Object.keys(EXPECTED[version]).sort());
  });

  it.each(Object.entries(EXPECTED[version]))('%s', async (file, expected) => {
    const text = readFileSync(dir(version) + file, 'utf8');
    const build = () => clusterSpecFromEppConfig(text, { version, env: {} });
    if (expected !== 'runs') {
      let err: unknown;
      try {
        build();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(EppConfigError);
      const first = (err as EppConfigError).issues[0]!;
      expect(first).toContain(`plugin type '${expected.refused}' (${versionLabel(version)}) is not simulated`);
      return;
    }
    const cluster = await readyCluster(build());
    try {
      const r = await chat(cluster.gatewayUrl, DEFAULT_EPP_CONFIG_MODEL, [{ role: 'user', content: 'Say hello to the upstream config, please, in a few words.' }]);
      expect(r.status, r.body).toBe(200);
      expect(cluster.eppConfig.version).toBe(version);
    } finally {
      await cluster.stop();
    }
  });
});
