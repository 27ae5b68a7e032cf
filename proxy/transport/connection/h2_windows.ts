/**
 * The receive windows the proxy's HTTP/2 sessions open: the server session a client reaches and
 * the proxy's own session to an origin.
 *
 * A peer may send only as far as the receiver's windows reach, then waits for a WINDOW_UPDATE.
 * At nghttp2's default of 64 KiB a relayed stream stopped every 32 KiB for one: each stop is a
 * turn of both event loops and a TLS record of 13 bytes, and that, not the bytes, was most of
 * the proxy's CPU time on a bulk transfer (256 MB through interception, alternated runs:
 * upload 9.5-10.3 CPU-s/GB and 30-55 MB/s, download 8.2-10.2 CPU-s/GB, where ssl-bump Squid
 * spends 3.4-5.2).
 *
 * Deno 2.9's `node:http2` gives the connection's window back as bytes arrive, whatever the
 * streams have read (measured: 10 paused streams with 1 MiB windows took 10 MiB under the
 * default 64 KiB connection window), so the connection window bounds no memory here: only a
 * stream's window does, and what it lets a stream hold is counted where it is held
 * (`STREAM_WINDOW_HOLD` in the body budget for a client's request body).
 *
 * @module
 */

import type { Http2Session } from "node:http2";

/**
 * Each stream's receive window: 256 KiB, four times nghttp2's default (1 MiB saved no more CPU
 * in the same runs, and what a stream may hold grows with it).
 */
export const H2_STREAM_WINDOW = 256 * 1024;

/**
 * The connection's receive window: wide, since it bounds no memory here (see above) and a
 * narrow one only adds round trips to a transfer.
 */
export const H2_CONNECTION_WINDOW = 16 * 1024 * 1024;

/**
 * Open `session`'s connection window to {@linkcode H2_CONNECTION_WINDOW} once it can take the
 * WINDOW_UPDATE (its handshake done); its stream windows are its `initialWindowSize` setting.
 */
export function widenConnectionWindow(session: Http2Session): void {
  const widen = () => {
    if (!session.destroyed) session.setLocalWindowSize(H2_CONNECTION_WINDOW);
  };
  if (session.connecting) session.once("connect", widen);
  else widen();
}
