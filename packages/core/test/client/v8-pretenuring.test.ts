import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/run.ts';
import { allocationSitePretenuringState } from '../../src/client/v8-pretenuring.ts';
import { startFixtureServer, type FixtureServer } from '../fixtures/sse-server.ts';

// Each test file runs in a fresh process (vitest forks, isolate), so this file starts with V8's default.
describe('V8 allocation-site pretenuring', () => {
  let server: FixtureServer;
  beforeAll(async () => {
    server = await startFixtureServer();
  });
  afterAll(async () => {
    await server.close();
  });
  const once = (allocationSitePretenuring?: boolean) =>
    run({
      target: server.url,
      workload: [{ model: 'm', messages: [{ role: 'user', content: 'q' }], maxTokens: 4 }],
      load: { type: 'concurrency', concurrency: 1, requests: 1 },
      ...(allocationSitePretenuring !== undefined && { allocationSitePretenuring }),
    });

  it('is left alone when asked, turned off by run() by default, and the summary says which', async () => {
    expect(allocationSitePretenuringState()).toBe('on');
    expect((await once(true)).summary.meta.client.allocationSitePretenuring).toBe('on');
    expect(allocationSitePretenuringState()).toBe('on');
    expect((await once()).summary.meta.client.allocationSitePretenuring).toBe('off (routebench)');
    // Process-wide and not turned back on: a later run that asks to keep it reports what the process does.
    expect((await once(true)).summary.meta.client.allocationSitePretenuring).toBe('off (routebench)');
  });
});
