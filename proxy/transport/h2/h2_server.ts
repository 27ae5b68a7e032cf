/**
 * Serving HTTP/2 on a TLS connection the proxy terminated (its ALPN outcome is
 * `negotiated_protocol.ts`): a server session over the decrypted socket whose streams are handed
 * out one by one.
 *
 * @module
 */

import * as http2 from "node:http2";
import type { TLSSocket } from "node:tls";
import { H2_STREAM_WINDOW, LINGER_MS, widenConnectionWindow } from "../connection/mod.ts";
import { watchBacklog } from "./_h2_backlog.ts";
import { WindowUpdateMeter } from "./_h2_frame_meter.ts";
import { filterGoaway } from "./h2_goaway_filter.ts";

/** Receives each new stream of a session with its request headers. */
export type H2StreamHandler = (
  stream: http2.ServerHttp2Stream,
  headers: http2.IncomingHttpHeaders,
) => void;

/** Options of {@linkcode serveH2}. */
export interface ServeH2Options {
  /** Called for each stream the client opens. */
  onStream: H2StreamHandler;
  /** The session closes after this long without activity. */
  idleMs: number;
}

// Bounds what one client may hold open on the proxy: streams at once and header sizes; and what
// each stream may send ahead (h2_windows.ts; counted in the body budget by h2_intercept.ts).
const SETTINGS: http2.Settings = {
  maxConcurrentStreams: 100,
  enablePush: false,
  maxHeaderListSize: 64 * 1024,
  initialWindowSize: H2_STREAM_WINDOW,
};

/**
 * Run an HTTP/2 server session on `secure` (ALPN `h2`, handshake done) until it closes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as http2 from "node:http2";
 * import * as net from "node:net";
 * import * as tls from "node:tls";
 * import { CertificateAuthority } from "../../tls/mod.ts";
 * import { negotiatedProtocol } from "../intercept/mod.ts";
 * import { serveH2 } from "./h2_server.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const ca = await CertificateAuthority.loadOrCreate(dir);
 * const secureContext = await ca.secureContextFor("api.test");
 * // As interception does: a server TLS socket on the accepted TCP socket, offering h2.
 * type TlsOptions = ConstructorParameters<typeof tls.TLSSocket>[1];
 * const options = { isServer: true, secureContext, ALPNCallback: () => "h2" } as TlsOptions;
 * const sessions: Promise<void>[] = [];
 * const server = net.createServer((raw) => {
 *   const secure = new tls.TLSSocket(raw, options);
 *   sessions.push(negotiatedProtocol(secure, 5_000).then(() =>
 *     serveH2(secure, {
 *       idleMs: 60_000,
 *       onStream: (stream) => stream.respond({ ":status": 204 }, { endStream: true }),
 *     })
 *   ));
 * });
 * await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
 * const { port } = server.address() as net.AddressInfo;
 * const trust = { ca: ca.certPem, servername: "api.test" };
 * const session = http2.connect(`https://127.0.0.1:${port}`, trust);
 * const request = session.request({ ":path": "/" });
 * const status = await new Promise((resolve) => {
 *   request.on("response", (response) => resolve(response[":status"]));
 * });
 * assert.equal(status, 204);
 * request.resume();
 * await new Promise<void>((resolve) => session.close(resolve));
 * await Promise.all(sessions); // the session closed: serveH2 returned
 * await new Promise((resolve) => server.close(resolve));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function serveH2(secure: TLSSocket, options: ServeH2Options): Promise<void> {
  // Deno 2.9: a server-side TLSSocket keeps `secureConnecting` true after its handshake, and
  // a session on such a socket waits for a `secureConnect` event that only clients emit.
  (secure as { secureConnecting?: boolean }).secureConnecting = false;
  const meter = new WindowUpdateMeter();
  meter.watchWrites(secure, { preface: false }); // before the session writes its SETTINGS
  const session = http2.performServerHandshake(secure, {
    settings: SETTINGS,
    maxSessionMemory: 16,
  });
  session.on("error", () => {});
  widenConnectionWindow(session);
  meter.attach(session);
  // First, while the session's reader is the socket's only one (see h2_goaway_filter.ts); the
  // same walk of its bytes counts the client's WINDOW_UPDATEs.
  if (!filterGoaway(secure, { onFrame: (type) => meter.inbound(type) })) {
    // Not the runtime it was written for: refuse the session rather than serve it unguarded.
    session.destroy();
    secure.destroy();
    return Promise.resolve();
  }
  watchBacklog(session, secure);
  // The idle limit is the socket's: Deno 2.9 keeps a session's own timeout (and with it the
  // whole session, ~10 KB) alive until it fires, however long ago the session closed.
  secure.setTimeout(options.idleMs, () => session.close());
  // The listener keeps half-open sockets (a blind tunnel passes a half-close on), so a client
  // that leaves without GOAWAY never ends this TLS socket by itself: its session would hold
  // a connection slot until the idle limit. Its streams get a moment to finish their answers.
  secure.once("end", () => {
    if (session.destroyed) return;
    session.close();
    const timer = setTimeout(() => session.destroy(), LINGER_MS);
    session.once("close", () => clearTimeout(timer));
  });
  session.on("stream", (stream, headers) => {
    // A client that resets a stream mid-answer must not become an uncaught error.
    stream.on("error", () => {});
    options.onStream(stream, headers);
  });
  return new Promise((resolve) => {
    if (session.closed || session.destroyed) return resolve();
    session.once("close", () => resolve());
  });
}
