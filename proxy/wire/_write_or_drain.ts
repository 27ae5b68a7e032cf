/**
 * A socket write that respects backpressure without allocating when there is none.
 *
 * @module
 */

import type { Duplex } from "node:stream";
import { ProtocolError } from "./protocol_error.ts";
import { releaseMemory } from "./_bytes.ts";

/** Options of {@linkcode writeOrDrain}. */
export interface WriteOptions {
  /** Free the memory under `bytes` once the socket took them (see `releaseMemory()`). */
  release?: boolean;
  /**
   * Bytes the socket may hold unsent before the writer waits: by default its own high-water
   * mark (16 KB for a socket), less than one 64 KB read.
   */
  window?: number;
}

/**
 * Write bytes; undefined at once unless the socket's buffer is full (past `window` when
 * given), then a promise that resolves on drain (or close). Undefined, not a resolved promise:
 * most writes never wait. With `release`, the memory under `bytes` is freed once the socket
 * took them: the caller must not read them again.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PassThrough } from "node:stream";
 * import { writeOrDrain } from "./_write_or_drain.ts";
 *
 * assert.equal(writeOrDrain(new PassThrough(), "hello"), undefined);
 * ```
 */
export function writeOrDrain(
  socket: Duplex,
  bytes: Uint8Array | string,
  options: WriteOptions = {},
): Promise<void> | undefined {
  if (socket.destroyed) return Promise.reject(new ProtocolError("Socket is closed"));
  // The callback runs once the socket has handed the bytes on (copied or sent).
  const taken = options.release && typeof bytes !== "string"
    ? socket.write(bytes, () => releaseMemory(bytes))
    : socket.write(bytes);
  if (taken) return undefined;
  if (options.window !== undefined && socket.writableLength <= options.window) return undefined;
  return drainedOrClosed(socket);
}

/**
 * Resolves once `stream` drains or closes, whichever comes first: a closed stream never drains,
 * and a writer waiting on it must not wait for ever.
 *
 * @example
 * ```ts
 * import { PassThrough } from "node:stream";
 * import { drainedOrClosed } from "./_write_or_drain.ts";
 *
 * const stream = new PassThrough();
 * const waiting = drainedOrClosed(stream);
 * stream.destroy();
 * await waiting;
 * ```
 */
export function drainedOrClosed(stream: Pick<Duplex, "on" | "off">): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off("drain", done);
      stream.off("close", done);
      resolve();
    };
    stream.on("drain", done);
    stream.on("close", done);
  });
}
