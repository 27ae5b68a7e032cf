/**
 * The 64 KB buffers the blind tunnel's sockets read into (`relay_reads.ts`), handed from a
 * closed tunnel to the next one instead of allocated for each.
 *
 * Why: a tunnel has two (one per direction), and a new 64 KB `Uint8Array` cost 30-60 µs of CPU
 * here (zero-filled outside V8's heap, and counted toward its next collection): with one
 * tunnel per request, more than a tenth of what the proxy spends on the tunnel.
 *
 * @module
 */

/** Bytes read at most per read. */
export const READ_BUFFER_BYTES = 64 * 1024;

/**
 * A free list of read buffers, kept up to `keep` of them. A buffer may go back only once no
 * socket reads into it any more and no write holds it: after both sockets of its tunnel
 * closed. The bytes it still holds are never sent again (a read sends only what it wrote).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ReadBuffers } from "./read_buffers.ts";
 *
 * const buffers = new ReadBuffers(1);
 * const first = buffers.take();
 * buffers.give(first);
 * assert.equal(buffers.take(), first); // the closed tunnel's buffer serves the next
 * assert.notEqual(buffers.take(), first); // none free: a new one
 * ```
 */
export class ReadBuffers {
  #free: Uint8Array[] = [];
  #keep: number;

  /** Keep at most `keep` free buffers (32: 2 MB) between tunnels. */
  constructor(keep = 32) {
    this.#keep = keep;
  }

  /** A free buffer, or a new one. */
  take(): Uint8Array {
    return this.#free.pop() ?? new Uint8Array(READ_BUFFER_BYTES);
  }

  /** Give back a buffer nothing reads into or writes from any more. */
  give(buffer: Uint8Array): void {
    if (this.#free.length < this.#keep) this.#free.push(buffer);
  }
}
