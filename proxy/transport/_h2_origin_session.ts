/**
 * The proxy's own HTTP/2 session to an origin, on a connection the pool opened.
 *
 * @module
 */

import * as http2 from "node:http2";
import type { Duplex } from "node:stream";
import { watchBacklog } from "./_h2_backlog.ts";
import { filterGoaway } from "./h2_goaway_filter.ts";

/**
 * A client session over `transport` (TLS, ALPN `h2`) to `host`, with the proxy's guards: the
 * 1 MiB backlog bound on what it writes, and the origin's GOAWAY kept from nghttp2, which Deno
 * 2.9.6 can abort on (h2_goaway_filter.ts): the session is closed from here instead, so its
 * streams finish and the next stream opens another.
 */
export function originSession(transport: Duplex, host: string): http2.ClientHttp2Session {
  const session = http2.connect(`https://${host}`, { createConnection: () => transport });
  session.on("error", () => {});
  // No bound on the origin's WINDOW_UPDATEs here: a client session's DATA frames do not pass
  // through the socket's write() where _h2_frame_meter.ts counts them (Deno 2.9), so an honest
  // upload's updates read as a flood and ended the session (h2_origin_upload_test.ts).
  filterGoaway(transport, {
    from: "origin",
    onGoaway: () => void (session.closed || session.close()),
  });
  watchBacklog(session, transport);
  return session;
}
