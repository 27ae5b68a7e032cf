/**
 * The ALPN protocol the interception picks from a client's offer.
 *
 * @module
 */

/**
 * Pick the protocol to speak with a client that offered `offered` (in its order): HTTP/1.1
 * whenever offered (every HTTP/1.1 client keeps the path it always had), else `h2` when the
 * caller serves it, else HTTP/1.0 (curl --http1.0 offers only `http/1.0`); undefined when
 * nothing offered is spoken here (the handshake is refused).
 *
 * @param options.h2 Whether the caller serves HTTP/2.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chooseAlpn } from "./choose_alpn.ts";
 * assert.equal(chooseAlpn(["h2", "http/1.1"], { h2: true }), "http/1.1");
 * assert.equal(chooseAlpn(["h2"], { h2: true }), "h2");
 * assert.equal(chooseAlpn(["h2"], { h2: false }), undefined);
 * assert.equal(chooseAlpn(["http/1.0"], { h2: true }), "http/1.0");
 * assert.equal(chooseAlpn(["spdy/3"], { h2: true }), undefined);
 * ```
 */
export function chooseAlpn(offered: string[], options: { h2: boolean }): string | undefined {
  if (offered.includes("http/1.1")) return "http/1.1";
  if (options.h2 && offered.includes("h2")) return "h2";
  if (offered.includes("http/1.0")) return "http/1.0";
  return undefined;
}
