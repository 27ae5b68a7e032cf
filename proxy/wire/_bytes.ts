/**
 * Small byte-array helpers of the HTTP reader.
 *
 * @module
 */

import { Buffer } from "node:buffer";

/** Join pieces whose total length is known. */
export function concatAll(pieces: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const piece of pieces) {
    out.set(piece, offset);
    offset += piece.byteLength;
  }
  return out;
}

/** Join two arrays (the first one may be empty). */
export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.byteLength === 0) return b;
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}

const ENCODER = new TextEncoder();

/**
 * `text` as latin1 bytes (one byte per character, as heads are read). Usually the text is
 * ASCII, whose UTF-8 bytes are the same, and the runtime's native encoder is faster than
 * node Buffer's latin1 encoder, which runs in JavaScript (3 % of the proxy's CPU per request).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { latin1Bytes } from "./_bytes.ts";
 *
 * assert.deepEqual([...latin1Bytes("A\xe9")], [0x41, 0xe9]); // obs-text stays one byte
 * ```
 */
export function latin1Bytes(text: string): Uint8Array {
  const utf8 = ENCODER.encode(text);
  return utf8.byteLength === text.length ? utf8 : Buffer.from(text, "latin1");
}

/** True when a LF in `[from, to)` is not preceded by CR. */
export function hasBareLf(buffer: Uint8Array, from: number, to: number): boolean {
  // Searched in a view that ends at `to`: the search for a LF after the head's last one
  // would otherwise scan all the body that came with the head.
  const head = plainView(buffer, Math.min(to, buffer.byteLength));
  for (let i = head.indexOf(10, from); i !== -1; i = head.indexOf(10, i + 1)) {
    if (i === 0 || head[i - 1] !== 13) return true;
  }
  return false;
}

/**
 * The first `length` bytes of `bytes` as a plain Uint8Array: socket reads are node Buffers,
 * whose `indexOf` is the runtime's JavaScript version, about twice as slow as the built-in one.
 */
function plainView(bytes: Uint8Array, length: number): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, length);
}

/**
 * Free the memory under `bytes` now instead of at a later garbage collection, when they are a
 * whole buffer (a part shares its buffer with bytes still in use) that nobody reads again.
 *
 * Why: Deno's sockets hand each read over as a fresh buffer of up to 64 KB allocated outside
 * V8's heap, freed only when a young-generation collection finds its small JS wrapper dead.
 * A body relay makes so little JS garbage per chunk that a 256 MB download went through
 * before one came: 240 MB of dead chunks were still allocated, and the proxy's RSS peaked at
 * 346 MB. Detaching the buffer (`transfer(0)`) frees it at once.
 */
export function releaseMemory(bytes: Uint8Array): void {
  const buffer = bytes.buffer;
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength === 0) return;
  if (bytes.byteOffset !== 0 || bytes.byteLength !== buffer.byteLength) return;
  try {
    buffer.transfer(0);
  } catch {
    // A buffer the runtime marked not detachable: the collector frees it.
  }
}

/**
 * Ask V8 for a young-generation collection, when the process runs with `--expose-gc` (the
 * proxy's flags: `PROXY_V8_FLAGS`); otherwise nothing.
 *
 * Why: the ciphertext a TLS socket reads is, like its plaintext, a fresh buffer outside V8's
 * heap that only a collection frees, and it never reaches JS code that could free it sooner
 * (see `releaseMemory()`). V8 schedules collections by the JS objects allocated, a few per
 * 64 KB read, so a 256 MB transfer kept up to 100 MB of dead ciphertext.
 */
export function collectYoungGeneration(): void {
  const gc = (globalThis as { gc?: (options: { type: "minor" }) => void }).gc;
  gc?.({ type: "minor" });
}

/** Forwarded bytes between two young-generation collections (see {@linkcode youngCollector}). */
export const COLLECT_EVERY_BYTES = 4 * 1024 * 1024;

/**
 * A counter of relayed bytes that asks for a young-generation collection once per
 * {@linkcode COLLECT_EVERY_BYTES} (`collectYoungGeneration()`): one per relay, so that each
 * transfer frees the dead reads under it. Warm 256 MB L7 uploads, medians of three: 1 MB 1.30,
 * 2 MB 1.23, 4 MB 1.30, 16 MB 2.35 CPU-s/GB; none 1.30 but +44-51 MB of peak RSS (with it +1-3).
 * The HTTP/2 relays at 16 MiB (their answers' pieces already freed as they go): no less CPU and
 * more RSS (medians: an upload +5.7 and +7.8 MB against +0.3 to +3.5, the HTTP/1.1-origin
 * download +12.2 and +5.4 against +0.9 to +5.1; alternated runs at load 13-100). What is left is
 * likely the TLS reads that JS never sees.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { youngCollector } from "./_bytes.ts";
 * const collect = youngCollector();
 * assert.equal(collect(64 * 1024), false);
 * assert.equal(collect(4 * 1024 * 1024), true); // the 4 MiB mark: collected, counted afresh
 * assert.equal(collect(1), false);
 * ```
 */
export function youngCollector(): (bytes: number) => boolean {
  let counted = 0;
  return (bytes) => {
    counted += bytes;
    if (counted < COLLECT_EVERY_BYTES) return false;
    counted = 0;
    collectYoungGeneration();
    return true;
  };
}
