/**
 * Read a policy file without a long stretch on the proxy's thread: `Deno.readTextFile` turns a
 * 2.7 MB file (10,000 rules) into a string in one go on this thread (3-4 ms measured); here the
 * bytes are read off this thread and decoded a slice per turn of the event loop.
 *
 * @module
 */

/** Bytes decoded per turn: a fraction of a millisecond. */
const SLICE_BYTES = 512 * 1024;

/**
 * The text of the file at `path`, as `Deno.readTextFile` gives it (a byte-order mark kept,
 * invalid UTF-8 replaced by U+FFFD), decoded in slices.
 *
 * @throws the errors of `Deno.readFile` (e.g. `Deno.errors.NotFound`).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readTextFile } from "./_read_text_file.ts";
 * const file = await Deno.makeTempFile();
 * await Deno.writeTextFile(file, "\ufeffversion: 1\n# é😀\n");
 * assert.equal(await readTextFile(file, 3), await Deno.readTextFile(file));
 * await Deno.remove(file);
 * ```
 */
export async function readTextFile(
  path: string,
  sliceBytes: number = SLICE_BYTES,
): Promise<string> {
  const bytes = await Deno.readFile(path);
  // The stream option keeps a character split between two slices whole.
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  let text = "";
  for (let at = 0; at < bytes.length; at += sliceBytes) {
    if (at > 0) await new Promise((resolve) => setTimeout(resolve, 0));
    const end = Math.min(bytes.length, at + sliceBytes);
    // A string sum joins without copying; the text is flattened once, when first read whole.
    text += decoder.decode(bytes.subarray(at, end), { stream: end < bytes.length });
  }
  return text;
}
