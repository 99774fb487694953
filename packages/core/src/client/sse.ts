// Incremental Server-Sent Events parser (WHATWG "event stream interpretation", the parts an
// OpenAI-compatible server uses). Bytes arrive in arbitrary TCP-sized pieces: an event, a line, even
// a UTF-8 character may be split across reads, so state survives between `push` calls.
// Handles \n, \r\n and lone \r line ends, `:` comment lines, multi-line `data:` fields, and ignores
// `event:`/`id:`/`retry:` (vLLM sends none; we keep the event name anyway for error reporting).
import { StringDecoder } from 'node:string_decoder';

export interface SseEvent {
  event: string;
  data: string;
}

/** Where an SseStream delivers events: a method, so a stream needs no closure of its own. */
export interface SseSink {
  onSseEvent(event: string, data: string): void;
}

export interface SseParser {
  /** Feed bytes; calls onEvent for every complete event. */
  push(chunk: Uint8Array): void;
  /** End of stream: returns the text of an unterminated trailing event, if any (a truncated stream). */
  end(): string | null;
  /** Bytes seen so far (for giant-event guards). */
  readonly pendingChars: number;
}

/** Parse with a callback per event (tests, one-off use). The client uses SseStream with itself as the sink. */
export function createSseParser(onEvent: (ev: SseEvent) => void): SseParser {
  return new SseStream({ onSseEvent: (event, data) => onEvent({ event, data }) });
}

/**
 * The parser's state as one object with its methods on the prototype: one allocation per stream instead of a
 * closure per function (the client makes one per request, thousands a second).
 */
export class SseStream implements SseParser {
  // Bytes → text. A read that ends on an ASCII byte ends on a character boundary, so it is decoded on its own;
  // a StringDecoder (which keeps a split character for the next read) is made only when a read ends inside a
  // multi-byte character. A TextDecoder per stream cost more to construct than the whole 16-token stream's
  // decoding (`pnpm bench` profile). Invalid bytes become U+FFFD either way, as TextDecoder's default did.
  private decoder: StringDecoder | null = null;
  // The stream's first character, when it is U+FEFF, is dropped (WHATWG HTML §9.2.6: "One leading U+FEFF BYTE
  // ORDER MARK character must be ignored"); TextDecoder did this by default.
  private atStart = true;
  private buf = '';
  // The current event's data lines: the first one alone (the usual case, no array), the rest in `dataMore`.
  private data: string | null = null;
  private dataMore: string[] | null = null;
  private dataChars = 0;
  private eventName = '';
  private sawField = false;
  // A chunk that ended in '\r' may be followed by '\n' at the start of the next chunk.
  private skipLeadingLf = false;
  // A long line arriving in many reads is neither rescanned from its start nor re-flattened on every
  // read (both made a 16 MB event cost O(n²): ~10 s): reads without a line end wait in `parts` until
  // one comes, and `scanned` marks how far buf is known to hold no line end.
  private scanned = 0;
  private parts: string[] | null = null;
  private partsChars = 0;

  constructor(private readonly sink: SseSink) {}

  push(chunk: Uint8Array): void {
    const text = this.decode(chunk);
    if (!this.skipLeadingLf && text.indexOf('\n') === -1 && text.indexOf('\r') === -1) {
      (this.parts ??= []).push(text);
      this.partsChars += text.length;
      return;
    }
    this.buf += this.takeParts() + text;
    this.scan();
  }

  end(): string | null {
    this.buf += this.takeParts() + (this.decoder === null ? '' : this.decoder.end());
    this.scan();
    const lines = this.data === null ? [] : [this.data, ...(this.dataMore ?? [])];
    const rest = this.buf.length > 0 || lines.length > 0 ? [...lines, this.buf].filter(Boolean).join('\n') : null;
    this.buf = '';
    this.data = null;
    this.dataMore = null;
    this.dataChars = 0;
    this.scanned = 0;
    return rest;
  }

  get pendingChars(): number {
    return this.buf.length + this.partsChars + this.dataChars;
  }

  private takeParts(): string {
    if (this.parts === null) return '';
    const t = this.parts.join('');
    this.parts = null;
    this.partsChars = 0;
    return t;
  }

  private decode(chunk: Uint8Array): string {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let text: string;
    if (this.decoder === null && (b.length === 0 || b[b.length - 1]! < 0x80)) text = b.toString('utf8');
    else text = (this.decoder ??= new StringDecoder('utf8')).write(b);
    if (this.atStart && text.length > 0) {
      this.atStart = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    return text;
  }

  private addData(value: string): void {
    if (this.data === null) this.data = value;
    else (this.dataMore ??= []).push(value);
    this.dataChars += value.length;
  }

  private dispatch(): void {
    if (!this.sawField) return;
    const data = this.data;
    const event = this.eventName || 'message';
    const joined = data === null ? null : this.dataMore === null ? data : [data, ...this.dataMore].join('\n');
    this.data = null;
    this.dataMore = null;
    this.dataChars = 0;
    this.eventName = '';
    this.sawField = false;
    if (joined !== null) this.sink.onSseEvent(event, joined);
  }

  private line(l: string): void {
    if (l.length === 0) return this.dispatch();
    if (l.charCodeAt(0) === 58 /* ':' comment */) return;
    const colon = l.indexOf(':');
    const field = colon === -1 ? l : l.slice(0, colon);
    let value = colon === -1 ? '' : l.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    this.sawField = true;
    if (field === 'data') this.addData(value);
    else if (field === 'event') this.eventName = value;
  }

  /** `data: …` as vLLM writes it, taken straight from buf (one slice instead of three); else line(). */
  private lineAt(start: number, end: number): void {
    const buf = this.buf;
    if (
      end - start >= 5 &&
      buf.charCodeAt(start) === 100 /* d */ &&
      buf.charCodeAt(start + 1) === 97 /* a */ &&
      buf.charCodeAt(start + 2) === 116 /* t */ &&
      buf.charCodeAt(start + 3) === 97 /* a */ &&
      buf.charCodeAt(start + 4) === 58 /* : */
    ) {
      this.sawField = true;
      this.addData(buf.slice(buf.charCodeAt(start + 5) === 32 ? start + 6 : start + 5, end));
    } else if (end === start) this.dispatch();
    else this.line(buf.slice(start, end));
  }

  private scan(): void {
    // The sink may run anything (even end the stream); buf is read once here and replaced once at the end.
    const buf = this.buf;
    let start = 0;
    const n = buf.length;
    if (this.skipLeadingLf && n > 0) {
      if (buf.charCodeAt(0) === 10) start = 1;
      this.skipLeadingLf = false;
    }
    const from = Math.max(start, this.scanned);
    // Fast path: no CR (vLLM ends lines with \n only): find line ends with the native indexOf instead of
    // a charCodeAt loop.
    if (buf.indexOf('\r', from) === -1) {
      for (let nl = buf.indexOf('\n', from); nl !== -1; nl = buf.indexOf('\n', start)) {
        this.lineAt(start, nl);
        start = nl + 1;
      }
    } else {
      for (let i = from; i < n; i++) {
        const c = buf.charCodeAt(i);
        if (c === 10) {
          this.line(buf.slice(start, i));
          start = i + 1;
        } else if (c === 13) {
          this.line(buf.slice(start, i));
          if (i + 1 < n) {
            if (buf.charCodeAt(i + 1) === 10) i++;
          } else {
            this.skipLeadingLf = true;
          }
          start = i + 1;
        }
      }
    }
    this.buf = start === 0 ? buf : buf.slice(start);
    // No line end in buf now: everything left is one unfinished line, scanned to its end.
    this.scanned = this.buf.length;
  }
}
