/**
 * Raw requests inside a CONNECT tunnel that the proxy intercepts: CONNECT, TLS with the
 * proxy's CA, then exactly the bytes a test wants to send.
 *
 * @module
 */

import { exchangeOn, type RawOptions, type RawResponse } from "./raw_client.ts";

/**
 * Open a tunnel to `host:443` through the proxy, start TLS trusting `caPath`, send `parts`
 * and read the first response. A refused CONNECT returns the proxy's own response.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tunnelRequest, withTestProxy } from "./mod.ts";
 *
 * await withTestProxy({ policy: "version: 1\n" }, async (proxy) => {
 *   const get = "GET / HTTP/1.1\r\nHost: api.github.com\r\n\r\n";
 *   const response = await tunnelRequest(proxy.port, "api.github.com", proxy.caPath, get);
 *   assert.equal(response.status, 403); // no rule: the CONNECT itself is refused
 * });
 * ```
 */
export async function tunnelRequest(
  proxyPort: number,
  host: string,
  caPath: string,
  parts: string | (string | Uint8Array)[],
  options: RawOptions = {},
): Promise<RawResponse> {
  const { conn, head } = await openConnect(proxyPort, host);
  if (!head.startsWith("HTTP/1.1 200")) {
    conn.close();
    return { head, status: Number(head.slice(9, 12)), body: "", raw: head };
  }
  const secure = await Deno.startTls(conn, {
    hostname: host,
    caCerts: [await Deno.readTextFile(caPath)],
  });
  return exchangeOn(secure, parts, options);
}

/**
 * Send `CONNECT host:443` to the proxy and read the head of its answer: the connection, still
 * open, and that head (a refusal's too: the caller closes the connection).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withTestProxy } from "./mod.ts";
 * import { openConnect } from "./tunnel_client.ts";
 *
 * const policy = `version: 1
 * network_policies:
 *   gh: { endpoints: [{ host: api.github.com, port: 443, protocol: rest, access: read-only }] }
 * `;
 * await withTestProxy({ policy }, async (proxy) => {
 *   const { conn, head } = await openConnect(proxy.port, "api.github.com");
 *   conn.close();
 *   assert.match(head, /^HTTP\/1\.1 200 /);
 * });
 * ```
 */
export async function openConnect(
  proxyPort: number,
  host: string,
): Promise<{ conn: Deno.TcpConn; head: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxyPort });
  await conn.write(
    new TextEncoder().encode(`CONNECT ${host}:443 HTTP/1.1\r\nHost: ${host}:443\r\n\r\n`),
  );
  let head = "";
  const buffer = new Uint8Array(4096);
  while (!head.includes("\r\n\r\n")) {
    const n = await conn.read(buffer);
    if (n === null) break;
    head += new TextDecoder().decode(buffer.subarray(0, n));
  }
  return { conn, head };
}
