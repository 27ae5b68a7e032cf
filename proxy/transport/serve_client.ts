/**
 * One client connection from accept to close: read each request head, then hand CONNECT to
 * the tunnel code and absolute-form requests to the forwarder.
 *
 * @module
 */

import type { Duplex } from "node:stream";
import { ByteStream } from "../wire/mod.ts";
import {
  ClientConnection,
  type IdentitySource,
  lingeringClose,
  type ProxyContext,
  readRequest,
} from "./connection/mod.ts";
import { handleConnect, tellTlsClient } from "./intercept/mod.ts";
import { handleForward } from "./forward/mod.ts";

/**
 * Serve a client connection until it closes; the socket is closed gracefully at the end.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clientPair } from "./examples/mod.ts";
 * import { duplexFromDenoConn } from "./connection/mod.ts";
 * import { serveClient } from "./serve_client.ts";
 *
 * await using pair = await clientPair("version: 1\n"); // only its context is used here
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const { port } = listener.addr;
 * const [agent, conn] = await Promise.all([Deno.connect({ port }), listener.accept()]);
 * listener.close();
 * const identity = () => Promise.resolve({ exe: "/usr/bin/curl", ancestors: [] });
 * const serving = serveClient(pair.ctx, duplexFromDenoConn(conn), identity);
 * const request = "GET http://a.test/ HTTP/1.1\r\nHost: a.test\r\n\r\n";
 * await agent.write(new TextEncoder().encode(request));
 * const text = new TextDecoder().decode(await new Response(agent.readable).arrayBuffer());
 * assert.match(text, /^HTTP\/1.1 403 /); // denied, then the connection closed gracefully
 * await serving;
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
  // A client that resets while its body waits for budget is not read, so only the socket's
  // close tells: its request ends there and gives its share back (or leaves the queue).
  void stream.closed.then(() => client.endExchange());
  try {
    for (let first = true;; first = false) {
      // A client that speaks TLS to the proxy itself (an https:// proxy URL) reads why, in TLS.
      const head = await readRequest(
        client,
        first,
        first ? () => tellTlsClient(client) : undefined,
      );
      if (head === undefined) return;
      if (head.method === "CONNECT") return await handleConnect(client, head);
      const more = await handleForward(client, head).finally(() => client.endExchange());
      if (!more) return;
    }
  } catch {
    // Errors are answered where they happen; anything left means the connection is unusable.
  } finally {
    client.endExchange();
    client.bound.close();
    await lingeringClose(socket);
  }
}
