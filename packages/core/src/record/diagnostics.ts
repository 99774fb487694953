// Client self-diagnostics recorded with every run: was the load generator itself the bottleneck?
// A client that falls behind its schedule, or whose event loop stalls, measures itself, not the
// gateway; such a run's verdicts become Inconclusive (claims read meta.client.bottleneck).
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface ClientDiagnostics {
  eventLoopLagP50Ms: number;
  eventLoopLagP99Ms: number;
  eventLoopLagMaxMs: number;
  /** Process CPU time / wall time over the run (1 = one core fully busy). */
  cpuCores: number;
  scheduleDelayP50Ms: number | null;
  scheduleDelayP99Ms: number | null;
  requestedRate: number | null;
  achievedSendRate: number | null;
  clientErrors: number;
  bottleneck: boolean;
  bottleneckReason: string | null;
}

export interface DiagnosticsThresholds {
  /** Event-loop lag p99 above this means timestamps may be off by as much. */
  maxEventLoopLagP99Ms: number;
  /** Open loop: the median request starting later than this means the schedule was not kept. */
  maxScheduleDelayP50Ms: number;
  /** Open loop: sending below this share of the requested rate means the load was not offered. */
  minAchievedRateShare: number;
}

export const DEFAULT_DIAGNOSTICS_THRESHOLDS: DiagnosticsThresholds = {
  // A quarter second of lag makes latency figures meaningless; routing evidence (splits, affinity) survives
  // smaller stalls, and the embedded simulator shares this loop, so a busy 2-core machine reaches ~100 ms.
  maxEventLoopLagP99Ms: 250,
  // inference-perf's guidance: a run is accurate when median schedule delay < 10 ms.
  maxScheduleDelayP50Ms: 10,
  minAchievedRateShare: 0.9,
};

export interface DiagnosticsMonitor {
  stop(input: {
    scheduleDelayP50Ms: number | null;
    scheduleDelayP99Ms: number | null;
    requestedRate: number | null;
    achievedSendRate: number | null;
    /** Requests that failed on the client's side (error class 'client': out of sockets, …). */
    clientErrors?: number;
  }): ClientDiagnostics;
}

export function startDiagnostics(thresholds: DiagnosticsThresholds = DEFAULT_DIAGNOSTICS_THRESHOLDS): DiagnosticsMonitor {
  // The histogram records each timer interval (≈ resolution when the loop is idle); lag is the excess.
  const RESOLUTION_MS = 10;
  const lag = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  lag.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  return {
    stop(input) {
      lag.disable();
      const wallMs = Math.max(1, performance.now() - t0);
      const cpu = process.cpuUsage(cpu0);
      const ns = (x: number) => Math.round(Math.max(0, x / 1e6 - RESOLUTION_MS) * 1000) / 1000;
      const d: ClientDiagnostics = {
        eventLoopLagP50Ms: ns(lag.percentile(50)),
        eventLoopLagP99Ms: ns(lag.percentile(99)),
        eventLoopLagMaxMs: ns(lag.max),
        cpuCores: Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 1000) / 1000,
        scheduleDelayP50Ms: input.scheduleDelayP50Ms,
        scheduleDelayP99Ms: input.scheduleDelayP99Ms,
        requestedRate: input.requestedRate,
        achievedSendRate: input.achievedSendRate,
        clientErrors: input.clientErrors ?? 0,
        bottleneck: false,
        bottleneckReason: null,
      };
      const reasons: string[] = [];
      if (d.eventLoopLagP99Ms > thresholds.maxEventLoopLagP99Ms) reasons.push(`event-loop lag p99 ${d.eventLoopLagP99Ms} ms > ${thresholds.maxEventLoopLagP99Ms} ms`);
      if (input.requestedRate !== null) {
        if (input.scheduleDelayP50Ms !== null && input.scheduleDelayP50Ms > thresholds.maxScheduleDelayP50Ms)
          reasons.push(`median schedule delay ${input.scheduleDelayP50Ms} ms > ${thresholds.maxScheduleDelayP50Ms} ms`);
        if (input.achievedSendRate !== null && input.achievedSendRate < thresholds.minAchievedRateShare * input.requestedRate)
          reasons.push(`sent ${input.achievedSendRate.toFixed(1)} req/s of the ${input.requestedRate} requested`);
      }
      if (d.clientErrors > 0) reasons.push(`${d.clientErrors} requests failed on the client's side (out of sockets or file descriptors)`);
      if (reasons.length > 0) {
        d.bottleneck = true;
        d.bottleneckReason = reasons.join('; ');
      }
      return d;
    },
  };
}
