/**
 * Where a run of bytes first stands in a byte array.
 *
 * @module
 */

/**
 * Index of `sequence` in `bytes` at or after `from`, or -1; an empty sequence is found at
 * `from`. The search jumps between the sequence's first byte with the built-in `indexOf`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { indexOfSequence } from "./index_of_sequence.ts";
 * const bytes = new TextEncoder().encode("a\r\n\r\nb\r\n\r\n");
 * assert.equal(indexOfSequence(bytes, [13, 10, 13, 10]), 1);
 * assert.equal(indexOfSequence(bytes, [13, 10, 13, 10], 2), 6);
 * assert.equal(indexOfSequence(bytes, [10, 10]), -1);
 * ```
 */
export function indexOfSequence(
  bytes: Uint8Array,
  sequence: ArrayLike<number>,
  from = 0,
): number {
  if (sequence.length === 0) return from;
  const first = sequence[0]!;
  const plain = plainView(bytes);
  for (let at = plain.indexOf(first, from); at !== -1; at = plain.indexOf(first, at + 1)) {
    if (at + sequence.length > plain.byteLength) return -1;
    let i = 1;
    while (i < sequence.length && plain[at + i] === sequence[i]) i++;
    if (i === sequence.length) return at;
  }
  return -1;
}

/**
 * `bytes` as a plain Uint8Array: socket reads are node Buffers, whose `indexOf` is the
 * runtime's JavaScript version, about twice as slow as the built-in one.
 */
function plainView(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
