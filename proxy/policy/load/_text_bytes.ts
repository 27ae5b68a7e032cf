/**
 * Moving a large text to the load worker and back without a long stretch on the sending thread:
 * a string posted to a worker is copied in one go (a 2.7 MB policy held the proxy's event loop
 * for several milliseconds), a transferred `ArrayBuffer` is moved, not copied. The text is encoded
 * to UTF-8 a slice at a time, with a turn of the event loop between slices.
 *
 * @module
 */

import { indexOfSequence } from "../../bytes/mod.ts";

/**
 * UTF-16 units encoded per slice: at most about a millisecond of this thread. Each slice is a
 * fresh buffer, and on this VM every fresh 4 KiB page costs ~13 us to fault in: a 512 Ki-unit
 * slice took up to 5 ms of thread CPU under load, a 128 Ki-unit one takes 0.1-1.2 ms. More
 * slices cost the load a timer's wait each (Deno clamps nested `setTimeout(0)`), not the
 * requests served between them.
 */
export const SLICE_CHARS = 128 * 1024;

const encoder = new TextEncoder();

/**
 * `text` as UTF-8, in slices of at most `sliceChars` characters, each encoded in its own turn of
 * the event loop. A slice never ends between the two halves of a surrogate pair, so every slice
 * is valid UTF-8 on its own.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeSlices, encodeInSlices } from "./_text_bytes.ts";
 * const text = `a${"😀".repeat(3)}b`;
 * const slices = await encodeInSlices(text, 2);
 * assert.ok(slices.length > 1);
 * assert.equal(decodeSlices(slices), text);
 * ```
 */
export async function encodeInSlices(
  text: string,
  sliceChars: number = SLICE_CHARS,
): Promise<Uint8Array<ArrayBuffer>[]> {
  const slices: Uint8Array<ArrayBuffer>[] = [];
  for (let at = 0; at < text.length;) {
    if (at > 0) await new Promise((resolve) => setTimeout(resolve, 0));
    let end = Math.min(text.length, at + sliceChars);
    // Keep a surrogate pair whole: half of one would encode as U+FFFD.
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1)) && end - 1 > at) end--;
    slices.push(encoder.encode(text.slice(at, end)));
    at = end;
  }
  return slices;
}

/**
 * The text of `encodeInSlices()`'s slices (on the worker, whose thread serves no request).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeSlices } from "./_text_bytes.ts";
 * assert.equal(decodeSlices([new TextEncoder().encode("ab"), new TextEncoder().encode("c")]), "abc");
 * ```
 */
export function decodeSlices(slices: readonly Uint8Array[]): string {
  const decoder = new TextDecoder();
  return slices.map((slice, i) => decoder.decode(slice, { stream: i < slices.length - 1 }))
    .join("");
}

/**
 * Strings as one UTF-8 buffer and where each starts and ends in it (`offsets[i]`,
 * `offsets[i + 1]`), for a reply that is moved, not copied.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { joinUtf8 } from "./_text_bytes.ts";
 * const { bytes, offsets } = joinUtf8(["a", "é", "b"]);
 * assert.deepEqual([...offsets], [0, 1, 3, 4]);
 * assert.equal(new TextDecoder().decode(bytes.subarray(offsets[1], offsets[2])), "é");
 * ```
 */
export function joinUtf8(
  parts: readonly string[],
): { bytes: Uint8Array<ArrayBuffer>; offsets: Int32Array<ArrayBuffer> } {
  const joined = parts.join("");
  const bytes = encoder.encode(joined);
  const offsets = new Int32Array(parts.length + 1);
  // All ASCII (the usual policy): a byte per unit, so byte offsets are the string's own.
  const ascii = bytes.length === joined.length;
  let length = 0;
  parts.forEach((part, i) => {
    offsets[i + 1] = length += ascii ? part.length : encoder.encode(part).length;
  });
  return { bytes, offsets };
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

/**
 * True when the UTF-8 text in `slices` contains `ascii` (ASCII only), read as bytes: a worker
 * that needs a 2.7 MB text only when it holds some marker looks for the marker without
 * decoding the text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { slicesInclude } from "./_text_bytes.ts";
 * const utf8 = (s: string) => new TextEncoder().encode(s);
 * assert(slicesInclude([utf8("a # tol"), utf8("lgate b")], "# tollgate"));
 * assert(!slicesInclude([utf8("é # tollgat"), utf8("e")], "# tollgate!"));
 * ```
 */
export function slicesInclude(slices: readonly Uint8Array[], ascii: string): boolean {
  const marker = encoder.encode(ascii);
  const overlap = marker.length - 1;
  let carry = new Uint8Array(0);
  for (const slice of slices) {
    // A marker may straddle two slices: the previous slice's last bytes lead this one's first.
    const edge = new Uint8Array(carry.length + Math.min(overlap, slice.length));
    edge.set(carry);
    edge.set(slice.subarray(0, edge.length - carry.length), carry.length);
    if (indexOfSequence(edge, marker) >= 0 || indexOfSequence(slice, marker) >= 0) return true;
    carry = slice.length >= overlap ? slice.slice(slice.length - overlap) : edge.slice(-overlap);
  }
  return false;
}
