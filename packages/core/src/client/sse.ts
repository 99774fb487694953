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

export interface SseParser {
  /** Feed bytes; calls onEvent for every complete event. */
  push(chunk: Uint8Array): void;
  /** End of stream: returns the text of an unterminated trailing event, if any (a truncated stream). */
  end(): string | null;
  /** Bytes seen so far (for giant-event guards). */
  readonly pendingChars: number;
}

export function createSseParser(onEvent: (ev: SseEvent) => void): SseParser {
  // Bytes → text. A read that ends on an ASCII byte ends on a character boundary, so it is decoded on its own;
  // a StringDecoder (which keeps a split character for the next read) is made only when a read ends inside a
  // multi-byte character. A TextDecoder per stream cost more to construct than the whole 16-token stream's
  // decoding (`pnpm bench` profile). Invalid bytes become U+FFFD either way, as TextDecoder's default did.
  let decoder: StringDecoder | null = null;
  // The stream's first character, when it is U+FEFF, is dropped (WHATWG HTML §9.2.6: "One leading U+FEFF BYTE
  // ORDER MARK character must be ignored"); TextDecoder did this by default.
  let atStart = true;
  let buf = '';
  // The current event's data lines: the first one alone (the usual case, no array), the rest in `dataMore`.
  let data: string | null = null;
  let dataMore: string[] | null = null;
  let dataChars = 0;
  let eventName = '';
  let sawField = false;
  // A chunk that ended in '\r' may be followed by '\n' at the start of the next chunk.
  let skipLeadingLf = false;
  // A long line arriving in many reads is neither rescanned from its start nor re-flattened on every
  // read (both made a 16 MB event cost O(n²): ~10 s): reads without a line end wait in `parts` until
  // one comes, and `scanned` marks how far buf is known to hold no line end.
  let scanned = 0;
  let parts: string[] = [];
  let partsChars = 0;

  function decode(chunk: Uint8Array): string {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let text: string;
    if (decoder === null && (b.length === 0 || b[b.length - 1]! < 0x80)) text = b.toString('utf8');
    else {
      decoder ??= new StringDecoder('utf8');
      text = decoder.write(b);
    }
    if (atStart && text.length > 0) {
      atStart = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    return text;
  }

  function addData(value: string): void {
    if (data === null) data = value;
    else (dataMore ??= []).push(value);
    dataChars += value.length;
  }

  function dispatch(): void {
    if (sawField) {
      if (data !== null) onEvent({ event: eventName || 'message', data: dataMore === null ? data : [data, ...dataMore].join('\n') });
      data = null;
      dataMore = null;
      dataChars = 0;
      eventName = '';
      sawField = false;
    }
  }

  function line(l: string): void {
    if (l.length === 0) return dispatch();
    if (l.charCodeAt(0) === 58 /* ':' comment */) return;
    const colon = l.indexOf(':');
    const field = colon === -1 ? l : l.slice(0, colon);
    let value = colon === -1 ? '' : l.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    sawField = true;
    if (field === 'data') addData(value);
    else if (field === 'event') eventName = value;
  }

  /** `data: …` as vLLM writes it, taken straight from buf (one slice instead of three); else line(). */
  function lineAt(start: number, end: number): void {
    if (
      end - start >= 5 &&
      buf.charCodeAt(start) === 100 /* d */ &&
      buf.charCodeAt(start + 1) === 97 /* a */ &&
      buf.charCodeAt(start + 2) === 116 /* t */ &&
      buf.charCodeAt(start + 3) === 97 /* a */ &&
      buf.charCodeAt(start + 4) === 58 /* : */
    ) {
      sawField = true;
      addData(buf.slice(buf.charCodeAt(start + 5) === 32 ? start + 6 : start + 5, end));
    } else if (end === start) dispatch();
    else line(buf.slice(start, end));
  }

  function scan(): void {
    let start = 0;
    const n = buf.length;
    if (skipLeadingLf && n > 0) {
      if (buf.charCodeAt(0) === 10) start = 1;
      skipLeadingLf = false;
    }
    const from = Math.max(start, scanned);
    // Fast path: no CR (vLLM ends lines with \n only): find line ends with the native indexOf instead of
    // a charCodeAt loop.
    if (buf.indexOf('\r', from) === -1) {
      for (let nl = buf.indexOf('\n', from); nl !== -1; nl = buf.indexOf('\n', start)) {
        lineAt(start, nl);
        start = nl + 1;
      }
      buf = start === 0 ? buf : buf.slice(start);
      scanned = buf.length;
      return;
    }
    for (let i = from; i < n; i++) {
      const c = buf.charCodeAt(i);
      if (c === 10) {
        line(buf.slice(start, i));
        start = i + 1;
      } else if (c === 13) {
        line(buf.slice(start, i));
        if (i + 1 < n) {
          if (buf.charCodeAt(i + 1) === 10) i++;
        } else {
          skipLeadingLf = true;
        }
        start = i + 1;
      }
    }
    buf = start === 0 ? buf : buf.slice(start);
    // No line end in buf now: everything left is one unfinished line, scanned to its end.
    scanned = buf.length;
  }

  return {
    push(chunk) {
      const text = decode(chunk);
      if (!skipLeadingLf && text.indexOf('\n') === -1 && text.indexOf('\r') === -1) {
        parts.push(text);
        partsChars += text.length;
        return;
      }
      buf += parts.join('') + text;
      parts = [];
      partsChars = 0;
      scan();
    },
    end() {
      buf += parts.join('') + (decoder === null ? '' : decoder.end());
      parts = [];
      partsChars = 0;
      scan();
      const lines = data === null ? [] : [data, ...(dataMore ?? [])];
      const rest = buf.length > 0 || lines.length > 0 ? [...lines, buf].filter(Boolean).join('\n') : null;
      buf = '';
      data = null;
      dataMore = null;
      dataChars = 0;
      scanned = 0;
      return rest;
    },
    get pendingChars() {
      return buf.length + partsChars + dataChars;
    },
  };
}
