import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { applyQuick, defineScenario, loadScenarioFile, resolveHeaders, type ScenarioInput } from '../src/scenario.ts';
import { createWorkload, take } from '../src/workloads/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'rb-scenario-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const good: ScenarioInput = {
  name: 'my-test',
  feature: 'Prefix-cache-aware routing',
  mode: 'Aggregated',
  target: { sim: { preset: 'agg-2' } },
  workload: { type: 'shared-prefix', num_groups: 2, num_prompts_per_group: 4, system_prompt_len: 64, question_len: 8, output_len: 8 },
  load: { type: 'concurrency', concurrency: 2, requests: 8 },
  claims: [{ id: 'prefix-affinity', minDominantShare: 0.9 }],
  controls: [{ name: 'zero-reuse', workload: { zero_reuse: true } }],
  headers: { authorization: 'Bearer ${RB_TEST_TOKEN}' },
  quick: { load: { requests: 4 } },
};

function write(name: string, data: unknown, asJson = false): string {
  const path = join(dir, name + (asJson ? '.json' : '.yaml'));
  writeFileSync(path, asJson ? JSON.stringify(data) : stringify(data));
  return path;
}

/** A copy of `good` with one dotted path set (undefined deletes). */
function bad(path: string, value: unknown): Record<string, unknown> {
  const s = structuredClone(good) as unknown as Record<string, unknown>;
  const keys = path.split('.');
  let node = s as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) node = node[k] as Record<string, unknown>;
  if (value === undefined) delete node[keys[keys.length - 1]!];
  else node[keys[keys.length - 1]!] = value;
  return s;
}

describe('scenario files', () => {
  it('loads YAML and JSON with defaults filled', () => {
    for (const asJson of [false, true]) {
      const s = loadScenarioFile(write(`good-${asJson}`, good, asJson));
      expect(s.seed).toBe(1);
      expect(s.model).toBe('Qwen/Qwen2.5-7B-Instruct');
      expect(s.workload).toMatchObject({ zero_reuse: false, tokenizer: 'routebench-deterministic-v1', api: 'chat' });
      expect(s.load.timeoutMs).toBe(120_000);
    }
  });

  const table: [string, Record<string, unknown>, string][] = [
    ['num_groups a string', bad('workload.num_groups', 'x'), 'workload.num_groups: expected a positive integer, got "x"'],
    ['num_groups zero', bad('workload.num_groups', 0), 'workload.num_groups: expected a positive integer, got 0'],
    ['unknown workload type', bad('workload.type', 'trace'), 'workload.type: expected one of "shared-prefix", "long-prompt"'],
    ['unknown workload field', bad('workload.num_group', 3), 'workload.num_group: unknown field'],
    ['unknown top-level field', bad('sed', 3), 'sed: unknown field'],
    ['missing feature', bad('feature', undefined), 'feature: missing, expected a non-empty string'],
    ['bad mode', bad('mode', 'aggregated'), 'mode: expected "Aggregated" or "P/D", got "aggregated"'],
    ['bad target', bad('target', { host: 'x' }), 'target: expected {sim: {preset, options?}} or {url: "http://…"}'],
    ['unknown sim field', bad('target.sim.presets', 'agg-2'), 'target.sim.presets: unknown field'],
    ['load without rate', bad('load', { type: 'poisson', requests: 5 }), 'load.rate: load.type "poisson" needs `rate`'],
    ['stage without concurrency', bad('load', { type: 'stages', stages: [{ type: 'concurrency', durationS: 3 }] }), 'load.stages.0.concurrency: a concurrency stage needs'],
    ['bad claim id', bad('claims', [{ id: 'prefix' }]), 'claims.0.id: expected one of prefix-affinity'],
    ['bad claim value', bad('claims', [{ id: 'queue-balance', maxShare: [1] }]), 'claims.0.maxShare: claim fields are numbers or strings'],
    ['control patch invalid', bad('controls', [{ name: 'zr', workload: { zero_reuse: 'yes' } }]), 'controls.0.workload.zero_reuse: expected a boolean, got "yes"'],
    ['control unknown field', bad('controls', [{ name: 'zr', workloads: {} }]), 'controls.0.workloads: unknown field'],
    ['quick patch invalid', bad('quick', { load: { requests: -1 } }), 'quick.load.requests'],
    ['one compare target', bad('compareTargets', [{ name: 'a', target: { url: 'http://x' } }]), 'compareTargets: expected at least two targets'],
    ['bad header name', bad('headers', { 'bad header': 'x' }), 'headers.bad header'],
    ['bad distribution', bad('workload.question_len', { distribution: 'poisson', mean: 3 }), 'workload.question_len: expected a positive integer or {distribution'],
    ['sharegpt bad option', bad('workload', { type: 'sharegpt', max_output_len: 'lots' }), 'workload.max_output_len: expected a positive integer, got "lots"'],
  ];
  it.each(table)('rejects %s naming the field path', (name, data, message) => {
    const path = write(`bad-${name.replace(/\W+/g, '-')}`, data);
    let error: Error | undefined;
    try {
      loadScenarioFile(path);
    } catch (e) {
      error = e as Error;
    }
    expect(error, 'should fail').toBeDefined();
    expect(error!.message).toContain(path);
    expect(error!.message).toContain(message);
  });

  it('the documented example file loads, and its quick form and controls resolve', () => {
    const s = loadScenarioFile(fileURLToPath(new URL('../examples/prefix-cache-custom.yaml', import.meta.url)));
    expect(s.workload).toMatchObject({ type: 'shared-prefix', zipf_s: 1.1, question_len: { distribution: 'uniform', min: 16, max: 64 } });
    expect(applyQuick(s).load.durationS).toBe(3);
    expect(s.controls.map((c) => c.name)).toEqual(['random-picker', 'zero-reuse']);
  });

  it('resolves a sharegpt path relative to the scenario file', () => {
    const sub = join(dir, 'sub');
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, 'data.json'), JSON.stringify([{ id: 'a', conversations: [{ from: 'human', value: 'hi there' }, { from: 'gpt', value: 'hello back' }] }]));
    const path = join(sub, 'sg.yaml');
    writeFileSync(path, stringify({ ...good, workload: { type: 'sharegpt', path: 'data.json' }, controls: [] }));
    const s = loadScenarioFile(path);
    expect(s.workload).toMatchObject({ type: 'sharegpt', path: join(sub, 'data.json') });
    const [r] = take(createWorkload(s.workload, { seed: 1, model: 'm' }), 1);
    expect(r!.messages).toEqual([{ role: 'user', content: 'hi there' }]);
  });

  it('reports unreadable and unparsable files', () => {
    expect(() => loadScenarioFile(join(dir, 'missing.yaml'))).toThrow(/cannot read scenario file .*missing\.yaml: ENOENT/);
    const p = join(dir, 'broken.yaml');
    writeFileSync(p, 'name: [unclosed');
    expect(() => loadScenarioFile(p)).toThrow(/broken\.yaml: not valid YAML/);
  });

  it('defineScenario validates TypeScript scenarios too', () => {
    expect(defineScenario(good).name).toBe('my-test');
    expect(() => defineScenario({ ...good, load: { type: 'concurrency', requests: 3 } })).toThrow(/load\.concurrency/);
  });

  it('applyQuick merges the quick patch', () => {
    const s = applyQuick(defineScenario(good));
    expect(s.load.requests).toBe(4);
    expect(s.load.concurrency).toBe(2);
    expect(s.quick).toBeUndefined();
  });

  it('keeps ${ENV} header references unresolved and resolves them only on demand', () => {
    const s = defineScenario(good);
    expect(s.headers.authorization).toBe('Bearer ${RB_TEST_TOKEN}');
    expect(resolveHeaders(s.headers, { RB_TEST_TOKEN: 'sekret' })).toEqual({ authorization: 'Bearer sekret' });
    let message = '';
    try {
      resolveHeaders({ authorization: 'Bearer ${RB_MISSING} sekret-literal' }, {});
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe('header authorization: environment variable RB_MISSING is not set');
  });
});
