/**
 * The blind tunnel on Deno's own sockets: the upstream opened with `Deno.connect`, the
 * client's accepted `node:net` socket taken over as a `Deno.Conn` once the CONNECT head is
 * read (`take_conn.ts`), and both copied with read/write loops, one reused buffer per
 * direction (`conn_relay.ts`).
 *
 * Why: measured in session 26 against the `node:net` tunnel (its `onread` relay on both
 * sides), the proxy's CPU per request at 64 clients of a small request and response, in
 * alternated windows of two proxies under one load (load 13-21): lower in 12 of 12 pairs
 * (medians 33.0 against 40.8 µs and 37.9 against 52.4); at 256 clients level (49.9 against
 * 50.4, 50.3 against 56.0). The upstream side alone on `Deno.Conn`, the client's `onread`
 * writing to it, cost more than node on both sides (43.3 against 38.3 µs): each client chunk
 * then waits for an async write, with a pause and a resume of its socket.
 *
 * @module
 */

import type { ClientConnection } from "../connection/mod.ts";
import type { TunnelDestination } from "../../upstream/mod.ts";
import { sendUpstreamError } from "../request/mod.ts";
import { spliceConn, spliceConns } from "./conn_relay.ts";
import { takeConn } from "./take_conn.ts";
import { whileAllowed } from "./while_allowed.ts";

/**
 * Open the upstream with `Deno.connect`, answer `established` and copy both ways until both
 * ends closed, while `stillAllowed` says yes (see {@linkcode whileAllowed}).
 */
export async function connTunnel(
  client: ClientConnection,
  destination: TunnelDestination,
  established: string,
  allowed: { stillAllowed: () => Promise<boolean>; since?: number },
): Promise<void> {
  const { ctx } = client;
  let upstream: Deno.TcpConn;
  try {
    upstream = await ctx.pool.openTunnelConn({ ...destination, tls: false });
  } catch (error) {
    await sendUpstreamError(client, error);
    return;
  }
  try {
    await client.stream.write(established);
  } catch {
    // The client left while we connected.
    upstream.close();
    return;
  }
  // What the client sent past the CONNECT head goes first, before anything read from now on.
  const first = client.stream.detach();
  const face = client.stream.socket;
  const taken = takeConn(face, upstream);
  const { readBuffers } = ctx;
  const buffers: [Uint8Array, Uint8Array] = [readBuffers.take(), readBuffers.take()];
  await whileAllowed(
    ctx.holder,
    allowed.stillAllowed,
    allowed.since,
    (onStart) =>
      taken === undefined
        // Not taken (the client half-closed already, say): its node socket's "data" events.
        ? spliceConn(face, upstream, buffers[1], { onStart, first })
        : spliceConns(face, taken, upstream, buffers, { onStart, first }),
  );
  // Both sides closed: nothing reads into the buffers any more.
  for (const buffer of buffers) readBuffers.give(buffer);
}
