import { describe, expect, it } from 'vitest';
import { parseZapLine, pluginMatches, podOfScoredEndpoint, zapLevel } from '../../src/upstream/epp-logs.ts';

describe('upstream EPP log helpers', () => {
  it('names zap levels for logr V-levels in both encoders', () => {
    expect(zapLevel(0)).toBe('info');
    expect(zapLevel(1)).toBe('debug');
    expect(zapLevel(3)).toBe('Level(-3)');
    expect(zapLevel(4, 'console')).toBe('LEVEL(-4)');
  });
  it('parses console lines with and without a fields object', () => {
    expect(parseZapLine('2026-12-02T10:00:00Z\tINFO\tsetup\tmain.go:1\tstarting\t{"a": 1}')).toEqual({ a: 1, msg: 'starting' });
    expect(parseZapLine('2026-12-02T10:00:00Z\tINFO\tmain.go:1\tstarting')).toEqual({ msg: 'starting' });
    expect(parseZapLine('not a zap line')).toBeNull();
    expect(parseZapLine('{"msg": broken')).toBeNull();
  });
  it('maps logged endpoints and plugins', () => {
    expect(podOfScoredEndpoint({ name: 'vllm-0-rank-1', namespace: 'ns' })).toBe('vllm-0');
    expect(podOfScoredEndpoint('ns/vllm-0-rank-0')).toBe('vllm-0');
    expect(podOfScoredEndpoint(7)).toBeNull();
    expect(pluginMatches('kv/kv-cache-utilization-scorer', 'kv-cache-utilization-scorer')).toBe(true);
    expect(pluginMatches('queue-scorer/queue-scorer', 'kv-cache-utilization-scorer')).toBe(false);
    expect(pluginMatches({ type: 'queue-scorer', name: 'q' }, 'queue-scorer')).toBe(true);
  });
});
