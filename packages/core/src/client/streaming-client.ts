// The OpenAI-compatible streaming client: one undici Pool per target origin, sized by the caller
// (no silent connection caps: the pool is never smaller than the concurrency the load asks for).
// Each `send` turns one RequestSpec into one RequestRecord; it never throws for request failures —
// every failure becomes a classified error in the record, so the run goes on.
import { Pool, buildConnector, errors as undiciErrors, type Dispatcher } from 'undici';
import { arrivalWindowMs, observeReads } from './arrival.ts';
import type { RunClock } from './clock.ts';
import { createSseParser } from './sse.ts';
import { ContentDecoder, parseContentEncoding, type DecodeSink } from './content-coding.ts';
import { redactUrl } from '../redact-url.ts';
import { applyStreamEvent, createStreamState, extractErrorPayload, resolveChunkTokens, type StreamError } from './openai-stream.ts';
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
function closeLingering(c: Dispatcher.DispatchController): void {
  c.abort(new DoneLinger('response left open after data: [DONE]'));
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
  const capture = (opts.captureHeaders ?? DEFAULT_CAPTURE_HEADERS).map((h) => h.toLowerCase());
  const podHeaders = (opts.podHeaders ?? DEFAULT_POD_HEADERS).map((h) => h.toLowerCase());
  const continuousUsage = opts.continuousUsage ?? true;
  const maxEventBytes = opts.maxEventBytes ?? 16 * 1024 * 1024;
  const maxErrorBody = opts.maxErrorBodyBytes ?? 64 * 1024;
  const baseHeaders: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'text/event-stream',
    // Without Accept-Encoding any coding is acceptable (RFC 9110 §12.5.3) and a gateway may compress;
    // say identity. A coded response is still decoded (content-coding.ts).
    'accept-encoding': 'identity',
    ...lowerKeys(opts.headers ?? {}),
  };
  if (opts.apiKey) baseHeaders.authorization = `Bearer ${opts.apiKey}`;
  // The key as a server might reflect it: raw, base64 of it, base64 of the header that carried it.
  const secrets = opts.apiKey && opts.apiKey.length >= 4 ? [opts.apiKey, b64(opts.apiKey), b64(`Bearer ${opts.apiKey}`)] : [];

  // One 'abort' listener per caller signal (run() passes the same one to every request), which aborts
  // the requests in flight on it: a listener per request would pile thousands onto one signal (Node
  // warns past 10) and cost an add/remove per request. It is removed when no request is in flight on
  // the signal, so a signal that outlives the client (or one signal per request) keeps nothing.
  const inflightBySignal = new Map<AbortSignal, { inflight: Set<(reason: Error) => void>; listener: () => void }>();
  const watch = (signal: AbortSignal, abortOne: (reason: Error) => void): void => {
    let entry = inflightBySignal.get(signal);
    if (!entry) {
      const inflight = new Set<(reason: Error) => void>();
      const listener = () => {
        inflightBySignal.delete(signal);
        for (const a of inflight) a(new CancelAbort('cancelled by caller'));
      };
      signal.addEventListener('abort', listener, { once: true });
      entry = { inflight, listener };
      inflightBySignal.set(signal, entry);
    }
    entry.inflight.add(abortOne);
  };
  const unwatch = (signal: AbortSignal, abortOne: (reason: Error) => void): void => {
    const entry = inflightBySignal.get(signal);
    if (!entry) return;
    entry.inflight.delete(abortOne);
    if (entry.inflight.size === 0) {
      inflightBySignal.delete(signal);
      signal.removeEventListener('abort', entry.listener);
    }
  };

  function send(spec: RequestSpec, ctx: SendContext): Promise<RequestRecord> {
    return new Promise<RequestRecord>((resolve) => {
      const path = `${prefix}${spec.api === 'chat' ? '/v1/chat/completions' : '/v1/completions'}`;
      const body = JSON.stringify(buildRequestBody(spec, continuousUsage));
      const headers = { ...baseHeaders, ...lowerKeys(spec.headers), 'x-request-id': ctx.requestId };

      // When the request went out. Re-stamped in onRequestStart, when undici actually writes it to a
      // socket: with keep-alive reuse undici waits a loop turn or two before reusing a socket, and that
      // wait is the client's lateness (schedule delay), not the server's TTFT.
      let sent = clock.now();
      let headersAt: number | null = null;
      let status: number | null = null;
      let captured: Record<string, string> = {};
      let contentType = '';
      let isEventStream = false;
      let errorBody = '';
      let location: string | null = null;
      let contentEncoding = '';
      let undecodable: string | null = null;
      let decoder: ContentDecoder | null = null;
      let controller: Dispatcher.DispatchController | null = null;
      let finished = false;
      let responseEnded = false;
      let lingerTimer: NodeJS.Timeout | null = null;
      let abortReason: Error | null = null;
      const state = createStreamState();
      // Arrival time of the bytes being parsed: every event in one read arrived at that read's time.
      let lastChunkAt = sent;
      // Stamps of the current read and of the read before it (the request's send, first): events parsed from
      // one read share its stamp, and bytes of a read came after the read before it.
      let lastReadAt = Number.NaN;
      let readBeforeAt = sent;
      let lastReadWindow = 0;
      const noteRead = (t: number) => {
        if (t === lastReadAt) return;
        if (!Number.isNaN(lastReadAt)) readBeforeAt = lastReadAt;
        lastReadAt = t;
        lastReadWindow = Math.min(arrivalWindowMs(), t - readBeforeAt);
      };
      // Arrival windows (arrival.ts): of the read being parsed, of the first content token, the widest so far.
      let parseWindow = 0;
      let firstTokenWindow: number | null = null;
      let maxWindow: number | null = null;
      // The start of an event-stream body, kept until its first event: a body that never yields one (a JSON
      // error labelled text/event-stream) is then reported by what it held, not as a bare truncation.
      let sawEvent = false;
      let streamHead = '';
      const parser = createSseParser((ev) => {
        sawEvent = true;
        if (state.error || state.done) return;
        if (ev.event === 'error') {
          // `event: error` in a 200 stream (OpenAI's SDK raises on it; gateways use it): the server's
          // error, whatever its data looks like.
          const e = extractErrorPayload(safeJson(ev.data));
          state.error = { errorClass: 'stream_error', message: e ? e.message : ev.data.trim().slice(0, 500) || 'event: error with no data', code: e?.code ?? null };
          return abort(new GuardAbort(state.error));
        }
        const tokensBefore = state.chunkTimes.length;
        if (!applyStreamEvent(state, ev.data, lastChunkAt)) abort(new GuardAbort(state.error!));
        else {
          if (state.chunkTimes.length > tokensBefore) {
            if (tokensBefore === 0) firstTokenWindow = parseWindow;
            if (maxWindow === null || parseWindow > maxWindow) maxWindow = parseWindow;
          }
          if (state.done) completeAtDone();
        }
      });

      const abort = (reason: Error) => {
        if (abortReason || finished) return;
        abortReason = reason;
        controller?.abort(reason);
      };
      const deadline = setTimeout(() => abort(new TimeoutAbort(`request exceeded its ${ctx.timeoutMs} ms timeout`)), ctx.timeoutMs);
      let stallTimer: NodeJS.Timeout | null = null;
      const armStall = () => {
        if (stallTimer) stallTimer.refresh();
        else stallTimer = setTimeout(() => abort(new GuardAbort({ errorClass: 'stall', message: `no data for ${ctx.stallTimeoutMs} ms mid-stream`, code: null })), ctx.stallTimeoutMs);
      };
      if (ctx.signal) {
        if (ctx.signal.aborted) {
          clearTimeout(deadline);
          resolve(finish('cancelled', 'cancelled', 'cancelled before send'));
          return;
        }
        watch(ctx.signal, abort);
      }

      function finish(statusKind: RequestRecord['status'], errorClass: ErrorClass | null, message: string | null, end = clock.now()): RequestRecord {
        finished = true;
        clearTimeout(deadline);
        if (stallTimer) clearTimeout(stallTimer);
        if (ctx.signal) unwatch(ctx.signal, abort);
        decoder?.destroy();
        const { tokens, source } = resolveChunkTokens(state);
        const firstToken = state.chunkTimes.length > 0 ? state.chunkTimes[0]! : null;
        const chunks: [number, number][] = state.chunkTimes.map((t, i) => [round3(t - firstToken!), tokens[i]!]);
        const completion = state.usage.completionTokens ?? (tokens.length > 0 ? tokens.reduce((a, b) => a + b, 0) : null);
        const ok = statusKind === 'ok';
        const ttft = firstToken !== null ? firstToken - sent : null;
        const e2e = ok ? end - sent : null;
        const podHeader = podHeaders.find((h) => captured[h] !== undefined);
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
          httpStatus: status,
          errorClass,
          errorMessage: message === null ? null : redact(message, secrets),
          finishReason: state.finishReason,
          times: { intended: round3(ctx.intended), sent: round3(sent), headers: nr3(headersAt), firstToken: nr3(firstToken), end: round3(end) },
          ttftMs: nr3(ttft),
          e2eMs: nr3(e2e),
          tpotMs: nr3(ok ? tpotMs(e2e, ttft, completion) : null),
          scheduleDelayMs: round3(sent - ctx.intended),
          latencyFromIntendedMs: round3(end - ctx.intended),
          chunks,
          firstTokenWindowMs: nr3(firstTokenWindow),
          maxArrivalWindowMs: nr3(maxWindow),
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
      function completeAtDone(): void {
        if (state.chunkTimes.length === 0) resolve(finish('error', 'truncated', 'stream finished with no content tokens', lastChunkAt));
        else resolve(finish('ok', null, null, lastChunkAt));
        if (!responseEnded && controller) lingerTimer = setTimeout(closeLingering, Math.min(DONE_LINGER_MS, ctx.stallTimeoutMs), controller);
      }

      function settleError(err: Error | null): void {
        if (finished) return;
        const reason = abortReason ?? err;
        if (reason instanceof CancelAbort) return resolve(finish('cancelled', 'cancelled', reason.message));
        if (reason instanceof TimeoutAbort) return resolve(finish('error', 'timeout', reason.message));
        if (reason instanceof GuardAbort) return resolve(finish('error', reason.info.errorClass, reason.info.message));
        resolve(finish('error', classifyTransportError(reason, headersAt !== null), describeTransportError(reason)));
      }

      // Decoded (or plain) body bytes that arrived at time t.
      function consume(chunk: Buffer, t: number): void {
        if (finished) return;
        if (status === null || status >= 300 || !isEventStream) {
          if (errorBody.length < maxErrorBody) errorBody += chunk.toString('utf8', 0, Math.min(chunk.length, maxErrorBody - errorBody.length));
          return;
        }
        // The read's own window; bytes a decoder emits after a later read carry their own read's time t, and
        // only the loosest bound (since the request was sent).
        parseWindow = t === lastReadAt ? lastReadWindow : t - sent;
        lastChunkAt = t;
        if (!sawEvent && streamHead.length < 2048) streamHead += chunk.toString('utf8', 0, Math.min(chunk.length, 2048 - streamHead.length));
        parser.push(chunk);
        if (!finished && parser.pendingChars > maxEventBytes) {
          abort(new GuardAbort({ errorClass: 'malformed', message: `SSE event larger than ${maxEventBytes} bytes`, code: null }));
        }
      }

      // The response is over (and, for a coded body, fully decoded): classify it.
      function complete(): void {
        if (finished) return;
        if (abortReason) return settleError(abortReason);
        if (status === null) return resolve(finish('error', 'reset', 'response ended without a status'));
        if (status >= 300 && status < 400) {
          // Not followed: a benchmark must measure the target it was given, not wherever it is sent.
          const where = location === null ? 'no Location header' : `Location: ${redactLocation(location)}`;
          return resolve(finish('error', 'http_3xx', `HTTP ${status} redirect, not followed (${where}); point the target at the final URL`));
        }
        if (status < 200 || status >= 300) {
          const msg = undecodable ? `body not decoded (content-encoding "${undecodable}")` : errorBodyMessage(errorBody, contentType) || `HTTP ${status}`;
          const retry = captured['retry-after'] ? ` (retry-after: ${captured['retry-after']})` : '';
          return resolve(finish('error', status === 429 ? 'http_429' : status >= 500 ? 'http_5xx' : 'http_4xx', `HTTP ${status}: ${msg}${retry}`));
        }
        if (!isEventStream) {
          const ctName = contentType || 'none';
          if (errorBody.trim() === '') return resolve(finish('error', 'malformed', `HTTP ${status} with an empty body (content-type ${ctName}); expected a text/event-stream`));
          const payload = safeJson(errorBody);
          const e = extractErrorPayload(payload);
          // A server that reports an error in a 200 JSON body: its message is the error.
          if (e) return resolve(finish('error', 'stream_error', `${e.message} (HTTP ${status} ${ctName} error body instead of an event stream)`));
          const o = payload as { object?: unknown; choices?: unknown } | null;
          if (o && typeof o === 'object' && (Array.isArray(o.choices) || o.object === 'chat.completion' || o.object === 'text_completion')) {
            return resolve(finish('error', 'malformed', `the server ignored stream: true and sent a non-streaming ${typeof o.object === 'string' ? o.object : 'completion'} (content-type ${ctName}); nothing to time per token`));
          }
          return resolve(finish('error', 'malformed', `expected content-type text/event-stream for a streaming request, got ${ctName}: ${errorBody.slice(0, 120)}`));
        }
        const rest = parser.end();
        if (finished) return; // [DONE] or an error event was in the last, unterminated piece
        if (state.error) return resolve(finish('error', state.error.errorClass, state.error.message));
        if (!state.done && !sawEvent) {
          const head = streamHead.trim();
          const e = head.startsWith('{') ? extractErrorPayload(safeJson(head)) : null;
          if (e) return resolve(finish('error', 'stream_error', `${e.message} (HTTP ${status} ${contentType}: a JSON error body, not SSE events)`));
          if (head !== '') return resolve(finish('error', 'truncated', `stream ended without data: [DONE] and without any SSE event; the body began: ${JSON.stringify(head.slice(0, 120))}`));
        }
        if (!state.done) {
          const what = rest ? 'in the middle of an event' : state.finishReason ? 'after finish_reason but before [DONE]' : 'before any finish_reason';
          return resolve(finish('error', 'truncated', `stream ended without data: [DONE] (${what})`));
        }
      }

      // A transport error while coded bytes are still in the decoder: let it finish first (they may
      // hold [DONE]), then settle with the error.
      let pendingError: Error | null = null;
      const makeSink = (): DecodeSink => ({
        data: consume,
        end: () => (pendingError ? settleError(pendingError) : responseEnded ? complete() : undefined),
        error: (err) => {
          const info: StreamError = { errorClass: 'malformed', message: `could not decode the response body (content-encoding ${contentEncoding}): ${err.message}`, code: null };
          if (responseEnded || pendingError) resolve(finish('error', info.errorClass, info.message));
          else abort(new GuardAbort(info));
        },
      });

      const handler: Dispatcher.DispatchHandler = {
        onRequestStart(c) {
          controller = c;
          sent = clock.now();
          lastChunkAt = sent;
          readBeforeAt = sent;
          if (abortReason) c.abort(abortReason);
        },
        onResponseStart(_c, statusCode, resHeaders) {
          if (statusCode < 200) return; // 1xx informational
          // The read's stamp (arrival.ts), never before the request went out, so intervals stay non-negative.
          headersAt = Math.max(clock.arrival(), sent);
          noteRead(headersAt);
          lastChunkAt = headersAt;
          status = statusCode;
          // Captured headers are written to every output (and name pods): a server that reflects the
          // Authorization header into one of them must not put the key there.
          captured = redactValues(pickHeaders(resHeaders, capture, statusCode === 429 || statusCode === 503 ? RETRY_AFTER : NO_HEADERS), secrets);
          contentType = headerText(resHeaders['content-type']);
          isEventStream = isEventStreamType(contentType);
          if (statusCode >= 300 && statusCode < 400) location = resHeaders.location === undefined ? null : headerText(resHeaders.location);
          const ce = resHeaders['content-encoding'];
          if (ce !== undefined) {
            contentEncoding = headerText(ce);
            const { codings, unsupported } = parseContentEncoding(contentEncoding);
            if (unsupported !== null) {
              undecodable = unsupported;
              if (statusCode < 300) {
                abort(new GuardAbort({ errorClass: 'malformed', message: `response has content-encoding "${unsupported}", which the client cannot decode (it asked for identity)`, code: null }));
                return;
              }
            } else if (codings.length > 0) decoder = new ContentDecoder(codings, makeSink());
          }
          if (statusCode >= 200 && statusCode < 300) armStall();
        },
        onResponseData(_c, chunk) {
          if (finished) return;
          const t = Math.max(clock.arrival(), lastChunkAt);
          noteRead(t);
          if (stallTimer) stallTimer.refresh();
          if (undecodable !== null) return;
          if (decoder) decoder.write(chunk, t);
          else consume(chunk, t);
        },
        onResponseEnd() {
          responseEnded = true;
          if (lingerTimer) clearTimeout(lingerTimer);
          if (finished) return;
          if (decoder && !abortReason) decoder.end(); // complete() once the decoder has flushed
          else complete();
        },
        onResponseError(_c, err) {
          responseEnded = true;
          if (lingerTimer) clearTimeout(lingerTimer);
          if (finished) return;
          if (decoder && !abortReason && headersAt !== null) {
            pendingError = err;
            decoder.end();
            return;
          }
          settleError(err);
        },
      };

      try {
        pool.dispatch({ method: 'POST', path, headers, body }, handler);
      } catch (err) {
        settleError(err as Error);
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
