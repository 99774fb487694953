// End-to-end tests of the routebench command, in-process against the embedded simulator.
import { mkdtempSync, readFileSync, existsSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/exit-codes.ts';
import { COMPARE_CSV_COLUMNS } from '@routebench/core';
import { runCli } from './cli-harness.ts';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'routebench-cli-'));
});

const cli = (...args: string[]) => runCli(args);

describe('routebench CLI', () => {
  it('runs the smoke preset on the simulator and writes every output', async () => {
    const out = join(dir, 'smoke');
    const r = await cli('run', 'smoke', '--quick', '--out', out);
    expect(r.code, r.out).toBe(EXIT.ok);
    for (const f of ['requests.jsonl', 'summary.json', 'requests.csv', 'pods.csv', 'timeseries.csv', 'verdicts.md', 'verdicts.json', 'report.html', 'scenario.json']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.counts.ok).toBe(summary.counts.sent);
    expect(summary.counts.sent).toBeGreaterThan(0);
  });

  it('refuses to overwrite a run folder without --force', async () => {
    const out = join(dir, 'smoke');
    const r = await cli('run', 'smoke', '--quick', '--out', out);
    expect(r.code).toBe(EXIT.usage);
    expect(r.out).toContain('--force');
  });

  it('compares an aggregated and a P/D run into the documented CSV', async () => {
    const agg = join(dir, 'agg');
    const pd = join(dir, 'pd');
    expect((await cli('run', 'smoke', '--quick', '--out', agg)).code).toBe(EXIT.ok);
    expect((await cli('run', 'smoke', '--quick', '--out', pd, '--set', 'target.sim.preset=pd-1p1d')).code).toBe(EXIT.ok);
    const csv = join(dir, 'cmp.csv');
    const r = await cli('compare', agg, pd, '--csv', csv);
    expect(r.code, r.out).toBe(EXIT.ok);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toBe(COMPARE_CSV_COLUMNS.join(','));
    const ttftP50 = lines.find((l) => l.startsWith('ttft,overall,p50,ms,pd,'));
    expect(ttftP50).toBeDefined();
    const value = Number(ttftP50!.split(',')[5]);
    expect(value).toBeGreaterThan(0);
  });

  it('summarize rebuilds a summary from a requests.jsonl cut off mid-line', async () => {
    const src = join(dir, 'smoke');
    const cut = join(dir, 'cut');
    const text = readFileSync(join(src, 'requests.jsonl'), 'utf8');
    const lines = text.trim().split('\n');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(cut);
    writeFileSync(join(cut, 'requests.jsonl'), `${lines.join('\n')}\n${lines[0]!.slice(0, 50)}`);
    const r = await cli('summarize', cut);
    expect(r.code, r.out).toBe(EXIT.ok);
    expect(r.out).toContain('cut off');
    const summary = JSON.parse(readFileSync(join(cut, 'summary.json'), 'utf8'));
    expect(summary.counts.sent + summary.counts.warmup.sent).toBe(lines.length);
    expect(readdirSync(cut)).toEqual(expect.arrayContaining(['pods.csv', 'requests.csv']));
  });

  const usageCases: [string, string[], string][] = [
    ['unknown flag', ['run', 'smoke', '--bogus'], 'unknown option'],
    ['unknown preset', ['run', 'nope'], 'valid presets'],
    ['bad number', ['run', 'smoke', '--rate', 'fast'], '--rate expects a positive number'],
    ['bad URL', ['run', 'smoke', '--target', 'ftp://x'], '--target expects an http(s) URL'],
    ['bad --set path', ['run', 'smoke', '--set', 'load.nope=1'], 'load'],
    ['missing api key env', ['run', 'smoke', '--api-key-env', 'ROUTEBENCH_TEST_UNSET_VAR'], 'ROUTEBENCH_TEST_UNSET_VAR'],
    ['sim without preset', ['sim'], '--preset'],
    // An upstream sample config with a plugin the simulator does not model is refused by type and version
    // (llm-d-router ebab68792 deploy/config/sim-epp-no-hit-lru.yaml, copied under packages/sim/test/fixtures/upstream/).
    ['sim --epp-config with an unsimulated plugin', ['sim', '--epp-config', 'packages/sim/test/fixtures/upstream/router/sim-epp-no-hit-lru.yaml'], "plugin type 'no-hit-lru-scorer' (llm-d-router ebab6879) is not simulated"],
    ['sim --epp-config under an unknown version', ['sim', '--epp-config', 'packages/sim/test/fixtures/upstream/router/epp-config.yaml', '--llmd-version', 'v0.5'], 'v0.5'],
    ['compare with one run', ['compare', '/nonexistent'], 'at least two'],
  ];
  for (const [name, args, message] of usageCases) {
    it(`exits 2 on ${name}`, async () => {
      const r = await cli(...args);
      expect(r.code).toBe(EXIT.usage);
      expect(r.out).toContain(message);
    });
  }

  it('exports a run as an llm-d Benchmark Report v0.2.1', async () => {
    const r = await cli('export', join(dir, 'smoke'));
    expect(r.code, r.out).toBe(EXIT.ok);
    const report = JSON.parse(readFileSync(join(dir, 'smoke', 'benchmark_report_v0.2.1.json'), 'utf8'));
    expect(report.version).toBe('0.2.1');
    expect(readFileSync(join(dir, 'smoke', 'benchmark_report_v0.2.1.yaml'), 'utf8')).toContain('version: 0.2.1');
  });

  for (const args of [['--version'], ['run', '--version'], ['sim', '--version'], ['k8s', 'job', '--version']]) {
    it(`routebench ${args.join(' ')} prints the version and exits 0`, async () => {
      const r = await cli(...args);
      expect(r.code, r.out).toBe(EXIT.ok);
      expect(r.out.trim()).toBe(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version);
    });
  }

  it('lists presets', async () => {
    const r = await cli('scenarios');
    expect(r.code).toBe(EXIT.ok);
    for (const p of ['prefix-cache', 'queue-balance', 'pd-transfer', 'smoke']) expect(r.out).toContain(p);
  });
});
