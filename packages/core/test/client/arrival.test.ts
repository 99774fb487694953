import { spawn } from 'node:child_process';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { arrivalNow, arrivalWindowMs, observeReads } from '../../src/client/arrival.ts';

function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* hold the loop, as parsing a burst of other streams' chunks would */
  }
}

describe('arrivalNow / arrivalWindowMs', () => {
  let server: Server | null = null;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    sockets.length = 0;
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = null;
  });

  async function connectedPairs(n: number): Promise<{ clients: Socket[]; accepted: Socket[] }> {
    const accepted: Socket[] = [];
    server = createServer((s) => accepted.push(s));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const clients = await Promise.all(
      Array.from(
        { length: n },
        () =>
          new Promise<Socket>((resolve) => {
            const c = observeReads(connect(port, '127.0.0.1', () => resolve(c)));
          }),
      ),
    );
    sockets.push(...clients, ...accepted);
    while (accepted.length < n) await new Promise((r) => setImmediate(r));
    return { clients, accepted };
  }

  it('stamps each read when the loop read it, before any of the batch is handled: handling one read does not make the next one late', async () => {
    const { clients, accepted } = await connectedPairs(3);
    const seen: { arrival: number; window: number; now: number }[] = [];
    const done = new Promise<void>((resolve) => {
      for (const c of clients) {
        c.on('data', () => {
          seen.push({ arrival: arrivalNow(), window: arrivalWindowMs(), now: performance.now() });
          busyWait(3); // each read's handling takes 3 ms
          if (seen.length === 3) resolve();
        });
      }
    });
    for (const s of accepted) s.write('token');
    await done;
    for (const x of seen) {
      expect(x.arrival).toBeLessThanOrEqual(x.now);
    }
    // Handled 3 ms apart, yet read (and stamped) back to back in one poll batch.
    expect(seen[2]!.now - seen[0]!.now).toBeGreaterThanOrEqual(6);
    expect(seen[2]!.arrival - seen[0]!.arrival).toBeLessThan(1);
  });

  it('never stamps bytes before they were written, with writers in another process and a busy reader', async () => {
    // A child process writes its monotonic clock (hrtime, the clock performance.now() runs on) down two
    // connections every millisecond; this loop spends 3 ms on every read it handles, so reads bunch and batches
    // run long. Every read must be stamped no earlier than the last write it contains. (Stamping a batch's
    // reads with its first read's time put bytes that landed during the batch before their write.)
    const observed: Socket[] = [];
    const reads: { text: string; arrival: number }[] = [];
    let ended = 0;
    const allEnded = new Promise<void>((resolve) => {
      server = createServer((s) => {
        observeReads(s);
        observed.push(s);
        let tail = '';
        s.on('data', (d: Buffer) => {
          const text = tail + d.toString();
          const cut = text.lastIndexOf('\n');
          tail = text.slice(cut + 1);
          if (cut >= 0) reads.push({ text: text.slice(0, cut), arrival: arrivalNow() });
          busyWait(3);
        });
        s.on('end', () => {
          if (++ended === 2) resolve();
        });
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server!.address() as { port: number }).port;
    const child = spawn(
      process.execPath,
      ['-e', `const net=require('node:net');for(let c=0;c<2;c++){const s=net.connect(${port},'127.0.0.1',()=>{let n=0;const t=setInterval(()=>{s.write(process.hrtime.bigint()+'\\n');if(++n>=150){clearInterval(t);s.end()}},1)})}`],
      { stdio: 'inherit' },
    );
    try {
      await allEnded;
    } finally {
      child.kill();
      sockets.push(...observed);
    }
    const perfMinusMono = performance.now() - Number(process.hrtime.bigint()) / 1e6;
    let early = 0;
    let writes = 0;
    for (const r of reads) {
      const lastWrite = Math.max(...r.text.split('\n').map((x) => Number(BigInt(x)) / 1e6 + perfMinusMono));
      writes += r.text.split('\n').length;
      if (r.arrival < lastWrite) early++;
    }
    expect(writes).toBe(300);
    expect(early).toBe(0);
  });

  it('an idle loop woken by the bytes gives a narrow window, not the time since the previous batch', async () => {
    const { clients, accepted } = await connectedPairs(1);
    const first = new Promise<void>((r) => clients[0]!.once('data', () => r()));
    accepted[0]!.write('x');
    await first;
    await new Promise((r) => setTimeout(r, 60)); // the loop sleeps in epoll
    const got = new Promise<{ window: number; arrival: number }>((r) => clients[0]!.once('data', () => r({ window: arrivalWindowMs(), arrival: arrivalNow() })));
    accepted[0]!.write('y'); // written from this thread: it reaches the kernel now; the loop then polls
    const { window } = await got;
    // The previous read was ≥ 60 ms ago; the loop's idle time shows it slept until the bytes came.
    expect(window).toBeLessThan(20);
    expect(window).toBeGreaterThanOrEqual(0);
  });

  it('is the current time outside a batch of socket reads (timers, immediates, unobserved sockets), with an unknown window', async () => {
    await new Promise((r) => setImmediate(r)); // out of any batch an earlier test's reads began
    const a = arrivalNow();
    busyWait(1);
    expect(arrivalNow()).toBeGreaterThanOrEqual(a + 1);
    await new Promise((r) => setTimeout(r, 1));
    const b = arrivalNow();
    busyWait(1);
    expect(arrivalNow()).toBeGreaterThanOrEqual(b + 1);
    expect(arrivalWindowMs()).toBe(Number.POSITIVE_INFINITY);
  });
});
