// First use against a plain OpenAI-compatible streaming server: simulator pods started on their own (real HTTP
// servers speaking /v1/chat/completions and /v1/models, no gateway). `--target URL --model NAME` alone works;
// without --model the served model is discovered; --input-len/--output-len reach the workload or are refused.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/exit-codes.ts';
import { startPod, type SimPod } from '../../sim/src/pod/index.ts';
import { runCli } from './cli-harness.ts';

let dir: string;
let one: SimPod;
let two: SimPod;
let n = 0;
const out = () => join(dir, `o${n++}`);
const records = (d: string) =>
  readFileSync(join(d, 'requests.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { model: string; status: string });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rb-first-use-'));
  one = await startPod({ name: 'solo', models: ['my-org/tiny-model'] });
  two = await startPod({ name: 'duo', models: ['m1', 'm2'] });
});
afterAll(async () => {
  await one.stop();
  await two.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('--target URL against a plain OpenAI-compatible server', () => {
  it('--target URL --model NAME alone runs, every request to that model, with the lengths asked for', async () => {
    const o = out();
    const r = await runCli(['run', 'smoke', '--target', two.url, '--model', 'm2', '--input-len', '5', '--output-len', '3', '--requests', '4', '--out', o]);
    expect(r.code, r.out).toBe(EXIT.ok);
    const recs = records(o);
    expect(recs).toHaveLength(4);
    for (const rec of recs) expect(rec).toMatchObject({ model: 'm2', status: 'ok' });
    const sc = JSON.parse(readFileSync(join(o, 'scenario.json'), 'utf8'));
    expect(sc.model).toBe('m2');
    expect(sc.workload).toMatchObject({ input_len: 5, output_len: 3 });
  });

  it('without --model uses the one model the server lists at /v1/models, and says so', async () => {
    const o = out();
    const r = await runCli(['run', 'smoke', '--quick', '--target', one.url, '--out', o]);
    expect(r.code, r.out).toBe(EXIT.ok);
    expect(r.out).toContain(`does not serve "Qwen/Qwen2.5-7B-Instruct"; using the one model it serves, "my-org/tiny-model"`);
    for (const rec of records(o)) expect(rec).toMatchObject({ model: 'my-org/tiny-model', status: 'ok' });
  });

  it('without --model, a server serving several models: exit 2 listing them', async () => {
    const r = await runCli(['run', 'smoke', '--quick', '--target', two.url, '--out', out()]);
    expect(r.code, r.out).toBe(EXIT.usage);
    expect(r.out).toMatch(/--model: .* it serves m1, m2\. Choose one with --model NAME/);
  });

  it('an explicit --model is kept even when not served (the run fails, exit 3, with the server 404)', async () => {
    const r = await runCli(['run', 'smoke', '--quick', '--target', one.url, '--model', 'not-served', '--out', out()]);
    expect(r.code, r.out).toBe(EXIT.runError);
    expect(r.out).toMatch(/http_4xx \(HTTP 404\): 4 .*not-served/);
  });

  const refused: [string, string[], RegExp][] = [
    ['--input-len on a shared-prefix workload', ['run', 'prefix-cache', '--input-len', '10'], /--input-len: workload shared-prefix has no input_len \(its lengths: .*system_prompt_len.*\)/],
    ['--output-len on a sharegpt workload', ['run', 'smoke', '--set', 'workload={"type":"sharegpt","path":"x.json"}', '--output-len', '10'], /--output-len: workload sharegpt has no output_len/],
    ['--model on a multi-model workload', ['run', 'multi-model', '--model', 'x'], /--model: workload multi-model sends to several models/],
    ['--input-len 0', ['run', 'smoke', '--input-len', '0'], /--input-len expects a positive integer, got "0"/],
    ['--compare-target of an unknown name', ['run', 'agg-vs-pd', '--compare-target', 'nope=http://127.0.0.1:1'], /--compare-target nope=…: scenario agg-vs-pd compares aggregated, pd-1p1d/],
    ['--compare-target without =', ['run', 'agg-vs-pd', '--compare-target', 'aggregated'], /--compare-target expects NAME=URL/],
  ];
  for (const [name, args, message] of refused) {
    it(`refuses ${name} (exit 2)`, async () => {
      const r = await runCli([...args, '--out', out()]);
      expect(r.code, r.out).toBe(EXIT.usage);
      expect(r.out).toMatch(message);
    });
  }

  it('the flag the --target refusal of a compareTargets scenario suggests works', async () => {
    const refusal = await runCli(['run', 'agg-vs-pd', '--target', one.url, '--out', out()]);
    expect(refusal.code).toBe(EXIT.usage);
    expect(refusal.out).toContain('--compare-target aggregated=URL --compare-target pd-1p1d=URL');
    const o = out();
    const r = await runCli(['run', 'agg-vs-pd', '--quick', '--no-controls', '--compare-target', `aggregated=${one.url}`, '--compare-target', `pd-1p1d=${one.url}`, '--model', 'my-org/tiny-model', '--duration', '1', '--out', o]);
    expect([EXIT.ok, EXIT.claimFailed, EXIT.inconclusive], r.out).toContain(r.code);
    const sc = JSON.parse(readFileSync(join(o, 'scenario.json'), 'utf8'));
    expect(sc.compareTargets.map((c: { target: unknown }) => c.target)).toEqual([{ url: one.url }, { url: one.url }]);
    expect(readFileSync(join(o, 'targets', 'aggregated', 'requests.jsonl'), 'utf8')).toContain('"status":"ok"');
  }, 60_000);
});
