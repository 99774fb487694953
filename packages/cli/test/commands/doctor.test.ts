// `routebench doctor` end to end against simulator clusters, each with one deficiency a real cluster
// has by default: EPP at the chart's --v=1, EPP /metrics auth without the token, a gateway that
// regenerates x-request-id, no pod identity headers. Each must be reported with its fix; the healthy
// P/D cluster must report everything reachable (an aggregated one has no decision or NIXL metrics, as upstream).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { presetSpec, startCluster, type Cluster, type ClusterSpecInput } from '@routebench/sim';
import { EPP_TOKEN_FIX, REQUEST_ID_FIX, VERBOSITY3_FIX, VERBOSITY4_FIX, type DoctorReport } from '@routebench/core';
import { runCli } from '../cli-harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'rb-doctor-cli-'));
const clusters: Cluster[] = [];
afterAll(async () => {
  for (const c of clusters) await c.stop();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
async function cluster(extra: Partial<ClusterSpecInput> = {}, preset: Parameters<typeof presetSpec>[1] = {}, name: Parameters<typeof presetSpec>[0] = 'agg-2'): Promise<Cluster> {
  const c = await startCluster({ ...presetSpec(name, { eppLogPath: join(dir, `epp-${n++}.log`), ...preset }), ...extra });
  clusters.push(c);
  await c.waitReady();
  return c;
}

/** Every source of the cluster, as a user would pass them. */
function args(c: Cluster, opts: { token?: boolean } = {}): string[] {
  return [
    'doctor',
    '--target',
    c.gatewayUrl,
    '--epp-metrics',
    c.eppMetricsUrl,
    ...(opts.token !== false && c.eppTokenFile ? ['--epp-token-file', c.eppTokenFile] : []),
    ...Object.values(c.podMetricsUrls()).flatMap((u) => ['--pod-metrics', u]),
    '--epp-log',
    c.eppLogPath!,
  ];
}

async function json(a: string[]): Promise<{ code: number; report: DoctorReport; out: string }> {
  const { code, out } = await runCli([...a, '--json']);
  return { code, out, report: JSON.parse(out) as DoctorReport };
}
const check = (r: DoctorReport, id: string) => r.checks.find((c) => c.id === id)!;

describe('routebench doctor', () => {
  it('with no target checks the embedded simulator (aggregated agg-2): every non-P/D claim reachable, the P/D evidence absent as upstream, exit 0', async () => {
    const { code, out } = await runCli(['doctor']);
    expect(code).toBe(0);
    expect(out).toMatch(/prefix-affinity\s+attribution\s+yes/);
    expect(out).toMatch(/autoscale\s+epp-ready-pods\s+yes/);
    // An aggregated EPP exposes no decision counter (client_golang leaves an unused *Vec out) and a pod
    // without a KV connector no vllm:nixl_* series.
    expect(out).toMatch(/pd-selective\s+epp-decisions\s+NO/);
    expect(out).toMatch(/pd-transfer\s+nixl-metrics\s+NO/);
    expect(out).toContain('claims with their evidence reachable: prefix-affinity, prefix-cache-hit-rate, queue-balance, kv-utilization, model-routing, autoscale, precise-prefix');
  }, 60_000);

  it('a healthy P/D cluster (--v=4, token given, x-request-id preserved): every required path reachable; the token is never printed', async () => {
    const c = await cluster({}, {}, 'pd-1p1d');
    const { code, report, out } = await json(args(c));
    expect(code).toBe(0);
    expect(report.rows.filter((r) => r.required && !r.reachable)).toEqual([]);
    expect(check(report, 'request-id').reachable).toBe(true);
    const text = await runCli(args(c));
    expect(out + text.out).not.toContain(c.eppMetricsToken!);
  }, 60_000);

  it('EPP metrics auth without --epp-token-file: the token fix, for autoscale and pd-selective', async () => {
    const c = await cluster();
    const { report } = await json(args(c, { token: false }));
    expect(check(report, 'epp-metrics')).toMatchObject({ reachable: false, fix: EPP_TOKEN_FIX });
    expect(report.rows.find((r) => r.claim === 'autoscale')).toMatchObject({ reachable: false, fix: EPP_TOKEN_FIX });
    const text = await runCli(args(c, { token: false }));
    expect(text.out).toContain('pass `--epp-token-file`');
  }, 60_000);

  it('EPP at --v=1: the --v=3 fix for attribution and the --v=4 fix for scores', async () => {
    const c = await cluster({ eppVerbosity: 1 }, { identityHeaders: false });
    const { report } = await json([...args(c), '--log-wait', '500']);
    expect(check(report, 'epp-log-handled')).toMatchObject({ reachable: false, fix: VERBOSITY3_FIX });
    expect(check(report, 'epp-log-scores')).toMatchObject({ reachable: false, fix: VERBOSITY4_FIX });
    // With no identity headers either, nothing attributes a request to a pod.
    expect(report.rows.find((r) => r.claim === 'prefix-affinity')).toMatchObject({ reachable: false, fix: VERBOSITY3_FIX });
    expect(report.rows.find((r) => r.claim === 'precise-prefix' && r.evidence === 'epp-log-scores')).toMatchObject({ reachable: false, fix: VERBOSITY4_FIX });
  }, 60_000);

  it('a gateway that regenerates x-request-id: "gateway replaced x-request-id" with the fix', async () => {
    const c = await cluster({ gatewayRequestId: 'regenerate' });
    const { report } = await json(args(c));
    expect(check(report, 'request-id')).toMatchObject({ reachable: false, fix: REQUEST_ID_FIX });
    expect(check(report, 'epp-log-handled')).toMatchObject({ reachable: false, fix: REQUEST_ID_FIX });
  }, 60_000);

  it('no pod identity headers (real vLLM): reported, attribution still via the EPP log', async () => {
    const c = await cluster({}, { identityHeaders: false });
    const { report } = await json(args(c));
    expect(check(report, 'pod-identity-headers').reachable).toBe(false);
    expect(report.rows.find((r) => r.claim === 'prefix-affinity')).toMatchObject({ reachable: true, detail: 'via EPP log' });
  }, 60_000);

  it('--strict exits 1 when a claim lacks required evidence; plain doctor still exits 0', async () => {
    const c = await cluster();
    expect((await runCli(['doctor', '--target', c.gatewayUrl])).code).toBe(0);
    expect((await runCli(['doctor', '--target', c.gatewayUrl, '--strict'])).code).toBe(1);
  }, 60_000);

  it('an unreachable target exits 3 with a clear error; bad flags exit 2', async () => {
    const c = await cluster();
    const url = c.gatewayUrl;
    await c.stop();
    clusters.splice(clusters.indexOf(c), 1);
    const r = await runCli(['doctor', '--target', url, '--timeout', '2000']);
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/unreachable/);
    expect((await runCli(['doctor', '--epp-log', 'x.log'])).code).toBe(2);
    expect((await runCli(['doctor', '--target', url, '--epp-token-file', join(dir, 'nope')])).code).toBe(2);
    expect((await runCli(['doctor', '--target', url, '--k8s-pods', 'app=vllm'])).code).toBe(2);
    expect((await runCli(['doctor', '--k8s-namespace', 'llm-d', '--k8s-pods', 'app=vllm'])).code).toBe(2);
  }, 60_000);

  it('--k8s-* flags build a kubernetes source; a discovery failure is a finding, not a crash', async () => {
    const c = await cluster();
    const { code, report } = await json(['doctor', '--target', c.gatewayUrl, '--k8s-namespace', 'llm-d', '--k8s-pods', 'app=vllm', '--kubeconfig', join(dir, 'no-kubeconfig.yaml')]);
    expect(code).toBe(0);
    expect(check(report, 'pod-metrics')).toMatchObject({ reachable: false });
    expect(check(report, 'pod-metrics').detail).toMatch(/kubernetes discovery in namespace llm-d/);
  }, 60_000);
});
