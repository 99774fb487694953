// xxhash64 over bytes (cespare/xxhash Sum64 equivalent), via the WASM build of the reference C code.
// Loaded once; the scheduler awaits it before building the prefix-cache-scorer.
import xxhash from 'xxhash-wasm';

export type Xxh64 = (bytes: Uint8Array) => bigint;

let loaded: Promise<Xxh64> | undefined;

export function loadXxh64(): Promise<Xxh64> {
  loaded ??= xxhash().then((api) => (bytes: Uint8Array) => api.h64Raw(bytes, 0n));
  return loaded;
}
