/**
 * HTTP/2 frames out of a byte stream read in arbitrary pieces: what every raw HTTP/2 reader in
 * the tests (a client counting refusals, an origin reading uploads) does before it looks at a
 * frame.
 *
 * @module
 */

import type { H2Frame } from "./h2_frames.ts";

/**
 * Splits the bytes of one direction of an HTTP/2 connection (after the preface) into frames,
 * holding an incomplete frame until the rest arrives.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { H2, h2Frame, H2FrameSplitter } from "./mod.ts";
 *
 * const bytes = h2Frame(H2.DATA, H2.END_STREAM, 3, new Uint8Array([1, 2]));
 * const splitter = new H2FrameSplitter();
 * assert.deepEqual(splitter.push(bytes.subarray(0, 5)), []); // half a header: nothing yet
 * const [frame] = splitter.push(bytes.subarray(5));
 * assert.deepEqual([frame?.type, frame?.flags, frame?.stream], [H2.DATA, H2.END_STREAM, 3]);
 * assert.deepEqual([...frame!.payload], [1, 2]);
 * ```
 */
export class H2FrameSplitter {
  #pending: Uint8Array = new Uint8Array();

  /** The frames `bytes` completes, in order (each payload its own copy). */
  push(bytes: Uint8Array): H2Frame[] {
    const joined = new Uint8Array(this.#pending.byteLength + bytes.byteLength);
    joined.set(this.#pending);
    joined.set(bytes, this.#pending.byteLength);
    const frames: H2Frame[] = [];
    let at = 0;
    while (joined.byteLength - at >= 9) {
      const length = (joined[at]! << 16) | (joined[at + 1]! << 8) | joined[at + 2]!;
      if (joined.byteLength - at < 9 + length) break;
      const stream = new DataView(joined.buffer, at + 5, 4).getUint32(0) & 0x7fffffff;
      const payload = joined.slice(at + 9, at + 9 + length);
      frames.push({ type: joined[at + 3]!, flags: joined[at + 4]!, stream, payload });
      at += 9 + length;
    }
    this.#pending = joined.slice(at);
    return frames;
  }
}
