// Bad configuration fails before anything is sent: each row is one wrong scenario field, load spec,
// workload parameter, simulator option, metrics source, URL, header, CLI flag or --set. Every row
// must exit 2 with a message naming the field path or flag and what it expects, and the loopback
// fixture the scenario points at must not have received a single request (a row that wrongly
// passed validation would send to it: the first test shows the valid base scenario does).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { EXIT } from '../src/exit-codes.ts';
import { startFaultServer, type FaultServer } from '../../core/test/fixtures/fault-server.ts';
import { runCli } from './cli-harness.ts';

let dir: string;
let server: FaultServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rb-bad-input-'));
  server = await startFaultServer();
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const cli = runCli;

type Json = Record<string, unknown>;

/** A valid scenario aimed at the fixture; rows change one thing in it. */
function base(): Json {
  return {
    name: 'bad-input',
    feature: 'Queue balance',
    mode: 'Aggregated',
    target: { url: server.url },
    workload: { type: 'random', input_len: 8, output_len: 2 },
    load: { type: 'concurrency', concurrency: 1, requests: 2 },
    claims: [],
  };
}

let fileNo = 0;
function scenarioFile(mutate: (s: Json) => void, format: 'json' | 'yaml' = 'yaml'): string {
  const s = base();
  mutate(s);
  const path = join(dir, `s${fileNo++}.${format}`);
  writeFileSync(path, format === 'json' ? JSON.stringify(s) : toYaml(s));
  return path;
}
function rawFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
const out = () => join(dir, `out${fileNo++}`);
const load = (s: Json) => s.load as Json;
const workload = (s: Json) => s.workload as Json;

interface Row {
  name: string;
  args: () => string[];
  /** The message must match: the field path or flag, and what it expects. */
  message: RegExp;
}

const rows: Row[] = [
  // Scenario files: syntax, types, unknown keys, enums.
  { name: 'YAML syntax error', args: () => ['run', rawFile('broken.yaml', 'name: x\n  feature: [oops\n')], message: /broken\.yaml: not valid YAML/ },
  { name: 'JSON syntax error', args: () => ['run', rawFile('broken.json', '{"name": "x",')], message: /broken\.json: not valid JSON/ },
  { name: 'wrong type (workload param)', args: () => ['run', scenarioFile((s) => (workload(s).input_len = 'long'))], message: /workload\.input_len: .*got "long"/ },
  { name: 'unknown top-level key', args: () => ['run', scenarioFile((s) => (s.rps = 5))], message: /rps/ },
  { name: 'unknown key in load (JSON)', args: () => ['run', scenarioFile((s) => (load(s).rps = 5), 'json')], message: /load.*rps/ },
  { name: 'bad enum: mode', args: () => ['run', scenarioFile((s) => (s.mode = 'Hybrid'))], message: /mode: expected "Aggregated" or "P\/D"/ },
  { name: 'bad enum: load.type', args: () => ['run', scenarioFile((s) => (load(s).type = 'burst'))], message: /load\.type: .*(concurrency|constant)/ },
  { name: 'unbounded load', args: () => ['run', scenarioFile((s) => delete load(s).requests)], message: /load\.requests: bound the run with `requests` and\/or `durationS`/ },
  { name: 'negative rate', args: () => ['run', scenarioFile((s) => Object.assign(load(s), { type: 'constant', rate: -3 }))], message: /load\.rate: .*-3/ },
  { name: 'fractional concurrency', args: () => ['run', scenarioFile((s) => (load(s).concurrency = 1.5))], message: /load\.concurrency: .*int/i },
  { name: 'stages without a rate', args: () => ['run', scenarioFile((s) => (s.load = { type: 'stages', stages: [{ type: 'constant', durationS: 1 }] }))], message: /load\.stages\.0\.rate: a constant stage needs `rate`/ },
  { name: 'unknown workload type', args: () => ['run', scenarioFile((s) => (workload(s).type = 'fancy'))], message: /workload(\.type)?: .*(random|shared-prefix)/ },
  { name: 'workload missing a required param', args: () => ['run', scenarioFile((s) => (s.workload = { type: 'shared-prefix', num_prompts_per_group: 2, system_prompt_len: 8, question_len: 4, output_len: 2 }))], message: /workload\.num_groups/ },
  { name: 'unknown claim id', args: () => ['run', scenarioFile((s) => (s.claims = [{ id: 'magic' }]))], message: /claims\.0\.id: expected one of prefix-affinity/ },
  { name: 'claim threshold of the wrong type', args: () => ['run', scenarioFile((s) => (s.claims = [{ id: 'queue-balance', maxShare: 'most' }]))], message: /maxShare.*(number|between)/ },
  { name: 'claim threshold out of range', args: () => ['run', scenarioFile((s) => (s.claims = [{ id: 'queue-balance', maxShare: 3 }]))], message: /maxShare/ },
  { name: 'unknown claim field', args: () => ['run', scenarioFile((s) => (s.claims = [{ id: 'queue-balance', maxShares: 0.5 }]))], message: /maxShares/ },
  { name: 'control patch that breaks the workload', args: () => ['run', scenarioFile((s) => (s.controls = [{ name: 'c', workload: { input_len: -1 } }]))], message: /controls\.0\.workload\.input_len/ },
  { name: 'duplicate control names', args: () => ['run', scenarioFile((s) => (s.controls = [{ name: 'c', workload: {} }, { name: 'c', workload: {} }]))], message: /controls\.1\.name: control "c" is listed twice/ },
  { name: 'header name with a space', args: () => ['run', scenarioFile((s) => (s.headers = { 'x bad': 'v' }))], message: /headers\.x bad: expected an HTTP header name/ },
  { name: 'header from an unset env var', args: () => ['run', scenarioFile((s) => (s.headers = { 'x-tenant': '${ROUTEBENCH_TEST_UNSET_TENANT}' }))], message: /header x-tenant: environment variable ROUTEBENCH_TEST_UNSET_TENANT is not set/ },
  // URLs.
  { name: 'target URL with credentials (file)', args: () => ['run', scenarioFile((s) => (s.target = { url: `http://admin:hunter22@127.0.0.1:${server.port}` }))], message: /target\.url: .*credentials/ },
  { name: 'target URL of another scheme', args: () => ['run', scenarioFile((s) => (s.target = { url: 'ftp://127.0.0.1/x' }))], message: /target.*http\(s\) URL/ },
  { name: 'metrics source URL with credentials', args: () => ['run', scenarioFile((s) => (s.metrics = { sources: [{ kind: 'pod', url: `http://u:p4ss@127.0.0.1:${server.port}/metrics` }] }))], message: /metrics\.sources\.0\.url: .*credentials/ },
  { name: 'metrics source of unknown kind', args: () => ['run', scenarioFile((s) => (s.metrics = { sources: [{ kind: 'graphite', url: `${server.url}/metrics` }] }))], message: /metrics\.sources\.0\.kind/ },
  { name: 'metrics source with an unknown key', args: () => ['run', scenarioFile((s) => (s.metrics = { sources: [{ kind: 'pod', url: `${server.url}/metrics`, token: 'x' }] }))], message: /metrics\.sources\.0.*token/ },
  { name: 'metrics interval of the wrong type', args: () => ['run', scenarioFile((s) => (s.metrics = { intervalMs: 'often', sources: [] }))], message: /metrics\.intervalMs/ },
  // Simulator presets and options (no fixture involved: nothing may start sending).
  { name: 'unknown simulator preset', args: () => ['run', scenarioFile((s) => (s.target = { sim: { preset: 'agg-99' } })), '--out', out()], message: /target\.sim\.preset: unknown simulator preset "agg-99"; valid: agg-2/ },
  { name: 'unknown simulator option', args: () => ['run', scenarioFile((s) => (s.target = { sim: { preset: 'agg-2', options: { warp: 9 } } })), '--out', out()], message: /warp/ },
  { name: 'bad simulator option value', args: () => ['run', 'pd-transfer', '--quick', '--set', 'target.sim.options.kvTransfer=maybe', '--out', out()], message: /kvTransfer/ },
  { name: 'faults for a pod the preset lacks', args: () => ['run', 'smoke', '--quick', '--set', 'target.sim.options.faults={"pod-9":{"resetRate":0.1}}', '--out', out()], message: /faults\.pod-9: no pod named 'pod-9'/ },
  // CLI flags and values (aimed at the fixture).
  { name: '--rate 0', args: () => ['run', 'smoke', '--target', server.url, '--rate', '0'], message: /--rate expects a positive number, got "0"/ },
  { name: '--concurrency -3', args: () => ['run', 'smoke', '--target', server.url, '--concurrency', '-3'], message: /--concurrency expects a positive integer, got "-3"/ },
  { name: '--requests 1.5', args: () => ['run', 'smoke', '--target', server.url, '--requests', '1.5'], message: /--requests expects a positive integer, got "1\.5"/ },
  { name: '--seed abc', args: () => ['run', 'smoke', '--target', server.url, '--seed', 'abc'], message: /--seed expects an integer, got "abc"/ },
  { name: '--drain-timeout -1', args: () => ['run', 'smoke', '--target', server.url, '--drain-timeout', '-1'], message: /--drain-timeout expects an integer ≥ 0, got "-1"/ },
  // Numbers beyond what the runtime can honour (#16): Node clamps a timer above 2^31−1 ms to 1 ms.
  { name: '--drain-timeout above the longest timer', args: () => ['run', 'smoke', '--target', server.url, '--drain-timeout', '2147483648'], message: /--drain-timeout expects an integer of at most 2147483647, got "2147483648"/ },
  { name: 'load.timeoutMs above the longest timer (--set)', args: () => ['run', 'smoke', '--target', server.url, '--set', 'load.timeoutMs=2147483648'], message: /load\.timeoutMs: must be at most 2147483647 ms/ },
  { name: 'load.stallTimeoutMs above the longest timer (file)', args: () => ['run', scenarioFile((s) => (load(s).stallTimeoutMs = 3e9))], message: /load\.stallTimeoutMs: must be at most 2147483647 ms/ },
  { name: 'a metrics source timeout above the longest timer (file)', args: () => ['run', scenarioFile((s) => (s.metrics = { sources: [{ kind: 'static', targets: [{ name: 'p', url: 'http://127.0.0.1:1/metrics' }], timeoutMs: 3e9 }] }))], message: /timeoutMs: must be at most 2147483647 ms/ },
  { name: 'metrics.intervalMs above the longest timer (file)', args: () => ['run', scenarioFile((s) => (s.metrics = { intervalMs: 3e9 }))], message: /metrics\.intervalMs: must be at most 2147483647 ms/ },
  { name: 'seed beyond the generator\'s 32 bits (file)', args: () => ['run', scenarioFile((s) => (s.seed = 2 ** 32))], message: /seed: must be at most 4294967295/ },
  { name: 'load.rate above what the clock resolves (file)', args: () => ['run', scenarioFile((s) => Object.assign(load(s), { type: 'constant', rate: 1e9 }))], message: /load\.rate: must be at most 1000000/ },
  { name: '--duration Infinity', args: () => ['run', 'smoke', '--target', server.url, '--duration', '1e400'], message: /--duration expects a positive number, got "1e400"/ },
  { name: '--duration beyond a timer', args: () => ['run', 'smoke', '--target', server.url, '--duration', '3000000'], message: /--duration expects a positive number of at most 2147483/ },
  { name: '--rate NaN', args: () => ['run', 'smoke', '--target', server.url, '--rate', 'NaN'], message: /--rate expects a positive number, got "NaN"/ },
  { name: '--rate empty', args: () => ['run', 'smoke', '--target', server.url, '--rate', ''], message: /--rate expects a positive number, got ""/ },
  { name: '--requests 1e300', args: () => ['run', 'smoke', '--target', server.url, '--requests', '1e300'], message: /--requests expects a positive integer of at most 9007199254740991/ },
  { name: '--concurrency above one connection each', args: () => ['run', 'smoke', '--target', server.url, '--concurrency', '100000'], message: /--concurrency expects a positive integer of at most 65535/ },
  { name: '--seed above 2^32−1', args: () => ['run', 'smoke', '--target', server.url, '--seed', '4294967296'], message: /--seed expects an integer from 0 to 4294967295/ },
  { name: '--seed negative', args: () => ['run', 'smoke', '--target', server.url, '--seed', '-1'], message: /--seed expects an integer from 0 to 4294967295/ },
  { name: '--workers 0', args: () => ['run', 'smoke', '--target', server.url, '--workers', '0'], message: /--workers expects a positive integer, got "0"/ },
  { name: '--workers 1e6', args: () => ['run', 'smoke', '--target', server.url, '--workers', '1000000'], message: /--workers expects a positive integer of at most 1024/ },
  { name: '--repeat 1.5', args: () => ['run', 'smoke', '--target', server.url, '--repeat', '1.5'], message: /--repeat expects a positive integer, got "1\.5"/ },
  { name: 'table --repeat too many', args: () => ['table', '--repeat', '100000', '--out', out()], message: /--repeat expects a positive integer of at most 1000/ },
  // Paths of the wrong kind: one line naming the flag, no stack trace.
  { name: '--out an existing file', args: () => ['run', 'smoke', '--target', server.url, '--out', rawFile('a-file.txt', 'x')], message: /^routebench: --out: .*a-file\.txt is a file, not a folder/m },
  { name: 'table --out an existing file', args: () => ['table', '--quick', '--out', rawFile('b-file.txt', 'x')], message: /^routebench: --out: .*b-file\.txt is a file, not a folder/m },
  { name: '--api-key-file a directory', args: () => ['run', 'smoke', '--target', server.url, '--api-key-file', dir], message: /^routebench: --api-key-file: .* is not a file/m },
  { name: '--api-key-file empty', args: () => ['run', 'smoke', '--target', server.url, '--api-key-file', rawFile('empty-key', '\n')], message: /--api-key-file: .*empty-key is empty/ },
  // k8s job: a nested command; commander used to process.exit(1) on its bad flags.
  { name: 'k8s job --parallelism 0', args: () => ['k8s', 'job', '--parallelism', '0'], message: /--parallelism expects a positive integer, got "0"/ },
  { name: 'k8s job --parallelism x', args: () => ['k8s', 'job', '--parallelism', 'x'], message: /--parallelism expects a positive integer, got "x"/ },
  { name: 'k8s job --parallelism missing', args: () => ['k8s', 'job'], message: /required option '--parallelism <n>' not specified/ },
  { name: 'k8s job --parallelism above the schema max', args: () => ['k8s', 'job', '--parallelism', '1001'], message: /--parallelism expects a positive integer of at most 1000/ },
  { name: '-H without a colon', args: () => ['run', 'smoke', '--target', server.url, '-H', 'x-tenant'], message: /--header expects "name: value"/ },
  { name: '-H with a bad header name', args: () => ['run', 'smoke', '--target', server.url, '-H', 'x tenant: a'], message: /--header: "x tenant" is not a valid header name/ },
  { name: '--target with credentials', args: () => ['run', 'smoke', '--target', `http://admin:hunter22@127.0.0.1:${server.port}`], message: /--target: credentials in the URL are not allowed/ },
  { name: '--target that is not a URL', args: () => ['run', 'smoke', '--target', 'localhost-8080'], message: /--target expects an http\(s\) URL/ },
  { name: '--api-key-file missing', args: () => ['run', 'smoke', '--target', server.url, '--api-key-file', join(dir, 'no-such-key')], message: /--api-key-file: .*no-such-key does not exist/ },
  { name: 'unknown flag', args: () => ['run', 'smoke', '--target', server.url, '--turbo'], message: /unknown option '--turbo'/ },
  { name: 'missing scenario argument', args: () => ['run', '--target', server.url], message: /missing required argument 'scenario'/ },
  { name: 'scenario file that does not exist', args: () => ['run', join(dir, 'nope.yaml'), '--target', server.url], message: /scenario file .*nope\.yaml does not exist/ },
  { name: 'unknown command', args: () => ['rnu', 'smoke'], message: /unknown command 'rnu'/ },
  { name: 'table --only with an unknown preset', args: () => ['table', '--only', 'prefix-cache,warp-drive', '--out', out()], message: /--only: "warp-drive" is not one of/ },
  // --set paths and values.
  { name: '--set without =', args: () => ['run', 'smoke', '--target', server.url, '--set', 'load.rate'], message: /--set load\.rate: expected path=value/ },
  { name: '--set with an empty path segment', args: () => ['run', 'smoke', '--target', server.url, '--set', 'load..rate=1'], message: /--set load\.\.rate=1: bad path "load\.\.rate" \(empty segment\)/ },
  { name: '--set of a wrong value type', args: () => ['run', 'smoke', '--target', server.url, '--set', 'load.concurrency=many'], message: /--set load\.concurrency=many: load\.concurrency: .*"many"/ },
  { name: '--set of an unknown field', args: () => ['run', 'smoke', '--target', server.url, '--set', 'workload.nope=1'], message: /--set workload\.nope=1: .*nope/ },
  { name: '--set past the end of a list', args: () => ['run', 'smoke', '--target', server.url, '--set', 'claims.5.id=queue-balance'], message: /--set claims\.5\.id=queue-balance: claims\.5: expected a list index/ },
  { name: '--set of a bad target URL', args: () => ['run', 'smoke', '--set', 'target={"url":"ftp://127.0.0.1"}', '--out', out()], message: /--set target=.*http\(s\) URL/ },
];

describe('bad input fails before anything is sent (exit 2, message names the field or flag)', () => {
  it('the valid base scenario does reach the fixture (so the rows below could fail)', async () => {
    const r = await cli(['run', scenarioFile(() => {}), '--out', out()]);
    expect(r.code, r.out).toBe(EXIT.ok);
    expect(server.completions().length).toBeGreaterThan(0);
    server.seen.length = 0;
  });

  it(`has at least 30 rows (${rows.length})`, () => {
    expect(rows.length).toBeGreaterThanOrEqual(30);
  });

  for (const row of rows) {
    it(row.name, async () => {
      const before = server.seen.length;
      const r = await cli(row.args());
      expect(r.out).toMatch(row.message);
      expect(r.code, r.out).toBe(EXIT.usage);
      expect(server.seen.length - before, 'requests reached the fixture').toBe(0);
      // Credentials given in a bad URL are never echoed back.
      expect(r.out).not.toContain('hunter22');
      expect(r.out).not.toContain('p4ss');
      // One clear line, never a stack trace.
      expect(r.out).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
    });
  }
});

describe('output folders are never overwritten without --force', () => {
  it('merge into a folder that holds a summary.json (e.g. one of the merged runs) exits 2; --force overwrites', async () => {
    const a = out();
    const b = out();
    for (const d of [a, b]) expect((await cli(['run', scenarioFile(() => {}), '--out', d])).code).toBe(EXIT.ok);
    const before = readFileSync(join(a, 'summary.json'), 'utf8');
    const r = await cli(['merge', a, b, '--out', a]);
    expect(r.code, r.out).toBe(EXIT.usage);
    expect(r.out).toMatch(/already holds a summary\.json; choose another --out or pass --force/);
    expect(readFileSync(join(a, 'summary.json'), 'utf8')).toBe(before);
    const forced = await cli(['merge', a, b, '--out', a, '--force']);
    expect(forced.code, forced.out).toBe(EXIT.ok);
    expect(JSON.parse(readFileSync(join(a, 'summary.json'), 'utf8')).counts.sent).toBe(JSON.parse(before).counts.sent * 2);
  });

  it('table into a folder that is not empty exits 2 before any simulator starts', async () => {
    const d = out();
    mkdirSync(join(d, 'prefix-cache'), { recursive: true });
    writeFileSync(join(d, 'prefix-cache', 'requests.jsonl'), '');
    const r = await cli(['table', '--quick', '--only', 'prefix-cache', '--out', d]);
    expect(r.code, r.out).toBe(EXIT.usage);
    expect(r.out).toMatch(/is not empty .*pass --force/);
    expect(readFileSync(join(d, 'prefix-cache', 'requests.jsonl'), 'utf8')).toBe('');
  });
});
