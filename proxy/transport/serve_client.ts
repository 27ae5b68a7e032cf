/**
 * One client connection from accept to close: read each request head, then hand CONNECT to
 * the tunnel code and absolute-form requests to the forwarder.
 *
 * @module
 */

import type { Duplex } from "node:stream";
import { ByteStream } from "./byte_stream.ts";
import { ClientConnection, type IdentitySource } from "./client_connection.ts";
import { handleConnect } from "./connect.ts";
import { handleForward } from "./forward.ts";
import type { ProxyContext } from "./proxy_context.ts";
import { readRequest } from "./request_reader.ts";
import { lingeringClose } from "./lingering_close.ts";

/**
 * Serve a client connection until it closes; the socket is closed gracefully at the end.
 *
 * @example
 * ```ts ignore network
 * await serveClient(ctx, socket, () => resolver.resolve(peer), socket.remotePort);
 * ```
 */
export async function serveClient(
  ctx: ProxyContext,
  socket: Duplex,
  identity: IdentitySource,
  srcPort?: number,
): Promise<void> {
  // Inside a request body the client may pause as long as between requests.
  const stream = new ByteStream(socket, { bodyIdleMs: ctx.idleTimeoutMs });
  const client = new ClientConnection(ctx, stream, identity, srcPort);
  try {
    for (let first = true;; first = false) {
      const head = await readRequest(client, first);
      if (head === undefined) return;
      if (head.method === "CONNECT") return await handleConnect(client, head);
      if (!(await handleForward(client, head))) return;
    }
  } catch {
    // Errors are answered where they happen; anything left means the connection is unusable.
  } finally {
    await lingeringClose(socket);
  }
}
