import { describe, expect, it } from 'vitest';
import { startDiagnostics } from '../../src/record/diagnostics.ts';

const idle = { scheduleDelayP50Ms: 0.1, scheduleDelayP99Ms: 0.5, requestedRate: null, achievedSendRate: null };

describe('client self-diagnostics', () => {
  it('flags a stalled event loop as a client bottleneck', async () => {
    const m = startDiagnostics();
    await new Promise((r) => setTimeout(r, 20));
    const end = performance.now() + 600;
    while (performance.now() < end); // block the loop, as an overloaded client would
    await new Promise((r) => setTimeout(r, 20));
    const d = m.stop(idle);
    expect(d.eventLoopLagMaxMs).toBeGreaterThan(500);
    expect(d.bottleneck).toBe(true);
    expect(d.bottleneckReason).toContain('event-loop lag');
    expect(d.cpuCores).toBeGreaterThan(0.2);
  });

  it('flags an open-loop run that fell behind its schedule', () => {
    const d = startDiagnostics().stop({ scheduleDelayP50Ms: 25, scheduleDelayP99Ms: 80, requestedRate: 1000, achievedSendRate: 700 });
    expect(d.bottleneck).toBe(true);
    expect(d.bottleneckReason).toContain('median schedule delay 25 ms');
    expect(d.bottleneckReason).toContain('of the 1000 requested');
  });

  it('does not flag a client that kept up', async () => {
    const m = startDiagnostics();
    await new Promise((r) => setTimeout(r, 50));
    const d = m.stop({ scheduleDelayP50Ms: 0.2, scheduleDelayP99Ms: 1.1, requestedRate: 100, achievedSendRate: 99.5 });
    expect(d.bottleneck).toBe(false);
    expect(d.bottleneckReason).toBeNull();
  });
});

describe('client-side failures', () => {
  it('make the run a client bottleneck', () => {
    const d = startDiagnostics().stop({ scheduleDelayP50Ms: 0.2, scheduleDelayP99Ms: 1, requestedRate: null, achievedSendRate: null, clientErrors: 3 });
    expect(d.bottleneck).toBe(true);
    expect(d.bottleneckReason).toContain('3 requests failed on the client');
  });
});
