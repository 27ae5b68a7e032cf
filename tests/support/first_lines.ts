/**
 * Reading a child process's first lines (its "listening on …" announcements).
 *
 * @module
 */

/**
 * The first `count` lines of `stream` (fewer if it ends first); the stream's lock is released
 * so the caller can go on reading or cancel it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { firstLines } from "./first_lines.ts";
 *
 * const stream = ReadableStream.from([new TextEncoder().encode("a\nb\nc\n")]);
 * assert.deepEqual(await firstLines(stream, 2), ["a", "b"]);
 * ```
 */
export async function firstLines(
  stream: ReadableStream<Uint8Array>,
  count: number,
): Promise<string[]> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (text.split("\n").length <= count) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  reader.releaseLock();
  return text.split("\n").slice(0, count);
}
