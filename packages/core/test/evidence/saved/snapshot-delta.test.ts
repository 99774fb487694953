// Metric deltas from saved before/after exposition files (fixtures: vLLM V1 and GIE v1.5 EPP expositions,
// see ../fixtures/README.md), computed by the live collector: per-target files (NAME=FILE, curl-style),
// one file split by the `pod`/`instance` labels Prometheus puts on scraped series, and a target missing
// from one phase — incomplete, its error naming the files.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { formatExposition, parseSnapshotSpec, readSnapshotFiles, saveMetricsSnapshot, snapshotEvidence } from '../../../src/evidence/saved/snapshot-delta.ts';
import { parsePrometheusText } from '../../../src/evidence/prom-parse.ts';
import { sendText, startExpositionServer } from '../exposition-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'rb-snapshots-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fixture = (n: string) => readFileSync(join(import.meta.dirname, '..', 'fixtures', n), 'utf8');
const write = (name: string, text: string | Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
/** The fixture with every value of one series raised by `by`. */
const raise = (text: string, series: string, by: number) =>
  text.replace(new RegExp(`^(${series.replace(/[{}]/g, '\\$&')}\\S* )(\\S+)$`, 'gm'), (_m, head: string, v: string) => `${head}${Number(v) + by}`);

describe('snapshot specs', () => {
  it('[NAME[@HOST:PORT]=]FILE', () => {
    expect(parseSnapshotSpec('snap/before.prom')).toEqual({ file: 'snap/before.prom' });
    expect(parseSnapshotSpec('decode-0=/tmp/a=b.prom')).toEqual({ target: 'decode-0', file: '/tmp/a=b.prom' });
    expect(parseSnapshotSpec('decode-0@10.0.0.5:8000=a.prom')).toEqual({ target: 'decode-0', address: '10.0.0.5:8000', file: 'a.prom' });
  });
});

describe('snapshotEvidence', () => {
  const vllm = fixture('vllm-v1.prom');
  const epp = fixture('epp-gie-1.5.prom');

  it('per-target files (one gzipped): counter deltas as the collector computes them, the EPP told by its families', async () => {
    const before = [write('pod-a.before.prom', vllm), `epp=${write('epp.before.prom', gzipSync(epp))}`];
    const after = [write('pod-a.after.prom', raise(vllm, 'vllm:prefix_cache_queries_total', 2000)), `epp=${write('epp.after.prom', raise(epp, 'inference_extension_scheduler_attempts_total{namespace="default",pod_name="vllm-0"', 5))}`];
    const ev = await snapshotEvidence({
      before: before.map(parseSnapshotSpec).map((s) => (s.target ? s : { ...s, target: 'pod-a' })),
      after: after.map(parseSnapshotSpec).map((s) => (s.target ? s : { ...s, target: 'pod-a' })),
      beforeAtMs: 1_000,
      afterAtMs: 9_000,
    });
    const targets = ev.sources[0]!.targets;
    const pod = targets.find((t) => t.name === 'pod-a')!;
    expect(pod.complete).toBe(true);
    expect(pod.counters.find((c) => c.metric === 'vllm:prefix_cache_queries')!.delta).toBe(2000);
    expect(pod.counters.find((c) => c.metric === 'vllm:prefix_cache_hits')!.delta).toBe(0);
    const e = targets.find((t) => t.name === 'epp')!;
    expect(e.role).toBe('epp');
    expect(e.counters.filter((c) => c.metric === 'inference_extension_scheduler_attempts').reduce((a, c) => a + c.delta, 0)).toBe(5);
    expect(ev.window).toEqual({ startMs: 1_000, endMs: 9_000 });
    expect(ev.startedAtEpochMs).toBe(1_000);
  });

  it('one file per phase split by the pod label, the address from instance; a pod missing before is incomplete, naming the file', async () => {
    // As a Prometheus /federate dump groups them: one family block, the series of every target inside it.
    const federate = (...targets: Array<[text: string, pod: string, instance: string]>) => {
      const parsed = targets.map(([text, pod, instance]) => parsePrometheusText(text).families.map((f) => ({ ...f, samples: f.samples.map((s) => ({ ...s, labels: { ...s.labels, pod, instance } })) })));
      return formatExposition(parsed[0]!.map((f, i) => ({ ...f, samples: parsed.flatMap((fams) => fams[i]!.samples) })));
    };
    const before = write('fed.before.prom', federate([vllm, 'decode-a', '10.0.0.5:8000']));
    const after = write('fed.after.prom', federate([raise(vllm, 'vllm:request_success_total', 3), 'decode-a', '10.0.0.5:8000'], [vllm, 'decode-b', '10.0.0.6:8000']));
    const read = readSnapshotFiles([{ file: after }], '--metrics-after');
    expect([...read.keys()]).toEqual(['decode-a', 'decode-b']);
    expect(read.get('decode-b')!.address).toBe('10.0.0.6:8000');
    // The target labels are taken off the series.
    expect(read.get('decode-a')!.families.some((f) => f.samples.some((s) => 'pod' in s.labels || 'instance' in s.labels))).toBe(false);

    const ev = await snapshotEvidence({ before: [{ file: before }], after: [{ file: after }], beforeAtMs: 0, afterAtMs: 1 });
    const [a, b] = ['decode-a', 'decode-b'].map((n) => ev.sources[0]!.targets.find((t) => t.name === n)!);
    expect(a!.address).toBe('10.0.0.5:8000');
    expect(a!.counters.filter((c) => c.metric === 'vllm:request_success').reduce((x, c) => x + c.delta, 0)).toBe(3 * a!.counters.filter((c) => c.metric === 'vllm:request_success').length);
    expect(b!.complete).toBe(false);
    expect(ev.sources[0]!.errors).toEqual([expect.objectContaining({ target: 'decode-b', phase: 'before', message: `target decode-b is in no --metrics-before file (${before})` })]);
  });

  it('refuses a file that is not an exposition, naming the flag and the file', () => {
    const bad = write('bad.prom', 'this is not { an exposition\n');
    expect(() => readSnapshotFiles([{ file: bad }], '--metrics-before')).toThrow(`--metrics-before ${bad}: not Prometheus text exposition`);
  });

  it('saveMetricsSnapshot labels every series with pod and instance, which the reader takes back off', async () => {
    const server = await startExpositionServer((_n, _req, res) => sendText(res, vllm));
    try {
      const text = await saveMetricsSnapshot({ kind: 'static', targets: [{ name: 'decode-a', url: `${server.url}/metrics` }] });
      const f = write('saved.prom', text);
      const read = readSnapshotFiles([{ file: f }], '--metrics-before');
      expect([...read.keys()]).toEqual(['decode-a']);
      expect(read.get('decode-a')!.address).toBe(new URL(server.url).host);
      expect(read.get('decode-a')!.families.map((x) => x.name)).toEqual(parsePrometheusText(vllm).families.map((x) => x.name));
    } finally {
      await server.close();
    }
  });
});
