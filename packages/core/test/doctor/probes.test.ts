// The doctor's probe readers on text shaped like upstream's: zap console and JSON EPP log lines (GIE
// v1.4.0 pkg/epp/requestcontrol/director.go:304, development-mode console encoder per
// pkg/epp/server/options.go:117), and Prometheus expositions with registered-but-empty counters.
import { mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkEppLog, checkPodMetrics, checkRequestId, logOffset, metricNames, requestIdEchoed, sampleNames, scanEppLog, VERBOSITY3_FIX } from '../../src/doctor/probes.ts';

const dir = mkdtempSync(join(tmpdir(), 'rb-doctor-probes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scanEppLog', () => {
  it('reads only lines appended after the offset, in both zap encodings', async () => {
    const p = join(dir, 'epp.log');
    writeFileSync(p, '{"level":"Level(-3)","msg":"Request handled","x-request-id":"old"}\n');
    const off = await logOffset(p);
    appendFileSync(
      p,
      [
        '2026-12-02T14:00:00.000Z\tLEVEL(-3)\trequestcontrol/director.go:304\tRequest handled\t{"x-request-id": "ours-1", "endpoint": "10.0.0.5:8000"}',
        '[pod/epp-0/epp] {"level":"Level(-4)","msg":"Calculated score","x-request-id":"ours-1","plugin":"queue-scorer/queue-scorer","score":1}',
        'not a log line',
        '',
      ].join('\n'),
    );
    const scan = await scanEppLog(p, off);
    expect(scan.handledIds).toEqual(['ours-1']);
    expect(scan.scoreLines).toBe(1);
    expect(await logOffset(join(dir, 'missing.log'))).toBe(0);
  });

  it('no "Request handled" at all means verbosity below 3', () => {
    const [handled] = checkEppLog({ handledIds: [], scoreLines: 0, lines: 5 }, ['x']);
    expect(handled).toMatchObject({ reachable: false, fix: VERBOSITY3_FIX });
  });
});

describe('request id', () => {
  const probe = (headers: Record<string, string>, body: string) => ({ requestId: 'rid-123', stream: false, res: { status: 200, headers, body } });
  it('is echoed by header or completion id, not otherwise', () => {
    expect(requestIdEchoed(probe({ 'x-request-id': 'rid-123' }, '{}'))).toBe(true);
    expect(requestIdEchoed(probe({}, '{"id":"chatcmpl-rid-123"}'))).toBe(true);
    expect(requestIdEchoed(probe({ 'x-request-id': 'other' }, '{"id":"chatcmpl-abc"}'))).toBe(false);
    expect(checkRequestId([probe({}, '{}')], undefined).fix).toMatch(/--epp-log/);
  });
});

describe('metrics', () => {
  const text = ['# TYPE llm_d_inference_scheduler_disagg_decision_total counter', '# TYPE vllm:nixl_xfer_time_seconds histogram', 'vllm:nixl_xfer_time_seconds_count 2', ''].join('\n');
  it('tells registered families from ones with samples, _total stripped', () => {
    expect(metricNames(text).has('llm_d_inference_scheduler_disagg_decision')).toBe(true);
    expect(sampleNames(text).has('llm_d_inference_scheduler_disagg_decision')).toBe(false);
  });
  it('pod metrics without vllm:* are not evidence', () => {
    const [pm] = checkPodMetrics([{ url: 'http://p/metrics', names: new Set(['process_cpu_seconds']) }]);
    expect(pm).toMatchObject({ reachable: false });
    expect(checkPodMetrics([])[0]!.fix).toMatch(/--pod-metrics/);
  });
});
