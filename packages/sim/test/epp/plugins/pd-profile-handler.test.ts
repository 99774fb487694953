// pd-profile-handler / disagg-profile-handler, prefix-based-pd-decider, prefill-header-handler.
import { describe, expect, it } from 'vitest';
import { createPdProfileHandler } from '../../../src/epp/plugins/pd-profile-handler.ts';
import { createPrefillHeaderHandler } from '../../../src/epp/plugins/prefill-header-handler.ts';
import { createPrefixBasedPdDecider } from '../../../src/epp/plugins/prefix-based-pd-decider.ts';
import { PREFIX_MATCH_INFO_KEY, type ProfileResult } from '../../../src/epp/scheduling-types.ts';
import { chatReq, ep } from '../endpoints.ts';

const pr = (name: string, role: 'prefill' | 'decode'): ProfileResult => ({ targets: [ep(name, {}, role)], totals: new Map(), perScorer: {} });
const longText = 'x'.repeat(400); // json(messages) ≈ 430 bytes ≈ 107 "tokens"

describe('prefix-based-pd-decider', () => {
  const d = createPrefixBasedPdDecider('d', { nonCachedTokens: 16 });
  const info = (blocks: number) => new Map<string, unknown>([[PREFIX_MATCH_INFO_KEY, { matchBlocks: new Map([['d1', blocks]]), totalBlocks: 6, blockSizeTokens: 16 }]]);
  it('short input → no P/D; long uncached → P/D; mostly cached → no P/D; no match info → no P/D', () => {
    expect(d.disaggregate(chatReq('hi'), ep('d1'), info(0))).toBe(false);
    expect(d.disaggregate(chatReq(longText), ep('d1'), info(0))).toBe(true);
    expect(d.disaggregate(chatReq(longText), ep('d1'), info(6))).toBe(false); // 107 − 96 = 11 < 16
    expect(d.disaggregate(chatReq(longText), ep('d1'), new Map())).toBe(false);
  });
});

describe('pd profile handlers', () => {
  it('decode first; prefill only when the decider says so; decode is primary', () => {
    const h = createPdProfileHandler('h', { type: 'disagg-profile-handler', decider: createPrefixBasedPdDecider('d', { nonCachedTokens: 16 }) });
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

  it('v0.4.0 threshold mode: decode-only below the threshold, threshold 0 always splits', () => {
    const h = createPdProfileHandler('h', { type: 'pd-profile-handler', threshold: 100 });
    expect(h.pick(chatReq('short'), ['prefill', 'decode'], { decode: pr('d1', 'decode') }, new Map())).toEqual([]);
    expect(h.pick(chatReq(longText), ['prefill', 'decode'], { decode: pr('d1', 'decode') }, new Map())).toEqual(['prefill']);
    const h0 = createPdProfileHandler('h', { type: 'pd-profile-handler', threshold: 0 });
    expect(h0.pick(chatReq('short'), ['prefill', 'decode'], { decode: pr('d1', 'decode') }, new Map())).toEqual(['prefill']);
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
