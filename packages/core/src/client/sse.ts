// Incremental Server-Sent Events parser (WHATWG "event stream interpretation", the parts an
// OpenAI-compatible server uses). Bytes arrive in arbitrary TCP-sized pieces: an event, a line, even
// a UTF-8 character may be split across reads, so state survives between `push` calls.
// Handles \n, \r\n and lone \r line ends, `:` comment lines, multi-line `data:` fields, and ignores
// `event:`/`id:`/`retry:` (vLLM sends none; we keep the event name anyway for error reporting).

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
  const decoder = new TextDecoder('utf-8');
  let buf = '';
  let data: string[] = [];
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

  function line(l: string): void {
    if (l.length === 0) {
      if (sawField) {
        if (data.length > 0) onEvent({ event: eventName || 'message', data: data.join('\n') });
        data = [];
        eventName = '';
        sawField = false;
      }
      return;
    }
    if (l.charCodeAt(0) === 58 /* ':' comment */) return;
    const colon = l.indexOf(':');
    const field = colon === -1 ? l : l.slice(0, colon);
    let value = colon === -1 ? '' : l.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    sawField = true;
    if (field === 'data') data.push(value);
    else if (field === 'event') eventName = value;
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
        line(buf.slice(start, nl));
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
      const text = decoder.decode(chunk, { stream: true });
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
      buf += parts.join('') + decoder.decode();
      parts = [];
      partsChars = 0;
      scan();
      const rest = buf.length > 0 || data.length > 0 ? [...data, buf].filter(Boolean).join('\n') : null;
      buf = '';
      data = [];
      scanned = 0;
      return rest;
    },
    get pendingChars() {
      return buf.length + partsChars + data.reduce((a, d) => a + d.length, 0);
    },
  };
}
