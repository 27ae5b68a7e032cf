/**
 * Where a multipart delimiter (`--boundary`) occurs in a piece of a body.
 *
 * @module
 */

/**
 * A delimiter and its Boyer-Moore-Horspool shifts: the search looks at about one byte in
 * `length` of an upload (a native `indexOf` per candidate byte cost about 1 CPU-s a GB).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Delimiter } from "./_delimiter.ts";
 * const delimiter = new Delimiter("--XyZ");
 * const hay = new TextEncoder().encode("a--XyY--XyZ");
 * assert.equal(delimiter.indexIn(hay, 0), 6);
 * assert.equal(delimiter.indexIn(hay, 7), -1);
 * ```
 */
export class Delimiter {
  readonly bytes: Uint8Array;
  #shift = new Int32Array(256);

  constructor(text: string) {
    this.bytes = new TextEncoder().encode(text);
    const length = this.bytes.byteLength;
    this.#shift.fill(length);
    for (let i = 0; i < length - 1; i++) this.#shift[this.bytes[i]!] = length - 1 - i;
  }

  /** The first index of the whole delimiter in `hay` at or after `from`; -1 when none. */
  indexIn(hay: Uint8Array, from: number): number {
    const needle = this.bytes;
    const last = needle.byteLength - 1;
    const end = needle[last]!;
    for (let at = from; at + last < hay.byteLength; at += this.#shift[hay[at + last]!]!) {
      if (hay[at + last] !== end) continue;
      let i = 0;
      while (i < last && hay[at + i] === needle[i]) i++;
      if (i === last) return at;
    }
    return -1;
  }
}
