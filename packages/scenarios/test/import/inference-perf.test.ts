import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { countTokens } from '@routebench/core';
import { convertInferencePerfConfig, importInferencePerfFile } from '../../src/import/inference-perf.ts';
import { createWorkload, take } from '../../src/workloads/index.ts';

const FIX = fileURLToPath(new URL('../fixtures/inference-perf/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rb-ip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fixture = (name: string) => importInferencePerfFile(join(FIX, name));

describe('inference-perf import (real example configs)', () => {
  it('llm-d-benchmark shared_prefix_synthetic: groups, lengths, completion api, placeholders noted', () => {
    const { scenario: s, notes } = fixture('ldb-shared_prefix_synthetic.yaml.in');
    expect(s.name).toBe('ldb-shared_prefix_synthetic');
    expect(s.workload).toMatchObject({ type: 'shared-prefix', num_groups: 32, num_prompts_per_group: 32, system_prompt_len: 2048, question_len: 256, output_len: 256, api: 'completions' });
    expect(s.load).toMatchObject({ type: 'constant', rate: 1, durationS: 2 });
    expect(s.target).toEqual({ sim: { preset: 'agg-2' } });
    expect(notes.join('\n')).toMatch(/model_name "REPLACE_ENV_LLMDBENCH_DEPLOY_CURRENT_MODEL" is a template placeholder/);
    // The converted workload really produces those prompts.
    const [r] = take(createWorkload(s.workload, { seed: s.seed, model: s.model }), 1);
    expect(r!.api).toBe('completions');
    expect(countTokens(r!.prompt!)).toBe(2048 + 256);
    expect(r!.maxTokens).toBe(256);
  });

  it('llm-d-benchmark approx_prefix_cache_ladder: 8 constant stages, seed, timeout, in-flight cap', () => {
    const { scenario: s, notes } = fixture('ldb-approx_prefix_cache_ladder.yaml.in');
    expect(s.seed).toBe(20260910);
    expect(s.load.type).toBe('stages');
    expect(s.load.stages!.map((st) => [st.type, st.rate, st.durationS])).toEqual(
      [4, 8, 16, 24, 32, 48, 64, 96].map((rate) => ['constant', rate, 60]),
    );
    expect(s.load.timeoutMs).toBe(60_000);
    expect(s.load.maxInFlight).toBe(12 * 512);
    expect(notes.some((n) => n.startsWith('load.num_workers (12) ignored'))).toBe(true);
  });

  it('llm-d-benchmark zero-reuse control: random data with a normal input distribution and base_seed', () => {
    const { scenario: s } = fixture('ldb-approx_prefix_cache_zero_reuse_control.yaml.in');
    expect(s.seed).toBe(20260910);
    expect(s.workload).toEqual({
      type: 'random',
      input_len: { distribution: 'normal', mean: 2300, std_dev: 200, min: 1500, max: 4096 },
      output_len: 128,
      api: 'completions',
      tokenizer: 'routebench-deterministic-v1',
    });
    const lens = take(createWorkload(s.workload, { seed: s.seed, model: s.model }), 50).map((r) => countTokens(r.prompt!));
    expect(Math.min(...lens)).toBeGreaterThanOrEqual(1500);
    expect(Math.max(...lens)).toBeLessThanOrEqual(4096);
  });

  it('llm-d-benchmark pd-disaggregation guide: fixed 5000/250 lengths, stage with null fields', () => {
    const { scenario: s } = fixture('ldb-guide_pd-disaggregation_1.yaml.in');
    expect(s.workload).toMatchObject({ type: 'random', input_len: 5000, output_len: 250 });
    expect(s.load).toMatchObject({ type: 'constant', rate: 45, durationS: 120, maxInFlight: 4500 });
  });

  it('inference-perf shared-prefix example: new field names, stage interval noted, server url and prometheus kept', () => {
    const { scenario: s, notes } = fixture('ip-config-shared-prefix.yml');
    expect(s.workload).toMatchObject({ type: 'shared-prefix', num_groups: 10, num_prompts_per_group: 10, system_prompt_len: 100, question_len: 50, output_len: 50 });
    expect(s.target).toEqual({ url: 'http://0.0.0.0:8000' });
    expect(s.model).toBe('HuggingFaceTB/SmolLM2-135M-Instruct');
    expect(s.metrics?.sources).toHaveLength(1);
    expect(s.metrics?.sources[0]).toMatchObject({ kind: 'prometheus', url: 'http://localhost:9090' });
    expect(s.load.stages!.map((st) => st.rate)).toEqual([1, 2]);
    expect(notes).toContain('load.interval (15s between stages) ignored: stages run back to back.');
  });

  it('inference-perf distributions example: skew_normal/lognormal approximated, with notes; data seed used', () => {
    const { scenario: s, notes } = fixture('ip-config-shared-prefix-distributions.yml');
    expect(s.seed).toBe(42);
    expect(s.workload).toMatchObject({
      question_len: { distribution: 'normal', mean: 200, std_dev: 80, min: 10, max: 2000 },
      output_len: { distribution: 'normal', mean: 150, std_dev: 60, min: 1, max: 4096 },
    });
    expect(notes.filter((n) => /approximated by a normal/.test(n))).toHaveLength(2);
  });

  it('inference-perf multi-turn example becomes multi-turn sessions sized to the load', () => {
    const { scenario: s } = fixture('ip-config-shared-prefix-multi-turn.yml');
    expect(s.workload).toMatchObject({ type: 'multi-turn', num_sessions: 20, turns_per_session: 5, system_prompt_len: 100 });
  });

  it('inference-perf random example: `api: completion` string form and `std`', () => {
    const { scenario: s } = fixture('ip-config-random.yml');
    expect(s.workload).toMatchObject({ type: 'random', api: 'completions', input_len: { distribution: 'normal', mean: 50, std_dev: 10, min: 10, max: 100 } });
  });

  it('a poisson variant of a real config maps to a poisson load; options override target and model', () => {
    const raw = parse(readFileSync(join(FIX, 'ldb-shared_prefix_synthetic.yaml.in'), 'utf8'));
    raw.load.type = 'poisson';
    const { scenario: s } = convertInferencePerfConfig(raw, 'x.yaml', { target: { url: 'http://127.0.0.1:9' }, model: 'm', name: 'mine', mode: 'P/D' });
    expect(s.load).toMatchObject({ type: 'poisson', rate: 1, durationS: 2 });
    expect(s).toMatchObject({ name: 'mine', model: 'm', mode: 'P/D', target: { url: 'http://127.0.0.1:9' } });
  });

  const bad: [string, (raw: any) => void, RegExp][] = [
    ['unsupported data type', (r) => (r.data.type = 'trace_replay'), /data\.type: "trace_replay" is not supported/],
    ['missing num_groups', (r) => delete r.data.shared_prefix.num_groups, /num_groups \(or num_unique_system_prompts\) is required/],
    ['non-numeric question_len', (r) => (r.data.shared_prefix.question_len = 'long'), /data\.shared_prefix\.question_len: expected a number or a distribution/],
    ['stage without rate', (r) => (r.load.stages = [{ duration: 5 }]), /load\.stages\.0: expected \{rate, duration\}/],
    ['sweep load type', (r) => (r.load.type = 'sweep'), /load\.type: "sweep" is not supported/],
    ['no stages', (r) => delete r.load.stages, /load\.stages: missing, expected a list of \{rate, duration\}/],
  ];
  it.each(bad)('rejects %s with the config path', (name, mutate, message) => {
    const raw = parse(readFileSync(join(FIX, 'ldb-shared_prefix_synthetic.yaml.in'), 'utf8'));
    mutate(raw);
    const path = join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(path, stringify(raw));
    expect(() => importInferencePerfFile(path)).toThrow(message);
  });
});
