/**
 * Read a policy file without a long stretch on the proxy's thread: `Deno.readTextFile` turns a
 * 2.7 MB file (10,000 rules) into a string in one go on this thread (3-4 ms measured); here the
 * bytes are read off this thread and decoded a slice per turn of the event loop, and the file
 * watch keeps them to tell an unchanged file without comparing (and so flattening) the texts.
 *
 * @module
 */

import { Buffer } from "node:buffer";

/**
 * Bytes decoded per turn: each slice's string is fresh memory, whose first touch costs ~13 us
 * per 4 KiB page on this VM, so a 512 KiB slice took up to 2 ms; a 128 KiB one well under one.
 */
const SLICE_BYTES = 128 * 1024;

/** A file's text decoded in slices, with the slices' bytes. */
export interface DecodedFile {
  /** The text, as `Deno.readTextFile` gives it. */
  text: string;
  /** A copy of each slice's bytes, to move to the load worker while the file's are kept. */
  utf8: Uint8Array<ArrayBuffer>[];
  /** Some bytes were not UTF-8 (replaced by U+FFFD): other bytes could give the same text. */
  lossy: boolean;
}

/**
 * `bytes` (a file's content) decoded as `Deno.readTextFile` decodes it, a slice per turn of the
 * event loop. A string sum joins the slices without copying; the text is flattened only when
 * something reads it whole.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeFileBytes } from "./_read_text_file.ts";
 * const bytes = new TextEncoder().encode("\ufeffa😀b");
 * const decoded = await decodeFileBytes(bytes, 2);
 * assert.equal(decoded.text, "\ufeffa😀b");
 * assert.deepEqual(new Uint8Array(await new Blob(decoded.utf8).arrayBuffer()), bytes);
 * assert.equal(decoded.lossy, false);
 * assert.equal((await decodeFileBytes(new Uint8Array([0x61, 0xff]))).lossy, true);
 * const file = await Deno.makeTempFile();
 * await Deno.writeTextFile(file, "\ufeffversion: 1\n# é😀\n");
 * const read = await decodeFileBytes(await Deno.readFile(file), 3);
 * assert.equal(read.text, await Deno.readTextFile(file));
 * await Deno.remove(file);
 * ```
 */
export async function decodeFileBytes(
  bytes: Uint8Array,
  sliceBytes: number = SLICE_BYTES,
): Promise<DecodedFile> {
  // The stream option keeps a character split between two slices whole.
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  let text = "";
  let lossy = false;
  const utf8: Uint8Array<ArrayBuffer>[] = [];
  for (let at = 0; at < bytes.length; at += sliceBytes) {
    if (at > 0) await new Promise((resolve) => setTimeout(resolve, 0));
    const end = Math.min(bytes.length, at + sliceBytes);
    const slice = bytes.slice(at, end);
    const part = decoder.decode(slice, { stream: end < bytes.length });
    // Each part is a flat string of its own: searching it flattens nothing else.
    lossy ||= part.includes("\ufffd");
    utf8.push(slice);
    text += part;
  }
  return { text, utf8, lossy };
}

/**
 * Whether two byte arrays hold the same bytes (the runtime's native comparison).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sameBytes } from "./_read_text_file.ts";
 * const bytes = (text: string) => new TextEncoder().encode(text);
 * assert.ok(sameBytes(bytes("revision: 1\n"), bytes("revision: 1\n")));
 * assert.ok(!sameBytes(bytes("revision: 1\n"), bytes("revision: 2\n")));
 * assert.ok(!sameBytes(bytes("a"), bytes("ab")));
 * ```
 */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/**
 * Whether `text` encodes to exactly `bytes` (a text read with its byte-order mark kept), encoded
 * and compared a slice per turn of the event loop.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodesTo } from "./_read_text_file.ts";
 * const bytes = new TextEncoder().encode("\ufeffa😀b");
 * assert.ok(await encodesTo("\ufeffa😀b", bytes, 2));
 * assert.ok(!await encodesTo("a😀b", bytes, 2));
 * assert.ok(!await encodesTo("\ufffd", new Uint8Array([0xff])));
 * ```
 */
export async function encodesTo(
  text: string,
  bytes: Uint8Array,
  sliceChars: number = SLICE_BYTES,
): Promise<boolean> {
  const encoder = new TextEncoder();
  let at = 0;
  for (let i = 0; i < text.length;) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 0));
    let end = Math.min(text.length, i + sliceChars);
    // Keep a surrogate pair whole: half of one would encode as U+FFFD.
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff && end - 1 > i) end--;
    const part = encoder.encode(text.slice(i, end));
    if (!sameBytes(part, bytes.subarray(at, at + part.length))) return false;
    at += part.length;
    i = end;
  }
  return at === bytes.length;
}
