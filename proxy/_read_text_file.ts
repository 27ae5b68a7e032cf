/**
 * Read a policy file without a long stretch on the proxy's thread: `Deno.readTextFile` turns a
 * 2.7 MB file (10,000 rules) into a string in one go on this thread (3-4 ms measured); here the
 * bytes are read off this thread and decoded a slice per turn of the event loop.
 *
 * @module
 */

import { decodeInSlices } from "./policy/mod.ts";

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
 * assert.equal(await readTextFile(file), await Deno.readTextFile(file));
 * await Deno.remove(file);
 * ```
 */
export async function readTextFile(path: string): Promise<string> {
  return await decodeInSlices(await Deno.readFile(path));
}
