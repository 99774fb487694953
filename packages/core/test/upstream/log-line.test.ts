// The wrappers a saved log carries (kubectl --prefix/--timestamps, CRI log files, colour) must not change
// what the readers find: every upstream fixture line is read the same bare and wrapped.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unwrapLogLine } from '../../src/upstream/log-line.ts';
import { parseEppLog } from '../../src/evidence/attribution/epp-log.ts';
import { readScorerPicks } from '../../src/claims/scorer-picks.ts';
import { readPreciseScores } from '../../src/claims/precise-scores.ts';
import { parseVllmLogLine } from '../../src/evidence/attribution/vllm-request-log.ts';

const fixture = (f: string) => readFileSync(join(import.meta.dirname, '../evidence/fixtures/upstream-epp-logs', f), 'utf8');
const bare = (text: string) => text.split('\n').map((l) => l.replace(/^\[pod\/[^\]]+\] /, '')).join('\n');
const wrap = (text: string, f: (l: string) => string) => text.split('\n').map((l) => (l ? f(l) : l)).join('\n');

describe('unwrapLogLine', () => {
  it('strips kubectl --prefix, --timestamps (in kubectl order), CRI file tags, colour and CR, and keeps the pod', () => {
    expect(unwrapLogLine('[pod/epp-1/epp] 2025-06-01T12:00:00.123456789Z {"msg":"x"}\r')).toEqual({ text: '{"msg":"x"}', pod: 'epp-1' });
    expect(unwrapLogLine('2025-06-01T12:00:00.123456789+02:00 stdout F {"msg":"x"}')).toEqual({ text: '{"msg":"x"}' });
    expect(unwrapLogLine('\x1b[32mINFO\x1b[0m 12-05 10:00:00 x')).toEqual({ text: 'INFO 12-05 10:00:00 x' });
    // zap's console encoder starts with its own timestamp and a TAB: that is the line itself, kept.
    expect(unwrapLogLine('2026-12-02T10:00:00.201Z\tLEVEL(-3)\tx').text).toBe('2026-12-02T10:00:00.201Z\tLEVEL(-3)\tx');
  });

  it('EPP readers find the same picks and scores in bare, --timestamps, --prefix --timestamps and CRI-file forms', () => {
    for (const f of ['v07-json.log', 'router-console.log']) {
      const plain = bare(fixture(f));
      const forms = [
        plain,
        wrap(plain, (l) => `2026-12-02T10:00:00.201234567Z ${l}`),
        wrap(plain, (l) => `[pod/epp-7f9c/epp] 2026-12-02T10:00:00.201234567Z ${l}`),
        wrap(plain, (l) => `2026-12-02T10:00:00.201234567Z stdout F ${l}`),
      ];
      const want = parseEppLog(plain);
      expect(want.picks.size).toBeGreaterThan(0);
      for (const text of forms) {
        expect([...parseEppLog(text).picks]).toEqual([...want.picks]);
        expect(readScorerPicks(text, 'kv-cache-utilization-scorer', 0.01, { '10.0.0.2:8000': 'decode-b' })).toEqual(readScorerPicks(plain, 'kv-cache-utilization-scorer', 0.01, { '10.0.0.2:8000': 'decode-b' }));
        expect(readPreciseScores(text)).toEqual(readPreciseScores(plain));
      }
    }
  });

  it('vLLM request-log lines keep their id and the pod from a --prefix under --timestamps', () => {
    const line = 'INFO 12-05 10:00:00 [logger.py:43] Received request chatcmpl-abc: prompt: \'hi\', params: SamplingParams(n=1)';
    expect(parseVllmLogLine(`[pod/vllm-0/vllm] 2026-12-05T10:00:00.000000001Z ${line}`, 'caller')).toMatchObject({ pod: 'vllm-0', loggedId: 'chatcmpl-abc', kind: 'received' });
  });
});
