/**
 * The proxy's own HTTP/2 session to an origin, on a connection the pool opened.
 *
 * @module
 */

import * as http2 from "node:http2";
import type { Duplex } from "node:stream";
import { watchBacklog } from "./_h2_backlog.ts";
import { WindowUpdateMeter } from "./_h2_frame_meter.ts";
import { filterGoaway } from "./h2_goaway_filter.ts";
import { H2_STREAM_WINDOW, widenConnectionWindow } from "../connection/mod.ts";
import { OriginRefusals } from "./_h2_refusals.ts";

/** The proxy's session to an HTTP/2 origin, and what the origin said of streams it did not take. */
export interface OriginH2 {
  /** The session. */
  session: http2.ClientHttp2Session;
  /** The origin's GOAWAYs and the streams waiting for its answers (`_h2_refusals.ts`). */
  refusals: OriginRefusals;
}

/**
 * A client session over `transport` (TLS, ALPN `h2`) to `host`, with the proxy's guards: the
 * 1 MiB backlog bound on what it writes, the bound on the origin's WINDOW_UPDATEs (ENHANCE_YOUR_CALM
 * past what its streams and the DATA frames sent to it earned, as for a client), the receive
 * windows of `h2_windows.ts` (an answer's stream stops for a WINDOW_UPDATE every 128 KiB, not
 * every 32 KiB), and the origin's
 * GOAWAY kept from nghttp2, which Deno 2.9.6 can abort on (h2_goaway_filter.ts): the session is
 * closed from here instead, so its streams finish and the next stream opens another, and its
 * last-stream-id goes to the session's {@linkcode OriginRefusals}, which stops at once the
 * streams the origin did not take.
 */
export function originSession(transport: Duplex, host: string): OriginH2 {
  const meter = new WindowUpdateMeter();
  // The session writes its connection preface as soon as it has the socket: the count of its
  // frames starts before (started after, it read the preface's bytes as frames and never saw
  // a DATA frame, so an honest upload's WINDOW_UPDATEs read as a flood).
  const createConnection = () => (meter.watchWrites(transport, { preface: true }), transport);
  const settings = { initialWindowSize: H2_STREAM_WINDOW };
  const session = http2.connect(`https://${host}`, { createConnection, settings });
  session.on("error", () => {});
  widenConnectionWindow(session);
  meter.attach(session);
  const refusals = new OriginRefusals();
  filterGoaway(transport, {
    from: "origin",
    onGoaway: (lastStreamId) => {
      refusals.goaway(lastStreamId);
      if (!session.closed) session.close();
    },
    onFrame: (type) => meter.inbound(type),
  });
  watchBacklog(session, transport);
  return { session, refusals };
}
