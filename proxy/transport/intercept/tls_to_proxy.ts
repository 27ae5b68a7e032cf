/**
 * A client that speaks TLS to the proxy itself: an `https://` proxy URL (curl `-x https://…`,
 * an `HTTPS_PROXY=https://…` some clients honour). The proxy speaks plain HTTP, so its answer in
 * the clear read as "wrong version number" and the client learned nothing. It is told over TLS,
 * with a leaf for the address it connected to, to use an `http://` proxy URL.
 *
 * @module
 */

import type { ClientConnection } from "../connection/mod.ts";
import { answerOverTls, errorAnswer } from "./deny_in_band.ts";

const CODE = "proxy_is_plain_http";
const DETAIL =
  "This proxy speaks plain HTTP: give it as an http:// proxy URL (HTTPS still goes through it " +
  "as CONNECT), not https://";

const PLAIN_PROXY = errorAnswer(400, CODE, DETAIL);

/**
 * Answer a connection whose first bytes start a TLS handshake (still queued on its stream):
 * terminate TLS with a leaf for the proxy's own address and answer its first request (or each
 * h2 stream) 400 `proxy_is_plain_http`. When no leaf can be minted (over the denial minting
 * budget it shares), the connection closes.
 */
export async function tellTlsClient(client: ClientConnection): Promise<void> {
  try {
    const context = client.ctx.denialContexts.contextFor(ownAddress(client));
    if (context !== undefined) return await answerOverTls(client, await context, PLAIN_PROXY);
  } catch {
    // No leaf: nothing the client could read; the connection closes below.
  }
  client.stream.destroy();
}

/** The address the client connected to, as a certificate names it (loopback when unknown). */
function ownAddress(client: ClientConnection): string {
  const address = (client.stream.socket as { localAddress?: unknown }).localAddress;
  if (typeof address !== "string" || address === "") return "127.0.0.1";
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}
