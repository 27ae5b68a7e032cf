/**
 * The ALPN protocols the interception offers a client, most preferred first.
 *
 * @module
 */

/**
 * The protocols to accept from a client, in the order the proxy prefers them: HTTP/1.1
 * whenever offered (every HTTP/1.1 client keeps the path it always had), else `h2` when the
 * caller serves it, else HTTP/1.0 (curl --http1.0 offers only `http/1.0`). The TLS server
 * picks the first of these that the client offers, whatever the client's own order, and
 * refuses a handshake that offers none of them.
 *
 * A list rather than a per-connection `ALPNCallback`: in Deno 2.9 the callback turns on a
 * ClientHello hook that finishes each handshake from JavaScript (`finishAccept`), which cost
 * the proxy about 80 µs of CPU per new intercepted tunnel (median of seven alternated runs of
 * 2,000 tunnels, about 1.2 ms each), for the same choice.
 *
 * @param options.h2 Whether the caller serves HTTP/2.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { alpnProtocols } from "./alpn_protocols.ts";
 * assert.deepEqual(alpnProtocols({ h2: true }), ["http/1.1", "h2", "http/1.0"]);
 * assert.deepEqual(alpnProtocols({ h2: false }), ["http/1.1", "http/1.0"]);
 * ```
 */
export function alpnProtocols(options: { h2: boolean }): string[] {
  return options.h2 ? ["http/1.1", "h2", "http/1.0"] : ["http/1.1", "http/1.0"];
}
