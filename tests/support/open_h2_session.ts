/**
 * The start of every raw HTTP/2 hostile test: a CONNECT tunnel through the test proxy, TLS
 * with only `h2` offered, and the client connection preface, so that what the test writes next
 * is frames; and the pseudo-header fields of the requests they send.
 *
 * @module
 */

import { H2_PREFACE, openH2Tunnel } from "./h2_frames.ts";

/** Where a session is opened: the test proxy's port and the CA its interception uses. */
export interface H2SessionProxy {
  /** The proxy's port on 127.0.0.1. */
  port: number;
  /** The proxy's CA certificate file. */
  caPath: string;
}

/**
 * Open an HTTP/2 session to `host:443` through `proxy`: the tunnel, TLS, then the preface
 * (with an empty SETTINGS frame) written. The caller closes the connection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { H2, openH2Session, readH2Frames, withTestProxy } from "./mod.ts";
 *
 * const policy = `version: 1
 * network_policies:
 *   gh: { endpoints: [{ host: api.github.com, port: 443, protocol: rest, access: read-only }] }
 * `;
 * await withTestProxy({ policy }, async (proxy) => {
 *   const tls = await openH2Session(proxy);
 *   const frames = await readH2Frames(tls, (frame) => frame.type === H2.SETTINGS);
 *   assert.equal(frames[0]?.type, H2.SETTINGS); // the proxy answers the preface with its own
 *   tls.close();
 * });
 * ```
 */
export async function openH2Session(
  proxy: H2SessionProxy,
  host = "api.github.com",
): Promise<Deno.TlsConn> {
  const tls = await openH2Tunnel(proxy.port, host, proxy.caPath);
  try {
    await tls.write(H2_PREFACE);
  } catch (error) {
    tls.close();
    throw error;
  }
  return tls;
}

/**
 * The pseudo-header fields of a request for `path` on `authority` over https, in the order
 * clients send them (for `h2Headers`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { h2RequestFields } from "./mod.ts";
 * assert.deepEqual(h2RequestFields("GET", "/x", "a.example").map(([name]) => name), [
 *   ":method",
 *   ":scheme",
 *   ":authority",
 *   ":path",
 * ]);
 * ```
 */
export function h2RequestFields(
  method: string,
  path: string,
  authority = "api.github.com",
): [string, string][] {
  return [[":method", method], [":scheme", "https"], [":authority", authority], [":path", path]];
}
