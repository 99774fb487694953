// `routebench doctor`: send two small probe requests (non-stream and stream, each with an x-request-id we
// choose) and print, per claim, whether the evidence it needs is reachable and, if not, the exact fix.
// Without --target it checks the embedded simulator (preset agg-2, healthy: EPP at --v=4, token given).
//
// Exit codes: 0 = doctor ran (findings are in the table, not an error); 1 = --strict and some claim's
// required evidence is unreachable; 2 = bad flags or unreadable files; 3 = the target is unreachable.
// --k8s-* discovers pods (and the EPP) through the Kubernetes API like a run's `kubernetes` source; the EPP's
// /metrics still needs a direct URL and token (the API-server proxy strips Authorization).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { LLMD_VERSIONS, MAX_TIMER_MS, RoutebenchError, formatDoctorReport, readyClaims, runDoctor, type DoctorOptions, type LlmdVersion } from '@routebench/core';
import { presetSpec, startCluster, type Cluster } from '@routebench/sim';
import { EXIT, UsageError } from '../exit-codes.ts';
import { collect, httpUrl, parseHeader, positiveInt } from '../options.ts';

export interface DoctorFlags {
  target?: string;
  model?: string;
  eppMetrics?: string;
  eppTokenFile?: string;
  podMetrics: string[];
  eppLog?: string;
  apiKeyEnv?: string;
  apiKeyFile?: string;
  header: [string, string][];
  timeout?: number;
  logWait?: number;
  json?: boolean;
  strict?: boolean;
  llmdVersion?: LlmdVersion;
  k8sNamespace?: string;
  k8sPods?: string;
  k8sPodPort?: number;
  k8sEpp?: string;
  k8sEppContainer?: string;
  k8sEppAuthOff?: boolean;
  kubeconfig?: string;
  k8sContext?: string;
  k8sInCluster?: boolean;
}

export function doctorCommand(): Command {
  return new Command('doctor')
    .description("check, per claim, that the evidence it needs is reachable on a target (embedded simulator by default), and print the fix for what is not")
    .option('-t, --target <url>', 'gateway to check instead of the simulator', httpUrl('--target'))
    .option('--model <name>', 'model for the probe requests (default: the first in the gateway /v1/models)')
    .option('--epp-metrics <url>', "the EPP's /metrics URL (direct or port-forwarded; the API-server proxy strips the token)", httpUrl('--epp-metrics'))
    .option('--epp-token-file <file>', "bearer token for the EPP's /metrics (never printed)")
    .option('--pod-metrics <url>', 'a vLLM pod /metrics URL (repeatable)', (v: string, prev: string[] = []) => collect(httpUrl('--pod-metrics')(v), prev), [])
    .option('--epp-log <file>', 'a file the EPP log is being written to (e.g. `kubectl logs -f deploy/<epp> > epp.log`)')
    .option('--api-key-env <name>', 'read the gateway API key from this env var (default ROUTEBENCH_API_KEY)')
    .option('--api-key-file <path>', 'read the gateway API key from this file')
    .option('-H, --header <name: value>', 'extra request header (repeatable)', (v: string, prev: [string, string][] = []) => [...prev, parseHeader(v)], [])
    .option('--timeout <ms>', 'per-request timeout', positiveInt('--timeout', MAX_TIMER_MS))
    .option('--log-wait <ms>', 'how long to wait for the probes to show up in --epp-log', positiveInt('--log-wait', MAX_TIMER_MS))
    .option('--k8s-namespace <ns>', 'discover pods through the Kubernetes API in this namespace (with --k8s-pods)')
    .option('--k8s-pods <selector>', 'label selector of the vLLM pods, e.g. llm-d.ai/inferenceServing=true')
    .option('--k8s-pod-port <port>', 'vLLM port on those pods (default 8000)', positiveInt('--k8s-pod-port', 65_535))
    .option('--k8s-epp <selector>', 'label selector of the EPP pods (their log gives attribution)')
    .option('--k8s-epp-container <name>', 'container of the EPP pod whose log to read')
    .option('--k8s-epp-auth-off', 'the EPP runs with --metrics-endpoint-auth=false: scrape its /metrics through the API proxy')
    .option('--kubeconfig <file>', 'kubeconfig (default $KUBECONFIG / ~/.kube/config)')
    .option('--k8s-context <name>', 'kubeconfig context')
    .option('--k8s-in-cluster', 'use the in-cluster service account')
    .option('--json', 'print the report as JSON')
    .option('--strict', 'exit 1 when some claim lacks required evidence')
    .addOption(new Option('--llmd-version <version>', 'simulator only: the llm-d generation it behaves as').choices([...LLMD_VERSIONS]))
    .action(async (flags: DoctorFlags) => {
      process.exitCode = await doctorAction(flags);
    });
}

function readSecretFile(flag: string, path: string): string {
  try {
    const v = readFileSync(path, 'utf8').trim();
    if (!v) throw new UsageError(`${flag}: ${path} is empty`, flag);
    return v;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    // The file's name, never its content.
    throw new UsageError(`${flag}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, flag);
  }
}

function apiKeyOf(f: DoctorFlags): string | undefined {
  if (f.apiKeyEnv) {
    const v = process.env[f.apiKeyEnv];
    if (!v) throw new UsageError(`--api-key-env: environment variable ${f.apiKeyEnv} is not set`, '--api-key-env');
    return v.trim();
  }
  if (f.apiKeyFile) return readSecretFile('--api-key-file', f.apiKeyFile);
  return process.env.ROUTEBENCH_API_KEY || undefined;
}

/** The `kubernetes` source config from --k8s-* flags (core validates it; undefined when none is given). */
function kubernetesOf(f: DoctorFlags): DoctorOptions['kubernetes'] {
  const any = f.k8sNamespace || f.k8sPods || f.k8sEpp || f.kubeconfig || f.k8sContext || f.k8sInCluster || f.k8sPodPort || f.k8sEppContainer || f.k8sEppAuthOff;
  if (!any) return undefined;
  if (!f.k8sNamespace) throw new UsageError('--k8s-namespace is required with the other --k8s-* flags', '--k8s-namespace');
  if (!f.k8sPods) throw new UsageError('--k8s-pods <selector> is required with --k8s-namespace', '--k8s-pods');
  if ((f.k8sEppContainer || f.k8sEppAuthOff) && !f.k8sEpp) throw new UsageError('--k8s-epp-container and --k8s-epp-auth-off need --k8s-epp <selector>', '--k8s-epp');
  return {
    kind: 'kubernetes',
    namespace: f.k8sNamespace,
    ...(f.kubeconfig && { kubeconfig: f.kubeconfig }),
    ...(f.k8sContext && { context: f.k8sContext }),
    ...(f.k8sInCluster && { inCluster: true }),
    pods: { selector: f.k8sPods, port: f.k8sPodPort ?? 8000 },
    ...(f.k8sEpp && { epp: { selector: f.k8sEpp, ...(f.k8sEppContainer && { container: f.k8sEppContainer }), metricsAuth: !f.k8sEppAuthOff } }),
  };
}

export async function doctorAction(flags: DoctorFlags): Promise<number> {
  if (flags.target && flags.llmdVersion) throw new UsageError('--llmd-version applies to the simulator only; drop it with --target', '--llmd-version');
  const common = {
    model: flags.model,
    headers: Object.fromEntries(flags.header),
    ...(flags.timeout !== undefined && { timeoutMs: flags.timeout }),
    ...(flags.logWait !== undefined && { logWaitMs: flags.logWait }),
  };
  let cluster: Cluster | undefined;
  let tmp: string | undefined;
  let opts: DoctorOptions;
  if (flags.target) {
    opts = {
      ...common,
      target: flags.target,
      apiKey: apiKeyOf(flags),
      eppMetricsUrl: flags.eppMetrics,
      eppToken: flags.eppTokenFile ? readSecretFile('--epp-token-file', flags.eppTokenFile) : undefined,
      podMetricsUrls: flags.podMetrics,
      eppLogPath: flags.eppLog,
      kubernetes: kubernetesOf(flags),
    };
  } else {
    if (flags.eppMetrics || flags.eppTokenFile || flags.podMetrics.length > 0 || flags.eppLog || kubernetesOf(flags)) {
      throw new UsageError('--epp-metrics, --epp-token-file, --pod-metrics, --epp-log and --k8s-* need --target (the simulator supplies its own)', '--target');
    }
    // The embedded simulator, configured as a healthy real cluster would be: EPP at --v=4 (presetSpec sets it
    // with an eppLogPath), metrics auth on with the token handed over, x-request-id preserved.
    tmp = mkdtempSync(join(tmpdir(), 'routebench-doctor-'));
    try {
      cluster = await startCluster(presetSpec('agg-2', { eppLogPath: join(tmp, 'epp.log'), ...(flags.llmdVersion && { llmdVersion: flags.llmdVersion }) }));
      await cluster.waitReady();
    } catch (e) {
      await cluster?.stop();
      rmSync(tmp, { recursive: true, force: true });
      throw new RoutebenchError('RB_TARGET_UNREACHABLE', `the embedded simulator failed to start: ${(e as Error).message}`);
    }
    opts = {
      ...common,
      target: cluster.gatewayUrl,
      eppMetricsUrl: cluster.eppMetricsUrl,
      eppToken: cluster.eppMetricsToken,
      podMetricsUrls: Object.values(cluster.podMetricsUrls()),
      eppLogPath: cluster.eppLogPath,
    };
  }
  try {
    const report = await runDoctor(opts);
    const out = process.stdout;
    if (flags.json) out.write(`${JSON.stringify(report, null, 2)}\n`);
    else {
      out.write(formatDoctorReport(report));
      if (!flags.target) out.write('(embedded simulator, preset agg-2; give --target to check a real gateway)\n');
      const ready = readyClaims(report);
      out.write(`claims with their evidence reachable: ${ready.length > 0 ? ready.join(', ') : 'none'}\n`);
    }
    const missing = report.rows.some((r) => r.required && !r.reachable);
    return flags.strict && missing ? EXIT.claimFailed : EXIT.ok;
  } finally {
    await cluster?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}
