import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { countTokens } from '@routebench/core';
import { SHAREGPT_SAMPLE_PATH, ShareGptParamsSchema, shareGptWorkload, take } from '../../src/workloads/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'rb-sharegpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const params = (extra: Record<string, unknown> = {}) => ShareGptParamsSchema.parse({ type: 'sharegpt', ...extra });
const ctx = { seed: 1, model: 'm' };

describe('sharegpt workload', () => {
  const sample = JSON.parse(readFileSync(SHAREGPT_SAMPLE_PATH, 'utf8')) as { id: string; conversations: { from: string; value: string }[] }[];

  it('loads the shipped sample: first human turn as prompt, first gpt reply length as output', () => {
    const w = shareGptWorkload(params({ shuffle: false, max_output_len: 100000 }), ctx);
    expect(w.passSize).toBe(48); // 50 entries, 2 without a human→gpt pair
    const rs = take(w, 48);
    for (const r of rs) {
      const entry = sample.find((e) => `sharegpt-${e.id}` === r.groupId)!;
      const h = entry.conversations.findIndex((t) => t.from === 'human');
      const g = entry.conversations.findIndex((t, k) => k > h && t.from === 'gpt');
      expect(r.messages).toEqual([{ role: 'user', content: entry.conversations[h]!.value }]);
      expect(r.maxTokens).toBe(countTokens(entry.conversations[g]!.value));
    }
    expect(rs.map((r) => r.groupId)).not.toContain('sharegpt-rb-skip-gpt-first');
  });

  it('clamps output lengths and filters prompt lengths', () => {
    const rs = take(shareGptWorkload(params({ min_output_len: 30, max_output_len: 60, max_prompt_len: 40 }), ctx), 48);
    expect(rs.every((r) => r.maxTokens >= 30 && r.maxTokens <= 60)).toBe(true);
    expect(rs.every((r) => countTokens(r.messages![0]!.content) <= 40)).toBe(true);
    const w = shareGptWorkload(params({ max_entries: 5 }), ctx);
    expect(w.passSize).toBe(5);
  });

  it('shuffles per seed, deterministically', () => {
    const a = take(shareGptWorkload(params(), ctx), 48).map((r) => r.groupId);
    expect(take(shareGptWorkload(params(), ctx), 48).map((r) => r.groupId)).toEqual(a);
    expect(take(shareGptWorkload(params(), { ...ctx, seed: 2 }), 48).map((r) => r.groupId)).not.toEqual(a);
  });

  const malformed: [string, string, RegExp][] = [
    ['not-json', '{"a": ', /not valid JSON/],
    ['object', '{"id": 1}', /expected a JSON array of \{id, conversations\}, got an object/],
    ['entry-not-object', '[{"id":"a","conversations":[]}, 7]', /entry 1: expected an object/],
    ['no-conversations', '[{"id":"x1"}]', /entry 0 \(id "x1"\): conversations: missing, expected an array/],
    ['value-number', '[{"id":"a","conversations":[{"from":"human","value":"hi"}]},{"id":"b","conversations":[{"from":"human","value":"q"},{"from":"gpt","value":5}]}]', /entry 1 \(id "b"\): conversations\.1\.value: expected a string, got 5/],
    ['from-missing', '[{"id":"c","conversations":[{"value":"q"}]}]', /entry 0 \(id "c"\): conversations\.0\.from: missing, expected a string/],
    ['nothing-usable', '[{"id":"d","conversations":[{"from":"gpt","value":"only me"}]}]', /no usable entries/],
  ];
  it.each(malformed)('rejects a malformed file (%s) naming the entry and field', (name, text, message) => {
    const path = join(dir, `${name}.json`);
    writeFileSync(path, text);
    expect(() => shareGptWorkload(params({ path }), ctx)).toThrow(message);
  });

  it('names a missing file', () => {
    expect(() => shareGptWorkload(params({ path: join(dir, 'nope.json') }), ctx)).toThrow(/cannot read .*nope\.json: ENOENT/);
  });
});
