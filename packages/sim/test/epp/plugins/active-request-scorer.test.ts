import { describe, expect, it } from 'vitest';
import { createActiveRequestScorer } from '../../../src/epp/plugins/active-request-scorer.ts';
import type { SchedulingResult } from '../../../src/epp/scheduling-types.ts';
import { chatReq, ep } from '../endpoints.ts';

describe('active-request-scorer', () => {
  it('(max − count)/max over in-flight requests, released on completion or after requestTimeout', () => {
    let t = 0;
    const s = createActiveRequestScorer('a', { requestTimeout: '1s' }, () => t);
    const a = ep('a');
    const b = ep('b');
    const res = (e: typeof a): SchedulingResult => ({ primaryProfileName: 'default', profileResults: { default: { targets: [e], totals: new Map(), perScorer: {} } } });
    s.preRequest!(chatReq('x', { requestId: '1' }), res(a), new Map());
    s.preRequest!(chatReq('x', { requestId: '2' }), res(a), new Map());
    s.preRequest!(chatReq('x', { requestId: '3' }), res(b), new Map());
    expect([...s.score(chatReq('y'), [a, b], new Map())]).toEqual([['a', 0], ['b', 0.5]]);
    s.responseComplete!(chatReq('x', { requestId: '1' }), res(a));
    expect([...s.score(chatReq('y'), [a, b], new Map())]).toEqual([['a', 0], ['b', 0]]);
    t = 2000; // both remaining entries expire
    expect([...s.score(chatReq('y'), [a, b], new Map())]).toEqual([['a', 1], ['b', 1]]);
  });
});
