/**
 * The one parser of a listen address (`HOST:PORT`), for every listener: the proxy's and the
 * gateway's, and the CLI flags that name them. It lives beside the address classes
 * (`classifyAddress`), which decide what counts as loopback, in a module everyone already loads.
 *
 * @module
 */

import { classifyAddress } from "./address_class.ts";

/** A parsed listen address. */
export interface ListenAddress {
  /** Host name or IP literal, brackets removed; `localhost` is given as `127.0.0.1`. */
  hostname: string;
  /** Port, 0 to 65535 (0: the system picks one). */
  port: number;
  /** True for a loopback address: only this host can connect. */
  loopback: boolean;
}

/**
 * Parse `HOST:PORT` (an IPv6 literal in brackets). Whether a non-loopback address is allowed
 * is the caller's decision, phrased in its own terms (a flag, an option).
 *
 * @throws {TypeError} When the text is not `HOST:PORT` or the port is out of range.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseListen } from "./parse_listen.ts";
 * assert.deepEqual(parseListen("[::1]:3128"), { hostname: "::1", port: 3128, loopback: true });
 * assert.equal(parseListen("0.0.0.0:80").loopback, false);
 * assert.throws(() => parseListen("nonsense"), TypeError);
 * ```
 */
export function parseListen(text: string): ListenAddress {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (match === null || port > 65535) {
    throw new TypeError(`Invalid listen address "${text}": expected HOST:PORT`);
  }
  const named = match[1]!.replace(/^\[|\]$/g, "");
  // One meaning of localhost for every listener: the IPv4 loopback, whatever the resolver says.
  const hostname = named.toLowerCase() === "localhost" ? "127.0.0.1" : named;
  return { hostname, port, loopback: classifyAddress(hostname) === "loopback" };
}
