/**
 * The bytes `ByteStream` received but nobody read yet, kept as the chunks they came in.
 *
 * @module
 */

import { concatAll } from "./_bytes.ts";

/**
 * A FIFO of byte chunks that counts the bytes it holds (the stream pauses its socket on it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ChunkQueue } from "./_chunk_queue.ts";
 *
 * const queue = new ChunkQueue();
 * queue.push(new Uint8Array([1, 2, 3]));
 * queue.push(new Uint8Array([4]));
 * assert.deepEqual(queue.take(2), new Uint8Array([1, 2]));
 * assert.equal(queue.bytes, 2);
 * ```
 */
export class ChunkQueue {
  #chunks: Uint8Array[] = [];
  #bytes = 0;

  /** How many chunks are queued. */
  get length(): number {
    return this.#chunks.length;
  }

  /** How many bytes are queued. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Queue a chunk at the end. */
  push(chunk: Uint8Array): void {
    this.#chunks.push(chunk);
    this.#bytes += chunk.byteLength;
  }

  /** Put a chunk back in front (it was read but belongs to the next message). */
  unshift(chunk: Uint8Array): void {
    this.#chunks.unshift(chunk);
    this.#bytes += chunk.byteLength;
  }

  /** The first chunk, removed (the queue must not be empty). */
  shift(): Uint8Array {
    const chunk = this.#chunks.shift()!;
    this.#bytes -= chunk.byteLength;
    return chunk;
  }

  /** Up to `max` bytes from the front, joined (empty when nothing is queued). */
  take(max: number): Uint8Array {
    const pieces: Uint8Array[] = [];
    let taken = 0;
    while (taken < max && this.#chunks.length > 0) {
      const chunk = this.#chunks.shift()!;
      const piece = chunk.byteLength > max - taken ? chunk.subarray(0, max - taken) : chunk;
      if (piece !== chunk) this.#chunks.unshift(chunk.subarray(piece.byteLength));
      pieces.push(piece);
      taken += piece.byteLength;
    }
    this.#bytes -= taken;
    return pieces.length === 1 ? pieces[0]! : concatAll(pieces, taken);
  }

  /** Every chunk, removed. */
  drain(): Uint8Array[] {
    const rest = this.#chunks;
    this.#chunks = [];
    this.#bytes = 0;
    return rest;
  }
}
