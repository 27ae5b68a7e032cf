/**
 * Append whole lines or none: a write cut short (a full disk) is truncated back to the last
 * whole line it wrote, so a torn line never glues itself to the next event.
 *
 * @module
 */

/** What an append achieved. */
export interface AppendOutcome {
  /** Lines that did not make it into the file. */
  droppedLines: number;
  /** The error that stopped the write, if any. */
  error?: unknown;
  /** A partial line is left at the end of the file (it could not be cut back). */
  torn?: boolean;
}

/** The file operations an append needs (a `Deno.FsFile`, or a test double). */
export interface AppendTarget {
  write(bytes: Uint8Array): Promise<number>;
  stat(): Promise<{ size: number }>;
  truncate(length: number): Promise<void>;
}

/** The synchronous twin of {@linkcode AppendTarget}. */
export interface AppendTargetSync {
  writeSync(bytes: Uint8Array): number;
  statSync(): { size: number };
  truncateSync(length: number): void;
}

/**
 * Append `bytes` (whole lines) to a file opened for appending.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { appendLines } from "./_append_lines.ts";
 *
 * const path = await Deno.makeTempFile();
 * const file = await Deno.open(path, { append: true });
 * const { droppedLines } = await appendLines(file, new TextEncoder().encode("a\nb\n"));
 * file.close();
 * assert.equal(droppedLines, 0);
 * assert.equal(await Deno.readTextFile(path), "a\nb\n");
 * await Deno.remove(path);
 * ```
 */
export async function appendLines(file: AppendTarget, bytes: Uint8Array): Promise<AppendOutcome> {
  let written = 0;
  try {
    while (written < bytes.byteLength) {
      written = advance(written, await file.write(bytes.subarray(written)));
    }
    return { droppedLines: 0 };
  } catch (error) {
    const { droppedLines, excess } = cutShort(bytes, written);
    try {
      if (excess > 0) await file.truncate((await file.stat()).size - excess);
      return { droppedLines, error };
    } catch {
      // Cannot cut it back: the caller starts its next write on a new line.
      return { droppedLines, error, torn: true };
    }
  }
}

/**
 * Append `bytes` (whole lines) synchronously; see {@linkcode appendLines}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { appendLinesSync } from "./_append_lines.ts";
 *
 * const path = await Deno.makeTempFile();
 * const file = Deno.openSync(path, { append: true });
 * assert.equal(appendLinesSync(file, new TextEncoder().encode("a\n")).droppedLines, 0);
 * file.close();
 * assert.equal(await Deno.readTextFile(path), "a\n");
 * await Deno.remove(path);
 * ```
 */
export function appendLinesSync(file: AppendTargetSync, bytes: Uint8Array): AppendOutcome {
  let written = 0;
  try {
    while (written < bytes.byteLength) {
      written = advance(written, file.writeSync(bytes.subarray(written)));
    }
    return { droppedLines: 0 };
  } catch (error) {
    const { droppedLines, excess } = cutShort(bytes, written);
    try {
      if (excess > 0) file.truncateSync(file.statSync().size - excess);
      return { droppedLines, error };
    } catch {
      return { droppedLines, error, torn: true };
    }
  }
}

/** Bytes written after a write of `n`; a write that takes nothing would loop for ever. */
function advance(written: number, n: number): number {
  if (n <= 0) throw new Error("The file accepted no more bytes");
  return written + n;
}

/** What a write cut short after `written` bytes lost: its lines, and the bytes to cut back. */
function cutShort(bytes: Uint8Array, written: number): { droppedLines: number; excess: number } {
  const keep = wholeLinesIn(bytes, written);
  return { droppedLines: linesIn(bytes, keep), excess: written - keep };
}

/** Length of the whole lines among the first `written` bytes. */
function wholeLinesIn(bytes: Uint8Array, written: number): number {
  return bytes.subarray(0, written).lastIndexOf(10) + 1;
}

/** Lines from `from` to the end. */
function linesIn(bytes: Uint8Array, from: number): number {
  let count = 0;
  for (let i = bytes.indexOf(10, from); i !== -1; i = bytes.indexOf(10, i + 1)) count++;
  return count;
}
