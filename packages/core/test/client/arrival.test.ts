import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { arrivalNow, observeReads } from '../../src/client/arrival.ts';

function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* hold the loop, as parsing a burst of other streams' chunks would */
  }
}

describe('arrivalNow', () => {
  let server: Server | null = null;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    sockets.length = 0;
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = null;
  });

  it('gives every read of one poll batch the batch start, and a new stamp in the next batch', async () => {
    const accepted: Socket[] = [];
    server = createServer((s) => accepted.push(s));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const clients = await Promise.all(
      [0, 1, 2].map(
        () =>
          new Promise<Socket>((resolve) => {
            const c = observeReads(connect(port, '127.0.0.1', () => resolve(c)));
          }),
      ),
    );
    sockets.push(...clients, ...accepted);
    while (accepted.length < 3) await new Promise((r) => setImmediate(r));

    const seen: { arrival: number; now: number }[] = [];
    const done = new Promise<void>((resolve) => {
      for (const c of clients) {
        c.on('data', () => {
          seen.push({ arrival: arrivalNow(), now: performance.now() });
          busyWait(3); // each read's handling takes 3 ms
          if (seen.length === 3) resolve();
        });
      }
    });
    // All three writes reach the kernel before the loop polls again: one epoll batch holds all three.
    for (const s of accepted) s.write('token');
    await done;
    expect(seen).toHaveLength(3);
    // Read back to back, each 3 ms after the previous one...
    expect(seen[2]!.now - seen[0]!.now).toBeGreaterThanOrEqual(6);
    // ...yet all stamped with the batch's start: the bytes were there before the first read.
    expect(seen[1]!.arrival).toBe(seen[0]!.arrival);
    expect(seen[2]!.arrival).toBe(seen[0]!.arrival);

    // The next batch gets its own stamp.
    const next = new Promise<number>((resolve) => clients[0]!.once('data', () => resolve(arrivalNow())));
    accepted[0]!.write('again');
    expect(await next).toBeGreaterThan(seen[2]!.now);
  });

  it('is the current time outside a batch of socket reads (timers, immediates, unobserved sockets)', async () => {
    const a = arrivalNow();
    busyWait(1);
    expect(arrivalNow()).toBeGreaterThanOrEqual(a + 1);
    await new Promise((r) => setTimeout(r, 1));
    const b = arrivalNow();
    busyWait(1);
    expect(arrivalNow()).toBeGreaterThanOrEqual(b + 1);
  });
});
