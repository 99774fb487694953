// The OpenAI-compatible streaming client: one undici Pool per target origin, sized by the caller
// (no silent connection caps: the pool is never smaller than the concurrency the load asks for).
// Each `send` turns one RequestSpec into one RequestRecord; it never throws for request failures —
// every failure becomes a classified error in the record, so the run goes on.
import { Pool, buildConnector, errors as undiciErrors, type Dispatcher } from 'undici';
import { arrivalWindowMs, observeReads } from './arrival.ts';
import { SlotList } from './slot-list.ts';
import type { RunClock } from './clock.ts';
import { SseStream, type SseSink } from './sse.ts';
import { ContentDecoder, parseContentEncoding, type DecodeSink } from './content-coding.ts';
import { redactUrl } from '../redact-url.ts';
import { applyStreamEvent, createStreamState, extractErrorPayload, resolveChunkTokens, type StreamError, type StreamState } from './openai-stream.ts';
import type { RequestSpec } from '../workload/request-spec.ts';
import { tpotMs } from '../record/itl.ts';
import type { ErrorClass, RequestRecord } from '../record/request-record.ts';

export const DEFAULT_CAPTURE_HEADERS = [
  'x-inference-pod',
  'x-inference-namespace',
  'x-inference-port',
  'x-gateway-destination-endpoint-served',
  'x-conformance-test-served-endpoint',
  'x-session-token',
  'x-request-id',
  'x-went-into-resp-headers',
] as const;

/** Headers that name the serving pod, most specific first. */
export const DEFAULT_POD_HEADERS = ['x-inference-pod', 'x-gateway-destination-endpoint-served', 'x-conformance-test-served-endpoint'] as const;

export interface ClientOptions {
  /** Base URL of the gateway, e.g. http://127.0.0.1:8080 (a path prefix is kept: http://h/prefix → /prefix/v1/...). */
  target: string;
  /** Sockets to open: at least the peak number of requests in flight. null = unlimited. */
  connections: number | null;
  /** Sent as `Authorization: Bearer …`; never recorded, logged or echoed in errors. */
  apiKey?: string;
  /** Extra headers on every request (routing headers, etc.). */
  headers?: Record<string, string>;
  /** Response headers to keep in each record (lower-case). */
  captureHeaders?: readonly string[];
  podHeaders?: readonly string[];
  /** Ask for `continuous_usage_stats` so each chunk's token count is exact (vLLM supports it). */
  continuousUsage?: boolean;
  /** Skip TLS certificate verification (explicit opt-in). */
  insecure?: boolean;
  /** Largest single SSE event accepted before the request is failed as malformed. */
  maxEventBytes?: number;
  /** Largest error body kept from a non-2xx response. */
  maxErrorBodyBytes?: number;
}

export interface SendContext {
  seq: number;
  requestId: string;
  phase: 'warmup' | 'measure';
  stage: number;
  worker?: number;
  /** Intended send time on the run clock (ms). */
  intended: number;
  timeoutMs: number;
  stallTimeoutMs: number;
  signal?: AbortSignal;
}

export interface StreamingClient {
  send(spec: RequestSpec, ctx: SendContext): Promise<RequestRecord>;
  close(): Promise<void>;
}

export function buildRequestBody(spec: RequestSpec, continuousUsage: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = { model: spec.model };
  if (spec.api === 'chat') body.messages = spec.messages;
  else body.prompt = spec.prompt;
  body.max_tokens = spec.maxTokens;
  body.stream = true;
  body.stream_options = continuousUsage ? { include_usage: true, continuous_usage_stats: true } : { include_usage: true };
  if (spec.ignoreEos) {
    body.ignore_eos = true;
    body.min_tokens = spec.maxTokens;
  }
  if (spec.extraBody) Object.assign(body, spec.extraBody);
  return body;
}

/**
 * How long a response may stay open after `data: [DONE]` before it is aborted (its socket closed).
 * The chunked terminator normally comes in the same read or the next; waiting a little keeps the
 * connection for reuse, waiting long would hold a pool slot for a request that is already recorded.
 */
const DONE_LINGER_MS = 250;
class DoneLinger extends Error {}

const LINGER_SWEEP_MS = 50;
/**
 * Responses still open after their [DONE], closed by one timer per client rather than one per request: a timer
 * armed and cleared per request was a visible share of the client's timer work. The sweep runs every
 * LINGER_SWEEP_MS while any response lingers, so one is closed between its linger time and that plus
 * LINGER_SWEEP_MS. With vLLM the empty last chunk often comes in a read of its own after [DONE], so on a real
 * server a response joins and leaves this list once per request: a SlotList, not a Map (slot-list.ts says why).
 */
class Lingering {
  private readonly reqs = new SlotList<'lingerIndex', StreamRequest>('lingerIndex');
  private timer: NodeJS.Timeout | null = null;
  add(req: StreamRequest, now: number): void {
    if (this.reqs.has(req)) return;
    req.lingerSince = now;
    this.reqs.add(req);
    if (this.timer === null) {
      this.timer = setInterval(sweepLingering, LINGER_SWEEP_MS, this);
      this.timer.unref();
    }
  }
  remove(req: StreamRequest): void {
    if (!this.reqs.remove(req) || this.reqs.length > 0 || this.timer === null) return;
    clearInterval(this.timer);
    this.timer = null;
  }
  sweep(now: number): void {
    for (const req of this.reqs.snapshot()) {
      if (now - req.lingerSince >= req.lingerMs()) {
        this.remove(req);
        req.closeLingering();
      }
    }
  }
}
function sweepLingering(l: Lingering): void {
  l.sweep(performance.now());
}

/**
 * One 'abort' listener per caller signal (run() passes the same one to every request), which aborts the requests
 * in flight on it: a listener per request would pile thousands onto one signal (Node warns past 10) and cost an
 * add/remove per request. It is removed when no request is in flight on the signal, so a signal that outlives
 * the client (or one signal per request) keeps nothing.
 *
 * The requests in flight on a signal are a SlotList, not a Set: every request joins and leaves it (slot-list.ts
 * says why a churning Set kept finished requests alive).
 */
class SignalWatch {
  private readonly bySignal = new Map<AbortSignal, { inflight: SlotList<'watchIndex', StreamRequest>; listener: () => void }>();
  watch(signal: AbortSignal, req: StreamRequest): void {
    let entry = this.bySignal.get(signal);
    if (!entry) {
      const inflight = new SlotList<'watchIndex', StreamRequest>('watchIndex');
      const listener = () => {
        this.bySignal.delete(signal);
        for (const r of inflight.snapshot()) r.abort(new CancelAbort('cancelled by caller'));
      };
      signal.addEventListener('abort', listener, { once: true });
      entry = { inflight, listener };
      this.bySignal.set(signal, entry);
    }
    entry.inflight.add(req);
  }
  unwatch(signal: AbortSignal, req: StreamRequest): void {
    const entry = this.bySignal.get(signal);
    if (!entry || !entry.inflight.remove(req)) return;
    if (entry.inflight.length === 0) {
      this.bySignal.delete(signal);
      signal.removeEventListener('abort', entry.listener);
    }
  }
}

const RETRY_AFTER = ['retry-after'] as const;
const NO_HEADERS = [] as const;

class TimeoutAbort extends Error {}
class CancelAbort extends Error {}
class GuardAbort extends Error {
  constructor(readonly info: StreamError) {
    super(info.message);
  }
}

/** What every request of one client shares (one object, referenced by each request). */
interface ClientShared {
  clock: RunClock;
  capture: string[];
  podHeaders: string[];
  maxEventBytes: number;
  maxErrorBody: number;
  secrets: string[];
  lingering: Lingering;
  signals: SignalWatch;
}

export function createStreamingClient(opts: ClientOptions, clock: RunClock): StreamingClient {
  const url = new URL(opts.target);
  const prefix = url.pathname.replace(/\/+$/, '');
  const pool = new Pool(url.origin, {
    connections: opts.connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    // Our own deadlines apply (headers = whole-request timeout, body gaps = stall timeout per request).
    headersTimeout: 0,
    bodyTimeout: 0,
    connect: observingConnector(buildConnector({ rejectUnauthorized: !opts.insecure })),
  });
  const continuousUsage = opts.continuousUsage ?? true;
  const baseHeaders: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'text/event-stream',
    // Without Accept-Encoding any coding is acceptable (RFC 9110 §12.5.3) and a gateway may compress;
    // say identity. A coded response is still decoded (content-coding.ts).
    'accept-encoding': 'identity',
    ...lowerKeys(opts.headers ?? {}),
  };
  if (opts.apiKey) baseHeaders.authorization = `Bearer ${opts.apiKey}`;
  // As undici's flat [name, value, …] list, without x-request-id (each request sets its own): a request without
  // headers of its own copies this list instead of spreading two objects (undici takes either form).
  const baseHeaderList = Object.entries(baseHeaders)
    .filter(([k]) => k !== 'x-request-id')
    .flat();

  const shared: ClientShared = {
    clock,
    capture: (opts.captureHeaders ?? DEFAULT_CAPTURE_HEADERS).map((h) => h.toLowerCase()),
    podHeaders: (opts.podHeaders ?? DEFAULT_POD_HEADERS).map((h) => h.toLowerCase()),
    maxEventBytes: opts.maxEventBytes ?? 16 * 1024 * 1024,
    maxErrorBody: opts.maxErrorBodyBytes ?? 64 * 1024,
    // The key as a server might reflect it: raw, base64 of it, base64 of the header that carried it.
    secrets: opts.apiKey && opts.apiKey.length >= 4 ? [opts.apiKey, b64(opts.apiKey), b64(`Bearer ${opts.apiKey}`)] : [],
    lingering: new Lingering(),
    signals: new SignalWatch(),
  };

  function send(spec: RequestSpec, ctx: SendContext): Promise<RequestRecord> {
    return new Promise<RequestRecord>((resolve) => {
      const req = new StreamRequest(shared, spec, ctx, resolve);
      if (ctx.signal) {
        if (ctx.signal.aborted) return req.cancelBeforeSend();
        shared.signals.watch(ctx.signal, req);
      }
      const path = `${prefix}${spec.api === 'chat' ? '/v1/chat/completions' : '/v1/completions'}`;
      const body = JSON.stringify(buildRequestBody(spec, continuousUsage));
      const headers = hasKeys(spec.headers)
        ? Object.entries({ ...baseHeaders, ...lowerKeys(spec.headers), 'x-request-id': ctx.requestId }).flat()
        : [...baseHeaderList, 'x-request-id', ctx.requestId];
      try {
        pool.dispatch({ method: 'POST', path, headers, body }, req);
      } catch (err) {
        req.settleError(err as Error);
      }
    });
  }

  return {
    send,
    async close() {
      await pool.close().catch(() => pool.destroy());
    },
  };
}

// The request's one timer (its argument is the request: no closure per request).
function onRequestTimer(req: StreamRequest): void {
  req.onTimer();
}

/**
 * One request: its undici dispatch handler, its SSE sink and its state, as one object with its methods on the
 * prototype (a closure per callback, two dozen per request, was a visible share of the client's allocation).
 * It turns the response into one RequestRecord and never throws for request failures.
 */
class StreamRequest implements Dispatcher.DispatchHandler, SseSink {
  // When the request went out. Re-stamped in onRequestStart, when undici actually writes it to a
  // socket: with keep-alive reuse undici waits a loop turn or two before reusing a socket, and that
  // wait is the client's lateness (schedule delay), not the server's TTFT.
  private sent: number;
  private headersAt: number | null = null;
  private status: number | null = null;
  private captured: Record<string, string> = {};
  private contentType = '';
  private isEventStream = false;
  private errorBody = '';
  private location: string | null = null;
  private contentEncoding = '';
  private undecodable: string | null = null;
  private decoder: ContentDecoder | null = null;
  private controller: Dispatcher.DispatchController | null = null;
  private finished = false;
  private responseEnded = false;
  private abortReason: Error | null = null;
  private readonly state: StreamState = createStreamState();
  // Arrival time of the bytes being parsed: every event in one read arrived at that read's time.
  private lastChunkAt: number;
  // Stamps of the current read and of the read before it (the request's send, first): events parsed from
  // one read share its stamp, and bytes of a read came after the read before it.
  private lastReadAt = Number.NaN;
  private readBeforeAt: number;
  private lastReadWindow = 0;
  // Arrival windows (arrival.ts): of the read being parsed, of the first content token, the widest so far.
  private parseWindow = 0;
  private firstTokenWindow: number | null = null;
  private maxWindow: number | null = null;
  // The start of an event-stream body, kept until its first event: a body that never yields one (a JSON
  // error labelled text/event-stream) is then reported by what it held, not as a bare truncation.
  private sawEvent = false;
  private streamHead = '';
  private readonly parser: SseStream = new SseStream(this);
  /** Position in its signal's in-flight SlotList (SignalWatch), −1 when not in it. */
  watchIndex = -1;
  /** Position in the client's lingering SlotList, −1 when not in it, and since when it lingers (Lingering). */
  lingerIndex = -1;
  lingerSince = 0;
  // One timer serves both limits, the whole-request deadline and the stall (no data for stallTimeoutMs once
  // the response started). It is armed for the earlier of the two and, when it fires early for a stall whose
  // clock was restarted by data since (lastDataAt), re-armed for the rest: no timer work per read, where a
  // refresh() per read re-inserted a timer into Node's lists thousands of times a second.
  private timer: NodeJS.Timeout | null;
  private readonly deadlineAt: number;
  private stallArmed = false;
  private lastDataAt = 0;
  // A transport error while coded bytes are still in the decoder: let it finish first (they may
  // hold [DONE]), then settle with the error.
  private pendingError: Error | null = null;

  constructor(
    private readonly shared: ClientShared,
    private readonly spec: RequestSpec,
    readonly ctx: SendContext,
    private readonly resolve: (r: RequestRecord) => void,
  ) {
    this.sent = shared.clock.now();
    this.lastChunkAt = this.sent;
    this.readBeforeAt = this.sent;
    this.deadlineAt = performance.now() + ctx.timeoutMs;
    this.timer = setTimeout(onRequestTimer, ctx.timeoutMs, this);
  }

  onTimer(): void {
    this.timer = null;
    if (this.finished) return;
    const now = performance.now();
    // Timers may fire a little before their time (Node rounds to whole ms): compare with a 1 ms allowance.
    if (now >= this.deadlineAt - 1) return this.abort(new TimeoutAbort(`request exceeded its ${this.ctx.timeoutMs} ms timeout`));
    const stallLeft = this.stallArmed ? this.lastDataAt + this.ctx.stallTimeoutMs - now : Number.POSITIVE_INFINITY;
    if (stallLeft <= 1) return this.abort(new GuardAbort({ errorClass: 'stall', message: `no data for ${this.ctx.stallTimeoutMs} ms mid-stream`, code: null }));
    this.timer = setTimeout(onRequestTimer, Math.min(stallLeft, this.deadlineAt - now), this);
  }

  lingerMs(): number {
    return Math.min(DONE_LINGER_MS, this.ctx.stallTimeoutMs);
  }

  closeLingering(): void {
    this.controller?.abort(new DoneLinger('response left open after data: [DONE]'));
  }

  cancelBeforeSend(): void {
    this.resolve(this.finish('cancelled', 'cancelled', 'cancelled before send'));
  }

  abort(reason: Error): void {
    if (this.abortReason || this.finished) return;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }

  private noteRead(t: number): void {
    if (t === this.lastReadAt) return;
    if (!Number.isNaN(this.lastReadAt)) this.readBeforeAt = this.lastReadAt;
    this.lastReadAt = t;
    this.lastReadWindow = Math.min(arrivalWindowMs(), t - this.readBeforeAt);
  }

  private armStall(): void {
    this.stallArmed = true;
    this.lastDataAt = performance.now();
    // Re-arm only when the stall comes due before the timer set for the deadline.
    if (this.timer !== null && this.deadlineAt - this.lastDataAt <= this.ctx.stallTimeoutMs) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(onRequestTimer, this.ctx.stallTimeoutMs, this);
  }

  onSseEvent(event: string, data: string): void {
    this.sawEvent = true;
    const state = this.state;
    if (state.error || state.done) return;
    if (event === 'error') {
      // `event: error` in a 200 stream (OpenAI's SDK raises on it; gateways use it): the server's
      // error, whatever its data looks like.
      const e = extractErrorPayload(safeJson(data));
      state.error = { errorClass: 'stream_error', message: e ? e.message : data.trim().slice(0, 500) || 'event: error with no data', code: e?.code ?? null };
      return this.abort(new GuardAbort(state.error));
    }
    const tokensBefore = state.chunkTimes.length;
    if (!applyStreamEvent(state, data, this.lastChunkAt)) this.abort(new GuardAbort(state.error!));
    else {
      if (state.chunkTimes.length > tokensBefore) {
        if (tokensBefore === 0) this.firstTokenWindow = this.parseWindow;
        if (this.maxWindow === null || this.parseWindow > this.maxWindow) this.maxWindow = this.parseWindow;
      }
      if (state.done) this.completeAtDone();
    }
  }

  private finish(statusKind: RequestRecord['status'], errorClass: ErrorClass | null, message: string | null, end = this.shared.clock.now()): RequestRecord {
    this.finished = true;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const { ctx, spec, state, shared, sent } = this;
    if (ctx.signal) shared.signals.unwatch(ctx.signal, this);
    this.decoder?.destroy();
    const { tokens, source } = resolveChunkTokens(state);
    const firstToken = state.chunkTimes.length > 0 ? state.chunkTimes[0]! : null;
    const chunks: [number, number][] = new Array(state.chunkTimes.length);
    for (let i = 0; i < chunks.length; i++) chunks[i] = [round3(state.chunkTimes[i]! - firstToken!), tokens[i]!];
    let completion = state.usage.completionTokens;
    if (completion === null && tokens.length > 0) {
      completion = 0;
      for (const t of tokens) completion += t;
    }
    const ok = statusKind === 'ok';
    const ttft = firstToken !== null ? firstToken - sent : null;
    const e2e = ok ? end - sent : null;
    const captured = this.captured;
    let podHeader: string | undefined;
    for (const h of shared.podHeaders) {
      if (captured[h] !== undefined) {
        podHeader = h;
        break;
      }
    }
    return {
      seq: ctx.seq,
      requestId: ctx.requestId,
      phase: ctx.phase,
      stage: ctx.stage,
      worker: ctx.worker ?? 0,
      api: spec.api,
      model: spec.model,
      servedModel: state.servedModel,
      responseId: state.responseId,
      groupId: spec.groupId ?? null,
      sessionId: spec.sessionId ?? null,
      tags: spec.tags,
      status: statusKind,
      httpStatus: this.status,
      errorClass,
      errorMessage: message === null ? null : redact(message, shared.secrets),
      finishReason: state.finishReason,
      times: { intended: round3(ctx.intended), sent: round3(sent), headers: nr3(this.headersAt), firstToken: nr3(firstToken), end: round3(end) },
      ttftMs: nr3(ttft),
      e2eMs: nr3(e2e),
      tpotMs: nr3(ok ? tpotMs(e2e, ttft, completion) : null),
      scheduleDelayMs: round3(sent - ctx.intended),
      latencyFromIntendedMs: round3(end - ctx.intended),
      chunks,
      firstTokenWindowMs: nr3(this.firstTokenWindow),
      maxArrivalWindowMs: nr3(this.maxWindow),
      tokenSource: source,
      promptTokens: state.usage.promptTokens,
      completionTokens: completion,
      cachedTokens: state.usage.cachedTokens,
      headers: captured,
      pod: podHeader ? captured[podHeader]! : null,
      podSource: podHeader ? `header:${podHeader}` : null,
    };
  }

  // `data: [DONE]` completes the request, whatever the connection does next: it ends at [DONE]'s
  // arrival, and a later reset or a response the server leaves open cannot fail it. A response
  // still open after a short grace (the chunked terminator normally follows [DONE] within the same
  // read or the next one) is aborted, which closes its socket instead of holding it.
  private completeAtDone(): void {
    if (this.state.chunkTimes.length === 0) this.resolve(this.finish('error', 'truncated', 'stream finished with no content tokens', this.lastChunkAt));
    else this.resolve(this.finish('ok', null, null, this.lastChunkAt));
    if (!this.responseEnded && this.controller) this.shared.lingering.add(this, performance.now());
  }

  settleError(err: Error | null): void {
    if (this.finished) return;
    const reason = this.abortReason ?? err;
    if (reason instanceof CancelAbort) return this.resolve(this.finish('cancelled', 'cancelled', reason.message));
    if (reason instanceof TimeoutAbort) return this.resolve(this.finish('error', 'timeout', reason.message));
    if (reason instanceof GuardAbort) return this.resolve(this.finish('error', reason.info.errorClass, reason.info.message));
    this.resolve(this.finish('error', classifyTransportError(reason, this.headersAt !== null), describeTransportError(reason)));
  }

  // Decoded (or plain) body bytes that arrived at time t.
  private consume(chunk: Buffer, t: number): void {
    if (this.finished) return;
    const status = this.status;
    if (status === null || status >= 300 || !this.isEventStream) {
      const room = this.shared.maxErrorBody - this.errorBody.length;
      if (room > 0) this.errorBody += chunk.toString('utf8', 0, Math.min(chunk.length, room));
      return;
    }
    // The read's own window; bytes a decoder emits after a later read carry their own read's time t, and
    // only the loosest bound (since the request was sent).
    this.parseWindow = t === this.lastReadAt ? this.lastReadWindow : t - this.sent;
    this.lastChunkAt = t;
    this.parser.push(chunk);
    // Kept only while no event has been seen (after the push: a read that holds an event, as nearly every first
    // read does, copies nothing).
    if (!this.sawEvent && this.streamHead.length < 2048) this.streamHead += chunk.toString('utf8', 0, Math.min(chunk.length, 2048 - this.streamHead.length));
    if (!this.finished && this.parser.pendingChars > this.shared.maxEventBytes) {
      this.abort(new GuardAbort({ errorClass: 'malformed', message: `SSE event larger than ${this.shared.maxEventBytes} bytes`, code: null }));
    }
  }

  // The response is over (and, for a coded body, fully decoded): classify it.
  private complete(): void {
    if (this.finished) return;
    if (this.abortReason) return this.settleError(this.abortReason);
    const { status, captured, contentType, state } = this;
    const resolve = this.resolve;
    if (status === null) return resolve(this.finish('error', 'reset', 'response ended without a status'));
    if (status >= 300 && status < 400) {
      // Not followed: a benchmark must measure the target it was given, not wherever it is sent.
      const where = this.location === null ? 'no Location header' : `Location: ${redactLocation(this.location)}`;
      return resolve(this.finish('error', 'http_3xx', `HTTP ${status} redirect, not followed (${where}); point the target at the final URL`));
    }
    if (status < 200 || status >= 300) {
      const msg = this.undecodable ? `body not decoded (content-encoding "${this.undecodable}")` : errorBodyMessage(this.errorBody, contentType) || `HTTP ${status}`;
      const retry = captured['retry-after'] ? ` (retry-after: ${captured['retry-after']})` : '';
      return resolve(this.finish('error', status === 429 ? 'http_429' : status >= 500 ? 'http_5xx' : 'http_4xx', `HTTP ${status}: ${msg}${retry}`));
    }
    if (!this.isEventStream) {
      const ctName = contentType || 'none';
      const errorBody = this.errorBody;
      if (errorBody.trim() === '') return resolve(this.finish('error', 'malformed', `HTTP ${status} with an empty body (content-type ${ctName}); expected a text/event-stream`));
      const payload = safeJson(errorBody);
      const e = extractErrorPayload(payload);
      // A server that reports an error in a 200 JSON body: its message is the error.
      if (e) return resolve(this.finish('error', 'stream_error', `${e.message} (HTTP ${status} ${ctName} error body instead of an event stream)`));
      const o = payload as { object?: unknown; choices?: unknown } | null;
      if (o && typeof o === 'object' && (Array.isArray(o.choices) || o.object === 'chat.completion' || o.object === 'text_completion')) {
        return resolve(this.finish('error', 'malformed', `the server ignored stream: true and sent a non-streaming ${typeof o.object === 'string' ? o.object : 'completion'} (content-type ${ctName}); nothing to time per token`));
      }
      return resolve(this.finish('error', 'malformed', `expected content-type text/event-stream for a streaming request, got ${ctName}: ${errorBody.slice(0, 120)}`));
    }
    const rest = this.parser.end();
    if (this.finished) return; // [DONE] or an error event was in the last, unterminated piece
    if (state.error) return resolve(this.finish('error', state.error.errorClass, state.error.message));
    if (!state.done && !this.sawEvent) {
      const head = this.streamHead.trim();
      const e = head.startsWith('{') ? extractErrorPayload(safeJson(head)) : null;
      if (e) return resolve(this.finish('error', 'stream_error', `${e.message} (HTTP ${status} ${contentType}: a JSON error body, not SSE events)`));
      if (head !== '') return resolve(this.finish('error', 'truncated', `stream ended without data: [DONE] and without any SSE event; the body began: ${JSON.stringify(head.slice(0, 120))}`));
    }
    if (!state.done) {
      const what = rest ? 'in the middle of an event' : state.finishReason ? 'after finish_reason but before [DONE]' : 'before any finish_reason';
      return resolve(this.finish('error', 'truncated', `stream ended without data: [DONE] (${what})`));
    }
  }

  // Only coded responses (rare) get a decoder, and with it these closures.
  private makeSink(): DecodeSink {
    return {
      data: (chunk, t) => this.consume(chunk, t),
      end: () => (this.pendingError ? this.settleError(this.pendingError) : this.responseEnded ? this.complete() : undefined),
      error: (err) => {
        const info: StreamError = { errorClass: 'malformed', message: `could not decode the response body (content-encoding ${this.contentEncoding}): ${err.message}`, code: null };
        if (this.responseEnded || this.pendingError) this.resolve(this.finish('error', info.errorClass, info.message));
        else this.abort(new GuardAbort(info));
      },
    };
  }

  onRequestStart(c: Dispatcher.DispatchController): void {
    this.controller = c;
    this.sent = this.shared.clock.now();
    this.lastChunkAt = this.sent;
    this.readBeforeAt = this.sent;
    if (this.abortReason) c.abort(this.abortReason);
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, resHeaders: Record<string, string | string[] | undefined>): void {
    if (statusCode < 200) return; // 1xx informational
    // The read's stamp (arrival.ts), never before the request went out, so intervals stay non-negative.
    const headersAt = Math.max(this.shared.clock.arrival(), this.sent);
    this.headersAt = headersAt;
    this.noteRead(headersAt);
    this.lastChunkAt = headersAt;
    this.status = statusCode;
    // Captured headers are written to every output (and name pods): a server that reflects the
    // Authorization header into one of them must not put the key there.
    this.captured = redactValues(pickHeaders(resHeaders, this.shared.capture, statusCode === 429 || statusCode === 503 ? RETRY_AFTER : NO_HEADERS), this.shared.secrets);
    this.contentType = headerText(resHeaders['content-type']);
    this.isEventStream = isEventStreamType(this.contentType);
    if (statusCode >= 300 && statusCode < 400) this.location = resHeaders.location === undefined ? null : headerText(resHeaders.location);
    const ce = resHeaders['content-encoding'];
    if (ce !== undefined) {
      this.contentEncoding = headerText(ce);
      const { codings, unsupported } = parseContentEncoding(this.contentEncoding);
      if (unsupported !== null) {
        this.undecodable = unsupported;
        if (statusCode < 300) {
          this.abort(new GuardAbort({ errorClass: 'malformed', message: `response has content-encoding "${unsupported}", which the client cannot decode (it asked for identity)`, code: null }));
          return;
        }
      } else if (codings.length > 0) this.decoder = new ContentDecoder(codings, this.makeSink());
    }
    if (statusCode >= 200 && statusCode < 300) this.armStall();
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.finished) return;
    const t = Math.max(this.shared.clock.arrival(), this.lastChunkAt);
    this.noteRead(t);
    if (this.stallArmed) this.lastDataAt = performance.now();
    if (this.undecodable !== null) return;
    if (this.decoder) this.decoder.write(chunk, t);
    else this.consume(chunk, t);
  }

  onResponseEnd(): void {
    this.responseEnded = true;
    this.shared.lingering.remove(this);
    if (this.finished) return;
    if (this.decoder && !this.abortReason) this.decoder.end(); // complete() once the decoder has flushed
    else this.complete();
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    this.responseEnded = true;
    this.shared.lingering.remove(this);
    if (this.finished) return;
    if (this.decoder && !this.abortReason && this.headersAt !== null) {
      this.pendingError = err;
      this.decoder.end();
      return;
    }
    this.settleError(err);
  }
}

/** undici's connector, with each socket's reads stamped and parsed after the poll (arrival.ts). */
function observingConnector(connect: buildConnector.connector): buildConnector.connector {
  return (options, callback) =>
    connect(options, (...args) => {
      if (args[0] === null) observeReads(args[1]);
      callback(...args);
    });
}

/** Local resource limits: the request failed on our side, not the server's. */
const CLIENT_LIMIT_CODES = new Set(['EMFILE', 'ENFILE', 'EADDRNOTAVAIL', 'ENOBUFS']);

export function classifyTransportError(err: Error | null, gotHeaders: boolean): ErrorClass {
  if (!err) return 'reset';
  const code = (err as { code?: string }).code ?? '';
  if (CLIENT_LIMIT_CODES.has(code)) return 'client';
  if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError) return 'timeout';
  if (err instanceof undiciErrors.ConnectTimeoutError) return 'connect';
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'connect';
  if (code.startsWith('ERR_TLS') || code.includes('CERT') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'SELF_SIGNED_CERT_IN_CHAIN') return 'connect';
  if (err instanceof undiciErrors.ResponseExceededMaxSizeError) return 'malformed';
  if (err instanceof undiciErrors.SocketError || code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET') return 'reset';
  if (code === 'HPE_INVALID_CONSTANT' || code.startsWith('HPE_')) return 'malformed';
  return gotHeaders ? 'reset' : 'connect';
}

export function describeTransportError(err: Error | null): string {
  if (!err) return 'connection closed';
  const code = (err as { code?: string }).code;
  if (code && CLIENT_LIMIT_CODES.has(code)) {
    // An open loop that falls behind opens a socket per waiting request until the process runs out.
    return `client limit: ${err.message} — the load generator ran out of sockets/file descriptors; cap requests in flight (load.maxInFlight) or raise ulimit -n`;
  }
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const bits = [err.message];
  if (code && !err.message.includes(code)) bits.push(`(${code})`);
  if (cause?.message && !err.message.includes(cause.message)) bits.push(`cause: ${cause.message}`);
  return bits.join(' ');
}

/**
 * Is this Content-Type text/event-stream? Type and subtype are case-insensitive and parameters
 * (charset…) do not change the type (RFC 9110 §8.3.1).
 */
export function isEventStreamType(ct: string): boolean {
  if (ct === 'text/event-stream') return true; // the usual case, without allocating
  const semi = ct.indexOf(';');
  return (semi === -1 ? ct : ct.slice(0, semi)).trim().toLowerCase() === 'text/event-stream';
}

function headerText(v: string | string[] | undefined): string {
  return v === undefined ? '' : Array.isArray(v) ? v.join(', ') : v;
}

/** A Location for a message: an absolute URL through redactUrl; a relative one loses its query and fragment. */
export function redactLocation(location: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(location)) return redactUrl(location);
  // Scheme-relative (//user:pass@host/…): the same rules, without inventing a scheme.
  if (location.startsWith('//')) return redactUrl(`http:${location}`).slice('http:'.length);
  return location.replace(/[?#].*$/s, '');
}

/**
 * The server's message from an error body: the message of a JSON error (both vLLM shapes); an HTML
 * page's <title> (or its text), as proxies such as nginx and Envoy's ingress send; else the text.
 */
export function errorBodyMessage(body: string, contentType: string): string {
  const e = extractErrorPayload(safeJson(body));
  if (e) return e.message;
  const text = body.trim();
  if (/^text\/html\b/i.test(contentType) || /^<(!doctype|html)/i.test(text)) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.trim();
    const plain = (title || text.replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>/gi, ' ').replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim();
    return plain.slice(0, 500);
  }
  return text.slice(0, 500);
}

function pickHeaders(h: Record<string, string | string[] | undefined>, names: readonly string[], extra: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const list of [names, extra]) {
    for (const n of list) {
      const v = h[n];
      if (v !== undefined) out[n] = headerText(v);
    }
  }
  return out;
}

function hasKeys(h: Record<string, string> | undefined): h is Record<string, string> {
  for (const _ in h) return true;
  return false;
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}

function b64(s: string): string {
  return Buffer.from(s).toString('base64');
}

function redactValues(h: Record<string, string>, secrets: readonly string[]): Record<string, string> {
  if (secrets.length === 0) return h;
  for (const k of Object.keys(h)) h[k] = redact(h[k]!, secrets);
  return h;
}

export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('[REDACTED]');
  return out;
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
function nr3(x: number | null): number | null {
  return x === null ? null : round3(x);
}
