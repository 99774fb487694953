// Merging shards' evidence (record/merge-evidence.ts), with evidence from the real collector scraping loopback
// pods whose counters move while the shards' windows overlap, as the pods of a Kubernetes Job sending to one
// gateway would see them; and run folders written by the real run-folder code.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCollector } from '../../src/evidence/collector.ts';
import type { MetricsEvidence } from '../../src/evidence/metrics-evidence.ts';
import { mergeMetricsEvidence, mergeRunEvidence, runEvidenceFromFolder } from '../../src/record/merge-evidence.ts';
import { writeJsonAtomic } from '../../src/output/run-folder.ts';
import type { RunEvidence } from '../../src/claims/context.ts';
import { closeFixtureServers, rec, summary, vllmText, type PodState } from '../claims/evidence-fixtures.ts';
import { sendText, startExpositionServer, type ExpositionServer } from '../evidence/exposition-server.ts';

const servers: ExpositionServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await closeFixtureServers();
});

/** A pod whose exposition is whatever `state` holds when it is scraped. */
async function livePod(state: PodState): Promise<{ url: string; set: (s: PodState) => void }> {
  let current = state;
  const s = await startExpositionServer((_n, _req, res) => sendText(res, vllmText(current)));
  servers.push(s);
  return { url: `${s.url}/metrics`, set: (x) => (current = x) };
}

const startOn = (pods: Record<string, string>) =>
  startCollector({ sources: [{ kind: 'static', name: 'scenario', targets: Object.entries(pods).map(([name, url]) => ({ name, url })) }], intervalMs: 50 });

const counter = (m: MetricsEvidence, pod: string, metric: string) =>
  m.sources.flatMap((s) => s.targets.filter((t) => t.name === pod)).flatMap((t) => t.counters.filter((c) => c.metric === metric)).reduce((a, c) => a + c.delta, 0);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('mergeMetricsEvidence', () => {
  it('shared target: overlapping shard windows give the union window’s counter deltas (what one collector over the whole run saw); own targets: deltas add', async () => {
    const a = await livePod({ success: 10, prompt: 1000, running: 1 });
    const b = await livePod({ success: 3, prompt: 300, running: 2 });
    const pods = { 'agg-0': a.url, 'agg-1': b.url };
    const whole = await startOn(pods);
    const shard0 = await startOn(pods);
    a.set({ success: 15, prompt: 1500, running: 3 });
    b.set({ success: 4, prompt: 400, running: 2 });
    await pause(120);
    const shard1 = await startOn(pods);
    a.set({ success: 22, prompt: 2200, running: 1 });
    b.set({ success: 9, prompt: 900, running: 0 });
    await pause(120);
    const e0 = await shard0.stop();
    a.set({ success: 30, prompt: 3000, running: 0 });
    b.set({ success: 12, prompt: 1200, running: 0 });
    await pause(120);
    const e1 = await shard1.stop();
    const ew = await whole.stop();

    const shared = mergeMetricsEvidence([e0, e1], { sharedTarget: true })!;
    for (const pod of ['agg-0', 'agg-1']) {
      for (const metric of ['vllm:request_success', 'vllm:prompt_tokens']) {
        // Each shard alone understates (its window is part of the run); their sum double counts the overlap.
        expect(counter(shared, pod, metric), `${pod} ${metric}`).toBe(counter(ew, pod, metric));
        expect(counter(e0, pod, metric) + counter(e1, pod, metric)).toBeGreaterThan(counter(ew, pod, metric));
      }
    }
    expect(counter(shared, 'agg-0', 'vllm:request_success')).toBe(20);
    expect(shared.window.endMs - shared.window.startMs).toBeGreaterThanOrEqual(Math.max(e0.window.endMs - e0.window.startMs, e1.window.endMs - e1.window.startMs));

    // Each shard its own cluster: the same pod names are different servers, so their increases add.
    const own = mergeMetricsEvidence([e0, e1], { sharedTarget: false })!;
    expect(counter(own, 'agg-0', 'vllm:request_success')).toBe(counter(e0, 'agg-0', 'vllm:request_success') + counter(e1, 'agg-0', 'vllm:request_success'));

    // Gauges: every shard's samples on one epoch clock, in time order.
    const points = (m: MetricsEvidence) => m.sources[0]!.targets.find((t) => t.name === 'agg-0')!.gauges.find((g) => g.metric === 'vllm:num_requests_running')!.points;
    const merged = points(shared);
    expect(merged).toHaveLength(points(e0).length + points(e1).length);
    expect(merged.map((p) => p[0])).toEqual([...merged.map((p) => p[0])].sort((x, y) => x - y));
    expect(mergeMetricsEvidence([null, null], { sharedTarget: true })).toBeNull();
  }, 30_000);
});

describe('mergeRunEvidence', () => {
  it('concatenates the records, adds record-based per-pod splits, and recomputes a counter-based split from the merged counters', async () => {
    const r0 = [rec({ pod: 'agg-0' }), rec({ pod: 'agg-0' }), rec({ pod: 'agg-1' })];
    const r1 = [rec({ pod: 'agg-1' }), rec({ pod: 'agg-0' })];
    const part = async (records: typeof r0, attribution: RunEvidence['attribution'], metrics: MetricsEvidence | null = null): Promise<RunEvidence> => ({
      summary: await summary(records),
      metrics,
      attribution,
      records,
      podRoles: { 'agg-0': 'both', 'agg-1': 'both' },
    });
    const byHeader = (counts: Record<string, number>) =>
      ({ sourcesUsed: ['header:x-inference-pod'], split: { counts, source: 'header:x-inference-pod', complete: true }, unattributed: 0, placedBy: { 'header:x-inference-pod': Object.values(counts).reduce((a, b) => a + b, 0) } }) as RunEvidence['attribution'];
    const m = mergeRunEvidence([await part(r0, byHeader({ 'agg-0': 2, 'agg-1': 1 })), await part(r1, byHeader({ 'agg-0': 1, 'agg-1': 1 }))], { sharedTarget: true });
    expect(m.summary.counts.sent).toBe(5);
    expect([...m.records!].map((r) => r.requestId)).toEqual([...r0, ...r1].map((r) => r.requestId));
    expect(m.attribution!.split).toEqual({ counts: { 'agg-0': 3, 'agg-1': 2 }, source: 'header:x-inference-pod', complete: true });
    expect(m.summary.extra.attribution).toEqual(m.attribution);
    expect(m.podRoles).toEqual({ 'agg-0': 'both', 'agg-1': 'both' });

    // Unplaced records: the split comes from the counters, now the merged ones (not the sum of each shard's view).
    const a = await livePod({ success: 0 });
    const c0 = await startOn({ 'agg-0': a.url });
    a.set({ success: 4 });
    await pause(100);
    const c1 = await startOn({ 'agg-0': a.url });
    a.set({ success: 9 });
    await pause(100);
    const e0 = await c0.stop();
    const e1 = await c1.stop();
    const counters = (n: number) => ({ sourcesUsed: ['counter:vllm:request_success'], split: { counts: { 'agg-0': n }, source: 'counter:vllm:request_success', complete: true }, unattributed: 3 }) as RunEvidence['attribution'];
    const un = mergeRunEvidence([await part(r0, counters(9), e0), await part(r1, counters(5), e1)], { sharedTarget: true });
    expect(un.attribution!.split).toEqual({ counts: { 'agg-0': 9 }, source: 'counter:vllm:request_success', complete: true });
  }, 30_000);
});

describe('runEvidenceFromFolder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rb-merge-evidence-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads what measure() wrote and refuses a malformed extra.metrics, naming the file and field', async () => {
    const s = await summary([rec({ pod: 'agg-0' })]);
    const ok = join(dir, 'ok');
    mkdirSync(ok);
    writeJsonAtomic(join(ok, 'summary.json'), { ...s, extra: { shard: { index: 0, count: 2 }, podRoles: { 'agg-0': 'both' }, autoscaleTimescale: undefined } });
    writeFileSync(join(ok, 'epp.log'), 'line\n');
    const ev = runEvidenceFromFolder(ok);
    expect(ev.summary.extra.shard).toEqual({ index: 0, count: 2 });
    expect(ev.podRoles).toEqual({ 'agg-0': 'both' });
    expect(ev.metrics).toBeNull();
    expect(ev.eppLog).toEqual(['line\n']);

    const bad = join(dir, 'bad');
    mkdirSync(bad);
    writeJsonAtomic(join(bad, 'summary.json'), { ...s, extra: { metrics: { schemaVersion: 2 } } });
    expect(() => runEvidenceFromFolder(bad)).toThrow(/bad\/summary\.json extra\.metrics: schemaVersion/);
    expect(() => runEvidenceFromFolder(join(dir, 'none'))).toThrow(/no summary\.json/);
  });
});
