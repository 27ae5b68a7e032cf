/**
 * Closing a client connection without losing the last response.
 *
 * @module
 */

import type { Duplex } from "node:stream";

/** How long a closing connection may keep draining what the client still sends. */
export const LINGER_MS = 2_000;

/**
 * End the connection gracefully: send FIN (and TLS close_notify), then read and discard what
 * the client is still sending until it closes or `lingerMs` passes, then destroy.
 *
 * Why: after a 403 the client may still be sending the request body. Destroying a socket with
 * unread input makes the kernel answer with a reset, and the client then discards the response
 * it already received ("Empty reply from server"). Draining first is what HTTP servers call a
 * lingering close.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as net from "node:net";
 * import { lingeringClose } from "./lingering_close.ts";
 *
 * const server = net.createServer();
 * await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
 * const accepted = new Promise<net.Socket>((resolve) => server.once("connection", resolve));
 * const { port } = server.address() as net.AddressInfo;
 * const peer = await Deno.connect({ hostname: "127.0.0.1", port });
 * const socket = await accepted;
 * socket.write("HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n");
 * await peer.write(new TextEncoder().encode("the rest of a body")); // still arriving: drained
 * const closing = lingeringClose(socket, 1_000);
 * const text = new TextDecoder().decode(await new Response(peer.readable).arrayBuffer());
 * assert.match(text, /^HTTP\/1.1 403 /); // the response survived: no reset
 * await closing;
 * await new Promise((resolve) => server.close(resolve));
 * ```
 */
export function lingeringClose(socket: Duplex, lingerMs: number = LINGER_MS): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    };
    const timer = setTimeout(done, lingerMs);
    socket.once("close", done);
    socket.once("error", done);
    socket.on("data", () => {});
    socket.resume();
    socket.end();
  });
}
