/**
 * A socket write that respects backpressure without allocating when there is none.
 *
 * @module
 */

import type { Duplex } from "node:stream";
import { ProtocolError } from "./protocol_error.ts";

/**
 * Write bytes; undefined at once unless the socket's buffer is full, then a promise that
 * resolves on drain (or close). Undefined, not a resolved promise: most writes never wait.
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
): Promise<void> | undefined {
  if (socket.destroyed) return Promise.reject(new ProtocolError("Socket is closed"));
  if (socket.write(bytes)) return undefined;
  return new Promise((resolve) => {
    const done = () => {
      socket.off("drain", done);
      socket.off("close", done);
      resolve();
    };
    socket.on("drain", done);
    socket.on("close", done);
  });
}
