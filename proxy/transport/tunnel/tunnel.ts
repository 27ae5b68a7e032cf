/**
 * The blind tunnel: bytes copied both ways unread, for L4 grants and `tls: skip` endpoints.
 * A reload that revokes the grant (or turns it into an inspected one) closes the tunnel.
 *
 * A client on a TCP socket gets the tunnel on Deno's own sockets (`conn_tunnel.ts`: the
 * upstream from `Deno.connect`, the client's socket taken over as a `Deno.Conn`, read/write
 * loops with one reused buffer per direction), which took less CPU per request at 64 clients
 * in session 26. Any other client stream (a unix socket, a stream a sandbox hands over) keeps
 * the node path below: `onread` into one reused buffer on both sides (`relay_reads.ts`,
 * `adopt_reads.ts`). Measured before (Deno 2.9, session 25, the bench's bare relays, load
 * 9-18): `readable.pipeTo(writable)` took more than twice node:net's CPU per request (a new
 * chunk per read through the streams machinery), and accepting with `Deno.listen` puts every
 * other connection behind the slower `duplexFromDenoConn` adapter (about 20 % more CPU per
 * relayed chunk), so the listener stays on node:net.
 *
 * @module
 */

import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { ClientConnection, LivePolicy } from "../connection/mod.ts";
import type { TunnelDestination } from "../../upstream/mod.ts";
import { sendUpstreamError } from "../request/mod.ts";
import { RelayReads } from "./relay_reads.ts";
import { relayClientReads } from "./client_reads.ts";
import { adoptReads } from "./adopt_reads.ts";
import { connTunnel } from "./conn_tunnel.ts";
import { takeable } from "./take_conn.ts";
import { whileAllowed } from "./while_allowed.ts";

/** Sent when a tunnel is open. */
export const CONNECTION_ESTABLISHED = "HTTP/1.1 200 Connection Established\r\n\r\n";

/**
 * Open the upstream connection, answer 200 and splice the two sockets until both close.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clientPair } from "../examples/mod.ts";
 * import { blindTunnel } from "./tunnel.ts";
 *
 * await using pair = await clientPair("version: 1\n");
 * const upstream = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const serving = upstream.accept().then(async (conn) => {
 *   await conn.write(new TextEncoder().encode("hello from upstream"));
 *   conn.close();
 * });
 * const { port } = upstream.addr;
 * const address = "127.0.0.1";
 * const destination = { host: "a.test", port, address, connectPort: port, overridden: true };
 * const tunnel = blindTunnel(pair.client, destination);
 * assert.match(await pair.read(/upstream$/), /^HTTP\/1.1 200 Connection Established\r\n\r\nhello/);
 * pair.peer.close(); // both sides closed: the tunnel ends
 * await tunnel;
 * await serving;
 * upstream.close();
 * ```
 */
export async function blindTunnel(
  client: ClientConnection,
  destination: TunnelDestination,
  since?: number,
): Promise<void> {
  const { ctx } = client;
  // A reload that revokes the grant, or turns it into an inspected one, closes the tunnel.
  const stillAllowed = async () => {
    const decision = await client.again().decide(
      destination.host,
      destination.port,
      undefined,
      "https",
    );
    return decision.verdict !== "deny" && !decision.inspect;
  };
  // A client on a TCP socket: the tunnel on Deno's sockets (see conn_tunnel.ts).
  if (takeable(client.stream.socket)) {
    const allowed = { stillAllowed, since };
    return await connTunnel(client, destination, CONNECTION_ESTABLISHED, allowed);
  }
  const { readBuffers } = ctx;
  const upstreamBuffer = readBuffers.take();
  const reads = new RelayReads(upstreamBuffer);
  let upstream: Socket;
  try {
    upstream = await ctx.pool.openTunnel({ ...destination, tls: false }, reads.onread);
  } catch (error) {
    await sendUpstreamError(client, error);
    return;
  }
  try {
    await client.stream.write(CONNECTION_ESTABLISHED);
  } catch {
    // The client left while we connected.
    upstream.destroy();
    return;
  }
  // What the client sent past the CONNECT head goes first, before anything read from now on.
  for (const chunk of client.stream.detach()) upstream.write(chunk);
  const clientBuffer = readBuffers.take();
  const clientReads = new RelayReads(clientBuffer);
  const adopted = adoptReads(client.stream.socket, clientReads.onread);
  if (adopted === undefined) readBuffers.give(clientBuffer);
  else ctx.track(adopted);
  const downstream = adopted ?? client.stream.socket;
  await spliceWhileAllowed(ctx.holder, stillAllowed, downstream, upstream, {
    reads,
    clientReads: adopted && clientReads,
    since,
  });
  // Both sockets closed: nothing reads into the buffers or writes from them any more. (On the
  // early returns above they are left to the collector, closing or not.)
  readBuffers.give(upstreamBuffer);
  if (adopted !== undefined) readBuffers.give(clientBuffer);
}

/** Options of {@linkcode splice}. */
export interface SpliceOptions {
  /** Receives the function that closes both sockets at once. */
  onStart?: (close: () => void) => void;
  /**
   * The reads the upstream socket was opened with (its `onread`): upstream bytes flow
   * through them instead of a pipe.
   */
  reads?: RelayReads;
  /**
   * The reads the downstream socket was made with (its `onread`, see `adopt_reads.ts`):
   * client bytes flow through them instead of its "data" events.
   */
  clientReads?: RelayReads;
}

/**
 * Copy bytes both ways between two sockets until both have closed; either side's error or
 * close closes both.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { duplexFromDenoConn } from "../connection/mod.ts";
 * import { splice } from "./tunnel.ts";
 *
 * // Two loopback pairs: a ⇄ b and c ⇄ d; splicing b and c joins a to d.
 * async function pair(): Promise<[Deno.Conn, Deno.Conn]> {
 *   const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 *   const { port } = listener.addr;
 *   const ends = await Promise.all([Deno.connect({ port }), listener.accept()]);
 *   listener.close();
 *   return ends;
 * }
 * const [a, b] = await pair();
 * const [c, d] = await pair();
 * const spliced = splice(duplexFromDenoConn(b), duplexFromDenoConn(c));
 * await a.write(new TextEncoder().encode("hello"));
 * await a.closeWrite();
 * assert.equal(new TextDecoder().decode(await new Response(d.readable).arrayBuffer()), "hello");
 * a.close();
 * await spliced;
 * ```
 */
export async function splice(
  downstream: Duplex,
  upstream: Duplex,
  options: SpliceOptions = {},
): Promise<void> {
  const { onStart = () => {}, reads, clientReads } = options;
  const closed = Promise.all([onceClosed(downstream), onceClosed(upstream)]);
  const closeBoth = () => {
    downstream.destroy();
    upstream.destroy();
  };
  // Each side's "finish" comes after its peer ended and everything was flushed.
  let finished = 0;
  const onFinish = () => ++finished === 2 && closeBoth();
  downstream.on("finish", onFinish);
  upstream.on("finish", onFinish);
  for (const socket of [downstream, upstream]) {
    socket.on("error", closeBoth);
    socket.on("close", closeBoth);
  }
  if (clientReads === undefined) relayClientReads(downstream, upstream);
  else downstream.once("end", () => upstream.end());
  if (reads === undefined) upstream.pipe(downstream);
  else upstream.once("end", () => downstream.end());
  if (clientReads === undefined) downstream.resume();
  else clientReads.start(downstream as Socket, upstream);
  if (reads === undefined) upstream.resume();
  else reads.start(upstream as Socket, downstream);
  onStart(closeBoth);
  await closed;
}

/**
 * {@linkcode splice} while the policy still allows what opened the connection: `stillAllowed`
 * is asked at each reload of `holder` (a failure counts as no), and a no closes both sockets;
 * `since`, the generation the connection was decided under, has it asked at once when a
 * reload came in between.
 * Frames and tunnelled bytes are read by no rule, so this is how a revoked rule, or a lease swept
 * at its end, takes back a connection it let open.
 */
export async function spliceWhileAllowed(
  holder: Pick<LivePolicy, "subscribe" | "generation">,
  stillAllowed: () => Promise<boolean>,
  downstream: Duplex,
  upstream: Duplex,
  options: Omit<SpliceOptions, "onStart"> & { since?: number } = {},
): Promise<void> {
  await whileAllowed(
    holder,
    stillAllowed,
    options.since,
    (onStart) => splice(downstream, upstream, { ...options, onStart }),
  );
}

function onceClosed(socket: { destroyed: boolean; once(e: "close", f: () => void): unknown }) {
  return new Promise<void>((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once("close", () => resolve());
  });
}
