// pd-profile-handler / disagg-profile-handler, prefix-based-pd-decider, prefill-header-handler.
import { describe, expect, it } from 'vitest';
import { createPdProfileHandler } from '../../../src/epp/plugins/pd-profile-handler.ts';
import { createPrefillHeaderHandler } from '../../../src/epp/plugins/prefill-header-handler.ts';
import { createPrefixBasedPdDecider } from '../../../src/epp/plugins/prefix-based-pd-decider.ts';
import { PREFIX_MATCH_INFO_KEY, type ProfileResult } from '../../../src/epp/scheduling-types.ts';
import { chatReq, ep } from '../endpoints.ts';

const pr = (name: string, role: 'prefill' | 'decode'): ProfileResult => ({ targets: [ep(name, {}, role)], totals: new Map(), perScorer: {} });
const longText = 'x'.repeat(400); // json(messages) ≈ 430 bytes ≈ 107 "tokens"

describe.each(['v0.7', 'router'] as const)('prefix-based-pd-decider (%s)', (version) => {
  const d = createPrefixBasedPdDecider('d', { nonCachedTokens: 16 }, version);
  const info = (blocks: number) => new Map<string, unknown>([[PREFIX_MATCH_INFO_KEY, { matchBlocks: new Map([['d1', blocks]]), totalBlocks: 6, blockSizeTokens: 16 }]]);
  it('short input → no P/D; long uncached → P/D; mostly cached → no P/D; no match info → no P/D', () => {
    expect(d.disaggregate(chatReq('hi'), ep('d1'), info(0))).toBe(false);
    expect(d.disaggregate(chatReq(longText), ep('d1'), info(0))).toBe(true);
    expect(d.disaggregate(chatReq(longText), ep('d1'), info(6))).toBe(false); // 107 − 96 = 11 < 16
    expect(d.disaggregate(chatReq(longText), ep('d1'), new Map())).toBe(false);
  });
  it('nonCachedTokens 0 (or unset) disables it: never splits, even for a long uncached prompt (SCHED v0.7.0+, #691)', () => {
    for (const params of [{ nonCachedTokens: 0 }, {}]) expect(createPrefixBasedPdDecider('d0', params, version).disaggregate(chatReq(longText), ep('d1'), info(0))).toBe(false);
  });
});

describe('prefix-based-pd-decider (SCHED v0.6.0 semantics, for contrast)', () => {
  it('nonCachedTokens 0 always splits', () => {
    expect(createPrefixBasedPdDecider('d0', { nonCachedTokens: 0 }, 'legacy-v0.6').disaggregate(chatReq('hi'), ep('d1'), new Map())).toBe(true);
  });
});

describe('prefix-based-pd-decider promptTokens (router only)', () => {
  it('a prompt shorter than promptTokens is not split in router; v0.7 ignores the field', () => {
    const info = new Map<string, unknown>([[PREFIX_MATCH_INFO_KEY, { matchBlocks: new Map(), totalBlocks: 6, blockSizeTokens: 16 }]]);
    expect(createPrefixBasedPdDecider('d', { nonCachedTokens: 16, promptTokens: 500 }, 'router').disaggregate(chatReq(longText), ep('d1'), info)).toBe(false);
    expect(createPrefixBasedPdDecider('d', { nonCachedTokens: 16, promptTokens: 500 }, 'v0.7').disaggregate(chatReq(longText), ep('d1'), info)).toBe(true);
  });
});

describe('pd profile handlers', () => {
  it('decode first; prefill only when the decider says so; decode is primary', () => {
    const h = createPdProfileHandler('h', { type: 'disagg-profile-handler', decider: createPrefixBasedPdDecider('d', { nonCachedTokens: 16 }, 'v0.7') });
    const names = ['prefill', 'decode'];
    const cycle = new Map<string, unknown>([[PREFIX_MATCH_INFO_KEY, { matchBlocks: new Map(), totalBlocks: 6, blockSizeTokens: 16 }]]);
    expect(h.pick(chatReq(longText), names, {}, cycle)).toEqual(['decode']);
    expect(h.pick(chatReq(longText), names, { decode: pr('d1', 'decode') }, cycle)).toEqual(['prefill']);
    const both = { decode: pr('d1', 'decode'), prefill: pr('p1', 'prefill') };
    expect(h.pick(chatReq(longText), names, both, cycle)).toEqual([]);
    expect(h.processResults(chatReq(longText), both, cycle)).toMatchObject({ primaryProfileName: 'decode', disaggDecision: 'prefill-decode' });
    expect(h.pick(chatReq('hi'), names, { decode: pr('d1', 'decode') }, cycle)).toEqual([]);
    expect(h.processResults(chatReq('hi'), { decode: pr('d1', 'decode') }, cycle).disaggDecision).toBe('decode-only');
    expect(h.pick(chatReq(longText), names, { decode: null }, cycle)).toEqual([]);
  });

  it('without a prefill decider P/D is disabled ("No deciders.prefill configured")', () => {
    const h = createPdProfileHandler('h', { type: 'disagg-profile-handler' });
    expect(h.pick(chatReq(longText), ['prefill', 'decode'], { decode: pr('d1', 'decode') }, new Map())).toEqual([]);
  });

  it('router: the disagg handler itself writes x-prefiller-host-port (PreRequest); v0.7 leaves that to disagg-headers-handler', () => {
    const both = { primaryProfileName: 'decode', profileResults: { decode: pr('d1', 'decode'), prefill: pr('p1', 'prefill') } };
    const headers: Record<string, string> = {};
    createPdProfileHandler('h', { type: 'disagg-profile-handler', setsPrefillerHeader: true }).preRequest!(chatReq('x'), both, headers);
    expect(headers['x-prefiller-host-port']).toBe(both.profileResults.prefill.targets[0]!.address);
    expect(createPdProfileHandler('h', { type: 'disagg-profile-handler' }).preRequest).toBeUndefined();
  });
});

describe('prefill-header-handler', () => {
  it('replaces any incoming x-prefiller-host-port with the prefill pick, or removes it', () => {
    const h = createPrefillHeaderHandler('h', 'prefill-header-handler');
    const headers: Record<string, string> = { 'x-prefiller-host-port': 'evil:1' };
    const p = pr('p1', 'prefill');
    h.preRequest(chatReq('x'), { primaryProfileName: 'decode', profileResults: { decode: pr('d1', 'decode'), prefill: p } }, headers);
    expect(headers['x-prefiller-host-port']).toBe(p.targets[0]!.address);
    h.preRequest(chatReq('x'), { primaryProfileName: 'decode', profileResults: { decode: pr('d1', 'decode') } }, headers);
    expect(headers['x-prefiller-host-port']).toBeUndefined();
  });
});
