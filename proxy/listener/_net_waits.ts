/**
 * Promises over `node:net` events for the resilient listener.
 *
 * @module
 */

import type * as net from "node:net";

/** Resolves once `socket` has connected or closed. */
export function settled(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off("connect", done).off("close", done);
      resolve();
    };
    socket.once("connect", done).once("close", done);
  });
}

/** Listen on `port` at `hostname`; rejects when that fails. */
export function listen(server: net.Server, port: number, hostname: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
