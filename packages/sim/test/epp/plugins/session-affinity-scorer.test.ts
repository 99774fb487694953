import { describe, expect, it } from 'vitest';
import { createSessionAffinityScorer, encodeSessionToken } from '../../../src/epp/plugins/session-affinity-scorer.ts';
import { chatReq, ep } from '../endpoints.ts';

describe('session-affinity-scorer', () => {
  it('scores the pod named by base64(ns/pod) 1 and the rest 0; returns the serving pod token', () => {
    const s = createSessionAffinityScorer('s');
    const token = encodeSessionToken('default', 'b');
    expect(Buffer.from(token, 'base64').toString()).toBe('default/b');
    const scores = s.score(chatReq('x', { headers: { 'x-session-token': token } }), [ep('a'), ep('b')], new Map());
    expect([...scores]).toEqual([['a', 0], ['b', 1]]);
    expect([...s.score(chatReq('x'), [ep('a'), ep('b')], new Map()).values()]).toEqual([0, 0]);
    const hdr = s.responseHeaders!(chatReq('x'), { primaryProfileName: 'p', profileResults: { p: { targets: [ep('a')], totals: new Map(), perScorer: {} } } });
    expect(hdr).toEqual({ 'x-session-token': encodeSessionToken('default', 'a') });
  });
});
