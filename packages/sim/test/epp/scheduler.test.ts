import { createHash } from 'node:crypto';
import { createRng } from '@routebench/core';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadEppConfig } from '../../src/epp/config.ts';
import { createScheduler, NoPodsAvailableError } from '../../src/epp/scheduler.ts';
import { loadXxh64, type Xxh64 } from '../../src/epp/xxhash64.ts';
import { chatReq, ep } from './endpoints.ts';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url)), 'utf8');
const hashBlock = (p: string | null, ids: readonly number[]) => createHash('sha256').update(`${p}|${ids}`).digest('hex');
let xxh64: Xxh64;
beforeAll(async () => {
  xxh64 = await loadXxh64();
});

describe('scheduler', () => {
  it('weighted totals Σ clamp(s)×w are not normalized; the max wins', () => {
    const s = createScheduler(loadEppConfig(fixture('seed-agg-epp-config.yaml'), { version: 'v0.7' }), { rng: createRng(1), xxh64, hashBlock });
    const { result } = s.schedule(chatReq('hi'), [ep('a', { waiting: 0, kvUsage: 0.5 }), ep('b', { waiting: 2, kvUsage: 0 })]);
    const r = result.profileResults.default!;
    // a: queue 1×1 + kv 0.5×2 = 2; b: queue 0×1 + kv 1×2 = 2 → tie; prefix scores 0 (short prompt)
    expect(r.totals.get('a')).toBe(2);
    expect(r.totals.get('b')).toBe(2);
    const { result: r2 } = s.schedule(chatReq('hi'), [ep('a', { waiting: 0, kvUsage: 0.2 }), ep('b', { waiting: 2, kvUsage: 0 })]);
    expect(r2.profileResults.default!.targets[0]!.name).toBe('a');
  });

  it('P/D: decode profile first, prefill added for a long prompt, header set by the pre-request handler', () => {
    const s = createScheduler(loadEppConfig(fixture('seed-pd-epp-config.yaml'), { version: 'v0.7' }), { rng: createRng(1), xxh64, hashBlock });
    const eps = [ep('p1', {}, 'prefill'), ep('d1', {}, 'decode')];
    const long = chatReq('ocean valley desert '.repeat(40));
    const out = s.schedule(long, eps);
    expect(out.result.primaryProfileName).toBe('decode');
    expect(out.result.profileResults.decode!.targets[0]!.name).toBe('d1');
    expect(out.result.profileResults.prefill!.targets[0]!.name).toBe('p1');
    expect(out.result.disaggDecision).toBe('prefill-decode');
    const headers: Record<string, string> = {};
    s.preRequest(long, out, headers);
    expect(headers['x-prefiller-host-port']).toBe(eps[0]!.address);
    const short = s.schedule(chatReq('hi'), eps);
    expect(short.result.disaggDecision).toBe('decode-only');
  });

  it('no pod left after filters → NoPodsAvailableError', () => {
    const s = createScheduler(loadEppConfig(fixture('seed-pd-epp-config.yaml'), { version: 'v0.7' }), { rng: createRng(1), xxh64, hashBlock });
    expect(() => s.schedule(chatReq('hi'), [ep('p1', {}, 'prefill')])).toThrow(NoPodsAvailableError);
  });
});
