/**
 * A duplex over a socket whose first bytes were already read (a peeked ClientHello, the
 * SETTINGS an HTTP/2 server sent while the connection was still a byte stream): those bytes
 * come out first, then the socket's.
 *
 * @module
 */

import { Duplex } from "node:stream";

/**
 * Wrap `socket` so that reading yields `early` first; writes, end and destroy go to `socket`.
 *
 * @param early Chunks already taken from the socket, in order.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PassThrough } from "node:stream";
 * import { prependDuplex } from "./prepend_duplex.ts";
 * const socket = new PassThrough();
 * const wrapped = prependDuplex(socket, [new TextEncoder().encode("a")]);
 * socket.write("b");
 * const chunks: string[] = [];
 * wrapped.on("data", (chunk) => chunks.push(String(chunk)));
 * await new Promise((resolve) => setTimeout(resolve, 10));
 * assert.deepEqual(chunks, ["a", "b"]);
 * wrapped.destroy();
 * ```
 */
export function prependDuplex(socket: Duplex, early: Uint8Array[]): Duplex {
  let started = false;
  let ready = false;
  const wrapper = new Duplex({
    read() {
      if (ready) return void socket.resume();
      if (started) return;
      started = true;
      // The early bytes wait for the first read, a turn after the wrapper is handed over:
      // pushed at once, Deno 2.9's TLSSocket handled a bad ClientHello inside its own start
      // and threw from a callback no listener can catch (one malformed handshake killed the
      // proxy). The socket stays paused until they are out, so the order holds.
      setImmediate(() => {
        ready = true;
        for (const chunk of early) wrapper.push(chunk);
        socket.resume();
      });
    },
    write(chunk, _encoding, callback) {
      socket.write(chunk, callback);
    },
    final(callback) {
      socket.end(callback);
    },
    destroy(error, callback) {
      socket.destroy();
      callback(error);
    },
  });
  socket.pause();
  socket.on("data", (chunk) => {
    if (!wrapper.push(chunk)) socket.pause();
  });
  socket.on("end", () => wrapper.push(null));
  socket.on("close", () => wrapper.destroy());
  return wrapper;
}
