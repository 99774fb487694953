// The bench's SSE server, run in its OWN process (`node --import tsx bench/sse-server.ts`), so the client
// under test never shares its event loop. Responses are pre-serialised (sse-frames.ts); each request picks
// its shape with headers:
//   x-bench-tokens: N      content tokens (one SSE chunk each), default 16
//   x-bench-itl-us: U      gap between content chunks in µs; 0 (default) = the whole response in ONE write
//   x-bench-ttft-us: U     receive → first content chunk in µs (default = itl); the head + role chunk go out at once
//   x-bench-record: 1      record receive and per-chunk write times under x-request-id (ground truth)
//   x-bench-hold: 1        send the head, role chunk and first token, then hold the stream until /__bench/release
// Timers have millisecond resolution: a gap of U µs is delivered as round(U/1000) ms, and the recorded
// write times (not the asked-for gap) are the truth the client is compared against.
// Control endpoints (JSON): GET /__bench/stats, GET /__bench/emissions (returns and clears the records:
// { [requestId]: [receivedMs, write1Ms, …] } on the machine's monotonic clock (process.hrtime, shared by every
// process; each write is stamped just BEFORE its write call, so a client stamp earlier than it is early beyond
// doubt), POST /__bench/release.
// On start it prints `{"port":N}` as one line on stdout (and sends it over IPC when forked).
import net from 'node:net';
import { prebuilt } from './sse-frames.ts';
import { parseRequest, type RequestHead } from './request-head.ts';

interface Stream {
  socket: net.Socket;
  content: Buffer[];
  next: number;
  timer: NodeJS.Timeout | null;
  gapMs: number;
  times: number[] | null;
  done: () => void;
}

const records = new Map<string, number[]>();
// performance.now() moved onto the monotonic clock (hrtime), so other processes can compare with it.
const MONO_OFFSET_MS = Number(process.hrtime.bigint()) / 1e6 - performance.now();
const mono = () => performance.now() + MONO_OFFSET_MS;
const held = new Set<Stream>();
let requests = 0;
let openSockets = 0;
let acceptedSockets = 0;
let activeStreams = 0;

function jsonResponse(socket: net.Socket, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  const reason = status === 200 ? 'OK' : 'Bad Request';
  socket.write(`HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`, 'latin1');
  socket.write(body);
}

function intHeader(req: RequestHead, name: string, dflt: number, min: number, max: number): number | string {
  const raw = req.headers.get(name);
  if (raw === undefined) return dflt;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) return `header ${name}: expected an integer in [${min}, ${max}], got "${raw.slice(0, 40)}"`;
  return v;
}

function control(socket: net.Socket, req: RequestHead): void {
  const what = req.path.slice('/__bench/'.length);
  if (what === 'stats') {
    const cpu = process.cpuUsage();
    return jsonResponse(socket, 200, {
      requests,
      openSockets,
      acceptedSockets,
      activeStreams,
      held: held.size,
      recorded: records.size,
      cpuUserUs: cpu.user,
      cpuSystemUs: cpu.system,
      rssBytes: process.memoryUsage.rss(),
    });
  }
  if (what === 'emissions') {
    const out = Object.fromEntries(records);
    records.clear();
    return jsonResponse(socket, 200, out);
  }
  if (what === 'release') {
    const n = held.size;
    for (const s of [...held]) {
      held.delete(s);
      writeRest(s);
    }
    return jsonResponse(socket, 200, { released: n });
  }
  jsonResponse(socket, 400, { error: `unknown control endpoint ${req.path}` });
}

/** Write every remaining content chunk in one go (release of a held stream). */
function writeRest(s: Stream): void {
  if (s.socket.destroyed) return;
  const t = mono();
  s.socket.write(Buffer.concat(s.content.slice(s.next)));
  if (s.times) for (; s.next < s.content.length; s.next++) s.times.push(t);
  s.next = s.content.length;
  s.done();
}

function writeNext(s: Stream): void {
  s.timer = null;
  if (s.socket.destroyed) return;
  s.times?.push(mono());
  s.socket.write(s.content[s.next]!);
  s.next++;
  if (s.next < s.content.length) s.timer = setTimeout(writeNext, s.gapMs, s);
  else s.done();
}

/** Serve one completion request; calls `done` when the response is fully written. Returns the stream, if any. */
function completion(socket: net.Socket, req: RequestHead, receivedAt: number, done: () => void): Stream | null {
  const tokens = intHeader(req, 'x-bench-tokens', 16, 1, 100_000);
  const itlUs = intHeader(req, 'x-bench-itl-us', 0, 0, 60_000_000);
  const ttftUs = intHeader(req, 'x-bench-ttft-us', typeof itlUs === 'number' ? itlUs : 0, 0, 60_000_000);
  for (const v of [tokens, itlUs, ttftUs]) {
    if (typeof v === 'string') {
      jsonResponse(socket, 400, { error: { message: v, type: 'BadRequestError', code: 400 } });
      done();
      return null;
    }
  }
  const hold = req.headers.get('x-bench-hold') === '1';
  const id = req.headers.get('x-request-id');
  const times = req.headers.get('x-bench-record') === '1' && id ? [receivedAt] : null;
  if (times) records.set(id!, times);
  const p = prebuilt(tokens as number);
  if (itlUs === 0 && ttftUs === 0 && !hold) {
    if (times) times.push(mono()); // every chunk leaves in this one write
    socket.write(p.whole);
    done();
    return null;
  }
  const s: Stream = { socket, content: p.streamed.content, next: 0, timer: null, gapMs: Math.max(1, Math.round((itlUs as number) / 1000)), times, done };
  activeStreams++;
  s.done = () => {
    activeStreams--;
    done();
  };
  socket.write(p.streamed.head);
  if (hold) {
    writeNextNow(s);
    if (s.next < s.content.length) held.add(s);
    return s;
  }
  const ttftMs = Math.round((ttftUs as number) / 1000);
  if (ttftMs === 0) writeNext(s);
  else s.timer = setTimeout(writeNext, ttftMs, s);
  return s;
}

function writeNextNow(s: Stream): void {
  s.times?.push(mono());
  s.socket.write(s.content[s.next]!);
  s.next++;
  if (s.next >= s.content.length) s.done();
}

const server = net.createServer({ noDelay: true }, (socket) => {
  openSockets++;
  acceptedSockets++;
  let pending: Buffer | null = null;
  let busy = false;
  let current: Stream | null = null;

  const drain = (receivedAt: number) => {
    while (!busy && pending) {
      const r = parseRequest(pending);
      if (r.kind === 'need-more') return;
      if (r.kind === 'bad') {
        jsonResponse(socket, 400, { error: { message: r.message, type: 'BadRequestError', code: 400 } });
        socket.end();
        pending = null;
        return;
      }
      const req = r.req;
      pending = r.req.totalBytes < pending.length ? pending.subarray(r.req.totalBytes) : null;
      const close = req.headers.get('connection')?.toLowerCase() === 'close';
      if (req.path.startsWith('/__bench/')) {
        control(socket, req);
        if (close) socket.end();
        continue;
      }
      requests++;
      busy = true;
      current = completion(socket, req, receivedAt, () => {
        busy = false;
        current = null;
        if (close) socket.end();
        else if (pending) setImmediate(() => drain(mono()));
      });
    }
  };

  socket.on('data', (chunk: Buffer) => {
    const t = mono();
    pending = pending ? Buffer.concat([pending, chunk]) : chunk;
    if (!busy) drain(t);
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    openSockets--;
    if (current) {
      // An unfinished stream whose client went away.
      if (current.timer) clearTimeout(current.timer);
      held.delete(current);
      activeStreams--;
      current = null;
    }
  });
});

server.listen({ host: '127.0.0.1', port: Number(process.env.BENCH_SSE_PORT ?? 0), backlog: 65535 }, () => {
  const port = (server.address() as net.AddressInfo).port;
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  process.send?.({ port });
});
// The parent owns this process: when it goes away (IPC closes), so do we.
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
