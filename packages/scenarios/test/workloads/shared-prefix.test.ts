import { describe, expect, it } from 'vitest';
import { countTokens, renderChat, TOKENIZER_NAME, type RequestSpec } from '@routebench/core';
import { SharedPrefixParamsSchema, sharedPrefixWorkload, take, type SharedPrefixParams } from '../../src/workloads/index.ts';

const ctx = { seed: 7, model: 'm' };
const params = (extra: Partial<Record<string, unknown>> = {}): SharedPrefixParams =>
  SharedPrefixParamsSchema.parse({
    type: 'shared-prefix',
    num_groups: 6,
    num_prompts_per_group: 5,
    system_prompt_len: 120,
    question_len: 24,
    output_len: 16,
    ...extra,
  });

const system = (r: RequestSpec) => r.messages!.find((m) => m.role === 'system')!.content;
const user = (r: RequestSpec) => r.messages!.find((m) => m.role === 'user')!.content;
const countBy = (rs: RequestSpec[], key: (r: RequestSpec) => string) =>
  rs.reduce<Record<string, number>>((acc, r) => ((acc[key(r)] = (acc[key(r)] ?? 0) + 1), acc), {});

describe('shared-prefix workload', () => {
  it('same seed gives a byte-identical stream; calling requests() again starts over', () => {
    const a = JSON.stringify(take(sharedPrefixWorkload(params(), ctx), 60));
    const w = sharedPrefixWorkload(params(), ctx);
    expect(JSON.stringify(take(w, 60))).toBe(a);
    expect(JSON.stringify(take(w, 60))).toBe(a);
  });

  it('a different seed changes the order but keeps the group structure', () => {
    const a = take(sharedPrefixWorkload(params(), ctx), 30);
    const b = take(sharedPrefixWorkload(params(), { ...ctx, seed: 8 }), 30);
    expect(a.map((r) => r.groupId)).not.toEqual(b.map((r) => r.groupId));
    const sizes = (rs: RequestSpec[]) => Object.values(countBy(rs, (r) => r.groupId!)).sort();
    expect(sizes(a)).toEqual(sizes(b));
    expect(sizes(a)).toEqual([5, 5, 5, 5, 5, 5]);
    expect(a.map((r) => r.promptTokensTarget)).toEqual(b.map((r) => r.promptTokensTarget));
  });

  it('interleaves groups instead of sending them one after another', () => {
    const pass = take(sharedPrefixWorkload(params(), ctx), 30).map((r) => r.groupId);
    let switches = 0;
    for (let i = 1; i < pass.length; i++) if (pass[i] !== pass[i - 1]) switches++;
    // Group after group would switch 5 times; a shuffle of 30 switches far more often.
    expect(switches).toBeGreaterThan(12);
    const ordered = take(sharedPrefixWorkload(params({ ordered: true }), ctx), 10).map((r) => r.groupId);
    expect(ordered).toEqual([...Array(5).fill('group-0'), ...Array(5).fill('group-1')]);
  });

  it('groups share one system prompt, groups differ, and every question is distinct', () => {
    const rs = take(sharedPrefixWorkload(params(), ctx), 30);
    const byGroup = new Map<string, Set<string>>();
    for (const r of rs) byGroup.set(r.groupId!, (byGroup.get(r.groupId!) ?? new Set()).add(system(r)));
    for (const prompts of byGroup.values()) expect(prompts.size).toBe(1);
    expect(new Set(rs.map(system)).size).toBe(6);
    expect(new Set(rs.map(user)).size).toBe(30);
    expect(rs.every((r) => r.tags.reuse === 'shared' && r.model === 'm' && r.maxTokens === 16)).toBe(true);
  });

  it('prompts measure the requested token lengths with the reported tokenizer', () => {
    const w = sharedPrefixWorkload(params(), ctx);
    expect(w.tokenizer).toBe(TOKENIZER_NAME);
    for (const r of take(w, 30)) {
      expect(Math.abs(countTokens(system(r)) - 120)).toBeLessThanOrEqual(1);
      expect(Math.abs(countTokens(user(r)) - 24)).toBeLessThanOrEqual(1);
      expect(r.promptTokensTarget).toBe(countTokens(renderChat(r.messages!)));
    }
  });

  it('question and output lengths can follow distributions', () => {
    const rs = take(
      sharedPrefixWorkload(
        params({ question_len: { distribution: 'uniform', min: 5, max: 40 }, output_len: { mean: 50, std_dev: 20, min: 10, max: 80 } }),
        ctx,
      ),
      30,
    );
    const q = rs.map((r) => countTokens(user(r)));
    expect(Math.min(...q)).toBeGreaterThanOrEqual(5);
    expect(Math.max(...q)).toBeLessThanOrEqual(40);
    expect(new Set(q).size).toBeGreaterThan(5);
    const out = rs.map((r) => r.maxTokens);
    expect(Math.min(...out)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...out)).toBeLessThanOrEqual(80);
  });

  it('zero_reuse keeps the lengths and questions but makes every prefix unique', () => {
    const shared = take(sharedPrefixWorkload(params(), ctx), 60);
    const zero = take(sharedPrefixWorkload(params({ zero_reuse: true }), ctx), 60);
    expect(zero.map((r) => r.promptTokensTarget)).toEqual(shared.map((r) => r.promptTokensTarget));
    expect(zero.map(user)).toEqual(shared.map(user));
    expect(new Set(zero.map(system)).size).toBe(60);
    expect(new Set(zero.map((r) => r.groupId)).size).toBe(60);
    expect(zero.every((r) => r.tags.reuse === 'none')).toBe(true);
  });

  it('zipf_s skews group popularity toward the first groups', () => {
    const p = params({ num_groups: 10, num_prompts_per_group: 40, zipf_s: 1.2 });
    const rs = take(sharedPrefixWorkload(p, ctx), 400);
    const counts = countBy(rs, (r) => r.groupId!);
    expect(counts['group-0']!).toBeGreaterThan(3 * (counts['group-9'] ?? 0));
    expect(counts['group-0']!).toBeGreaterThan(100);
  });

  it('completions api sends one prompt string with the same text', () => {
    const [r] = take(sharedPrefixWorkload(params({ api: 'completions' }), ctx), 1);
    expect(r!.api).toBe('completions');
    expect(r!.messages).toBeUndefined();
    expect(countTokens(r!.prompt!)).toBe(144);
    expect(r!.promptTokensTarget).toBe(144);
  });

  it('rejects bad params naming the field', () => {
    const r = SharedPrefixParamsSchema.safeParse({ type: 'shared-prefix', num_groups: 0, num_prompts_per_group: 1, system_prompt_len: 1, question_len: 1, output_len: 1 });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['num_groups']);
  });
});
