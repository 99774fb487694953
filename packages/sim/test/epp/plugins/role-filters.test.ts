// decode-filter and prefill-filter.
import { describe, expect, it } from 'vitest';
import { createDecodeFilter } from '../../../src/epp/plugins/decode-filter.ts';
import { createPrefillFilter } from '../../../src/epp/plugins/prefill-filter.ts';
import { chatReq, ep } from '../endpoints.ts';

describe('role filters', () => {
  const eps = [ep('p', {}, 'prefill'), ep('d', {}, 'decode'), ep('x', {}, 'both')];
  it('decode-filter keeps decode and unlabelled (both); prefill-filter keeps prefill', () => {
    expect(createDecodeFilter('d').filter(chatReq('x'), eps, new Map()).map((e) => e.name)).toEqual(['d', 'x']);
    expect(createPrefillFilter('p').filter(chatReq('x'), eps, new Map()).map((e) => e.name)).toEqual(['p']);
  });
});
