// Saved logs as users have them: gzip told by its bytes, kubectl --prefix/--timestamps and CRI wrappers,
// zap JSON and console lines mixed with plain text, cut-off lines; unknown lines counted, never fatal.
// EPP lines: fixtures/upstream-epp-logs (built from the upstream log calls, see its SOURCE.md); vLLM lines:
// upstream/vllm-logs.ts formatters (vllm/logger.py format, RequestLogger.log_inputs message).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { EppLogFormatSchema } from '../../../src/evidence/attribution/epp-log.ts';
import { isGzipFile, podOfFileName, readSavedEppLogs, readSavedPodLogs, verbosityOfZapLevel } from '../../../src/evidence/saved/read-saved-logs.ts';
import { formatReceivedRequest, formatSamplingParams, formatVllmLogLine, loggedRequestId, requestIdCandidates } from '../../../src/upstream/vllm-logs.ts';

const dir = mkdtempSync(join(tmpdir(), 'rb-saved-logs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fixture = (n: string) => readFileSync(join(import.meta.dirname, '..', 'fixtures', 'upstream-epp-logs', n), 'utf8');
const format = EppLogFormatSchema.parse({});
const write = (name: string, data: string | Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
};

describe('readSavedEppLogs', () => {
  it('reads JSON and console EPP lines, gzipped or not, whatever the file is called, counting what it skips', async () => {
    const json = fixture('v07-json.log'); // req-1, "Request handled" endpoint 10.0.0.1:8000 at Level(-3), score lines at Level(-4)
    const consoleLog = fixture('router-console.log'); // req-2 with the kubectl --prefix, console encoding
    const mixed = join(dir, 'epp-a.log.gz'); // named .gz, not gzip
    writeFileSync(
      mixed,
      [
        'I1206 01:00:00.000000       1 main.go:42] plain klog text',
        '',
        ...json.split('\n').filter(Boolean).map((l) => `2026-12-06T01:00:00.123456789Z stdout F ${l}`), // CRI file form
        '{"level":"info","ts":1,"msg":"Request handled","x-request-id":"someone-else","endpoint":"10.0.0.9:8000"}',
        '{"level":"Level(-3)","ts":1,"msg":"Request hand', // cut off mid-write
        '',
      ].join('\n'),
    );
    const gz = join(dir, 'epp-b.txt'); // gzip, named .txt
    writeFileSync(gz, gzipSync(consoleLog));
    expect(isGzipFile(mixed)).toBe(false);
    expect(isGzipFile(gz)).toBe(true);

    const r = await readSavedEppLogs([mixed, gz], format, new Set(['req-1', 'req-2']));
    expect([...r.picks.keys()].sort()).toEqual(['req-1', 'req-2']);
    // req-1: the picker result (an object) then "Request handled" (ip:port), in log order.
    expect(r.picks.get('req-1')!.raws).toEqual([expect.objectContaining({ PodName: 'decode-a', Address: '10.0.0.1', Port: '8000' }), '10.0.0.1:8000']);
    expect(r.picks.get('req-1')!.file).toBe(mixed);
    expect(r.picks.get('req-2')).toMatchObject({ raws: ['10.0.0.2:8000'], file: gz });
    // The picker line pairs the pod with its address: the EPP's own name for 10.0.0.1:8000.
    expect(r.learnedAddresses).toEqual({ '10.0.0.1:8000': 'decode-a' });
    expect(r.foreignPickIds).toBe(1);
    expect(r.unparsableLines).toBe(1);
    expect(r.otherLines).toBe(2); // the klog line and the blank line
    expect(r.zapLines).toBe(json.split('\n').filter(Boolean).length + consoleLog.split('\n').filter(Boolean).length + 1);
    expect(r.maxVerbosity).toBe(4);
    // The claims get this run's score/pick lines, not someone else's.
    expect(r.claimLines.some((l) => l.includes('someone-else'))).toBe(false);
    expect(r.claimLines.filter((l) => l.includes('Calculated score')).length).toBeGreaterThan(0);
  });

  it('hands the claims every line when none carries this run\'s ids (a gateway that replaced them)', async () => {
    const f = join(dir, 'foreign.log');
    writeFileSync(f, fixture('v07-json.log'));
    const r = await readSavedEppLogs([f], format, new Set(['rb-ours-1']));
    expect(r.picks.size).toBe(0);
    expect(r.foreignPickIds).toBe(1);
    expect(r.claimLines.length).toBeGreaterThan(0);
  });

  it('a gzip cut off mid-file: the lines before the cut are read, and the file is reported, not thrown', async () => {
    const whole = gzipSync(fixture('v07-json.log').repeat(200));
    const cut = write('cut.log.gz', whole.subarray(0, Math.floor(whole.length * 0.6)));
    const r = await readSavedEppLogs([cut], format, new Set(['req-1']));
    expect(r.zapLines).toBeGreaterThan(0);
    expect(r.picks.has('req-1')).toBe(true);
    expect(r.errors).toEqual([expect.stringContaining(`${cut}: unreadable past some point (`)]);
  });

  it('logr V-levels from zap level strings (JSON lower case, console upper case)', () => {
    expect([verbosityOfZapLevel('info'), verbosityOfZapLevel('debug'), verbosityOfZapLevel('Level(-4)'), verbosityOfZapLevel('LEVEL(-3)'), verbosityOfZapLevel('error')]).toEqual([0, 1, 4, 3, null]);
  });
});

describe('readSavedPodLogs', () => {
  it('one file per pod (the simulator\'s vllm-<pod>.log too), gzip by bytes, a --prefix naming another pod wins', async () => {
    const pods = join(dir, 'pods');
    mkdirSync(pods);
    const line = (id: string) => formatVllmLogLine({ processName: 'APIServer', message: formatReceivedRequest(loggedRequestId('chat', id), formatSamplingParams({ maxTokens: 16 })) });
    writeFileSync(join(pods, 'vllm-agg-0.log'), [line('rb-1'), 'INFO 12-06 01:00:00 [loggers.py:123] Engine 000: Avg prompt throughput: 0.0 tokens/s', line('not-ours')].join('\n'));
    writeFileSync(join(pods, 'agg-1.log'), gzipSync([line('rb-2'), `[pod/agg-2/vllm] 2026-12-06T01:00:00.1Z ${line('rb-3')}`].join('\n')));
    const r = await readSavedPodLogs(pods, new Set(['rb-1', 'rb-2', 'rb-3']), requestIdCandidates, new Set(['agg-0', 'agg-1', 'agg-2']));
    expect(r.requestLines).toBe(4);
    expect(r.otherLines).toBe(1);
    expect(r.entries.map((e) => [e.pod, e.loggedId])).toEqual([
      ['agg-1', 'chatcmpl-rb-2'],
      ['agg-2', 'chatcmpl-rb-3'],
      ['agg-0', 'chatcmpl-rb-1'],
    ]);
  });

  it('names a pod after its file, keeping a vllm- prefix unless the run knows the pod without it', () => {
    expect(podOfFileName('decode-0.log.gz')).toBe('decode-0');
    expect(podOfFileName('vllm-0.log')).toBe('vllm-0');
    expect(podOfFileName('vllm-agg-0.log', new Set(['agg-0']))).toBe('agg-0');
  });
});
