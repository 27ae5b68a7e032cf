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
 * ```ts ignore network
 * await sendDeny(stream, decision, skillPath);
 * await lingeringClose(socket);
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
