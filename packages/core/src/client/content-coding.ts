// Content codings of a response body (RFC 9110 §8.4). The client asks for `accept-encoding: identity`,
// but a gateway may compress anyway (or a proxy in between may); such a body is decoded here, as it
// streams, before the SSE parser sees it. Only compressed responses pay for this: the identity path
// never creates a decoder.
//
// Timing: node:zlib decodes on the thread pool, so decoded bytes come out after the read that carried
// them. With one decoder, the output of an input chunk is emitted before that chunk's write callback
// (zlib's transform pushes its output, then calls back), so the oldest chunk not yet called back is the
// one the output came from: its arrival time is the output's time. Stacked codings (rare) use the
// latest arrival, which is never early.
import type { Transform } from 'node:stream';
import { constants as zlib, createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from 'node:zlib';

/** The codings of a Content-Encoding value in the order they were applied (identity dropped), or the first one we cannot decode. */
export function parseContentEncoding(value: string): { codings: string[]; unsupported: string | null } {
  const codings: string[] = [];
  for (const raw of value.split(',')) {
    // Coding names are case-insensitive (RFC 9110 §8.4.1).
    const c = raw.trim().toLowerCase();
    if (c === '' || c === 'identity') continue;
    if (c !== 'gzip' && c !== 'x-gzip' && c !== 'deflate' && c !== 'br') return { codings, unsupported: c };
    codings.push(c);
  }
  return { codings, unsupported: null };
}

export interface DecodeSink {
  data(chunk: Buffer, arrivedAt: number): void;
  end(): void;
  error(err: Error): void;
}

// Flush what is decodable on every chunk, and let a truncated compressed stream end quietly (the SSE
// layer then reports the stream as truncated, which is what happened) instead of a zlib "unexpected end
// of file" (as undici's fetch does).
const ZLIB_OPTS = { flush: zlib.Z_SYNC_FLUSH, finishFlush: zlib.Z_SYNC_FLUSH };
const BROTLI_OPTS = { flush: zlib.BROTLI_OPERATION_FLUSH, finishFlush: zlib.BROTLI_OPERATION_FLUSH };

export class ContentDecoder {
  readonly #codings: string[];
  readonly #sink: DecodeSink;
  #head: Transform | null = null;
  #chain: Transform[] = [];
  readonly #times: number[] = [];
  #last = 0;
  #closed = false;
  readonly #shift = () => void this.#times.shift();

  constructor(codings: string[], sink: DecodeSink) {
    this.#codings = codings;
    this.#sink = sink;
  }

  write(chunk: Buffer, arrivedAt: number): void {
    if (this.#closed || chunk.length === 0) return;
    this.#head ??= this.#build(chunk[0]!);
    this.#times.push(arrivedAt);
    this.#last = arrivedAt;
    this.#head.write(chunk, this.#shift);
  }

  end(): void {
    if (this.#closed) return;
    if (this.#head) this.#head.end();
    else {
      this.#closed = true;
      this.#sink.end();
    }
  }

  destroy(): void {
    this.#closed = true;
    for (const t of this.#chain) t.destroy();
  }

  #build(firstByte: number): Transform {
    // Decode in reverse order of application; the first decoder sees the bytes on the wire.
    const order = [...this.#codings].reverse();
    this.#chain = order.map((c, i) => {
      if (c === 'br') return createBrotliDecompress(BROTLI_OPTS);
      if (c === 'deflate') {
        // "deflate" is the zlib format (RFC 9110 §8.4.1.2), but some servers send raw deflate; a zlib
        // header's first byte has compression method 8 in its low nibble (RFC 1950 §2.2).
        return i > 0 || (firstByte & 0x0f) === 0x08 ? createInflate(ZLIB_OPTS) : createInflateRaw(ZLIB_OPTS);
      }
      return createGunzip(ZLIB_OPTS); // gzip, x-gzip (RFC 9110 §8.4.1.3)
    });
    const onError = (err: Error) => {
      if (this.#closed) return;
      this.destroy();
      this.#sink.error(err);
    };
    for (let i = 0; i < this.#chain.length; i++) {
      this.#chain[i]!.on('error', onError);
      if (i > 0) this.#chain[i - 1]!.pipe(this.#chain[i]!);
    }
    const tail = this.#chain[this.#chain.length - 1]!;
    const single = this.#chain.length === 1;
    tail.on('data', (d: Buffer) => {
      if (!this.#closed) this.#sink.data(d, single && this.#times.length > 0 ? this.#times[0]! : this.#last);
    });
    tail.on('end', () => {
      if (this.#closed) return;
      this.#closed = true;
      this.#sink.end();
    });
    return this.#chain[0]!;
  }
}
