/**
 * TLS interception for `protocol: rest` endpoints: answer 200, terminate the client's TLS
 * with a leaf certificate for the requested host, then decide (`tunnel_admission.ts`, shared
 * with HTTP/2) and forward each HTTP/1.1 request on its own, over verified TLS upstream,
 * keeping both sides alive.
 *
 * @module
 */

import { type SecureContext, TLSSocket } from "node:tls";
import type { Decision } from "../../policy/mod.ts";
import { alpnProtocols } from "../../upstream/mod.ts";
import { ByteStream } from "../../wire/mod.ts";
import {
  type ClientConnection,
  lingeringClose,
  readRequest,
  sendDeny,
  sendError,
} from "../connection/mod.ts";
import type { TunnelDestination } from "../../upstream/mod.ts";
import { exchange } from "../forward/mod.ts";
import { tlsTransport } from "../../wire/mod.ts";
import { http1BodyReader, isWebSocketUpgrade, rereadBody } from "../request/mod.ts";
import { negotiatedProtocol } from "./negotiated_protocol.ts";
import { values } from "../../wire/mod.ts";
import type { RequestHead } from "../../wire/mod.ts";
import { hostHeader } from "../../wire/mod.ts";
import { CONNECTION_ESTABLISHED } from "../tunnel/mod.ts";
import { admitTunnelRequest, type Tunnel } from "./tunnel_admission.ts";
import { messageJudge, type MessageTarget } from "../upgrade_relay/mod.ts";

/**
 * Run an intercepted tunnel until either side closes it.
 *
 * @param l4 The allowed L4 decision the tunnel was opened under.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clientPair } from "../examples/mod.ts";
 * import { interceptTls } from "./intercept.ts";
 *
 * const policy = `version: 1
 * network_policies:
 *   api:
 *     endpoints: [{ host: api.test, port: 443, protocol: rest, access: read-only }]
 * `;
 * await using pair = await clientPair(policy);
 * const l4 = await pair.client.decide("api.test", 443); // allowed, and inspected (rest)
 * const address = "127.0.0.1";
 * const destination = { host: "api.test", port: 443, address, connectPort: 443, overridden: true };
 * const intercepting = interceptTls(pair.client, destination, l4);
 * assert.equal(await pair.read(/\r\n\r\n$/), "HTTP/1.1 200 Connection Established\r\n\r\n");
 * const tls = await Deno.startTls(pair.peer, { hostname: "api.test", caCerts: [pair.caPem] });
 * await tls.write(new TextEncoder().encode("DELETE /x HTTP/1.1\r\nHost: api.test\r\n\r\n"));
 * const text = new TextDecoder().decode(await new Response(tls.readable).arrayBuffer());
 * assert.match(text, /^HTTP\/1.1 403 [^]*"policy_denied"/); // read-only: decided inside
 * await intercepting;
 * ```
 */
export async function interceptTls(
  client: ClientConnection,
  destination: TunnelDestination,
  l4: Decision,
): Promise<void> {
  const { ctx } = client;
  const { loadH2Side } = ctx;
  let secureContext;
  try {
    secureContext = await ctx.ca.secureContextFor(destination.host);
  } catch {
    await sendError(client.stream, 502, "tls_intercept_failed", "Cannot mint a certificate");
    return;
  }
  await client.stream.write(CONNECTION_ESTABLISHED);
  // A tunnel that carries plain HTTP (a sandbox's captured port-80 connection) is decided and
  // forwarded request by request all the same; only a TLS record starts with 0x16.
  const first = await client.stream.read().catch(() => null);
  if (first === null) return;
  client.stream.unread(first);
  if (first[0] !== TLS_HANDSHAKE) {
    return await serveTunnelRequests(client, { ...destination, tls: false }, l4);
  }
  await serveDecrypted(
    client,
    secureContext,
    (inner) => serveTunnelRequests(inner, { ...destination, tls: true }, l4),
    loadH2Side &&
      (async (secure) => (await loadH2Side()).serveH2Tunnel(client, secure, destination, l4)),
  );
}

/**
 * Terminate the client's TLS on a CONNECT already answered 200 and serve what it sends
 * through it; bytes the client sent early (still queued on its stream) are the handshake's
 * first. The TLS socket is closed gracefully once `serve` returns.
 *
 * @param secureContext The leaf certificate context for the requested host.
 * @param serve Serves the decrypted connection (same identity, TLS stream).
 * @param serveH2 Serves a client that negotiated `h2` (offered only when given; a client
 * that also offers `http/1.1` gets HTTP/1.1).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clientPair } from "../examples/mod.ts";
 * import { serveDecrypted } from "./intercept.ts";
 * import { readRequest } from "../connection/mod.ts";
 *
 * await using pair = await clientPair("version: 1\n");
 * const secureContext = await pair.ctx.ca.secureContextFor("api.test");
 * const serving = serveDecrypted(pair.client, secureContext, async (inner) => {
 *   const head = await readRequest(inner, true); // decrypted
 *   await inner.stream.write(`HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n${head?.target}`);
 * });
 * const tls = await Deno.startTls(pair.peer, { hostname: "api.test", caCerts: [pair.caPem] });
 * await tls.write(new TextEncoder().encode("GET /hello HTTP/1.1\r\nHost: api.test\r\n\r\n"));
 * const text = new TextDecoder().decode(await new Response(tls.readable).arrayBuffer());
 * assert.match(text, /\r\n\r\n\/hello$/);
 * await serving;
 * ```
 */
export async function serveDecrypted(
  client: ClientConnection,
  secureContext: SecureContext,
  serve: (inner: ClientConnection) => Promise<void>,
  serveH2?: (secure: TLSSocket) => Promise<void>,
): Promise<void> {
  const raw = client.stream.socket;
  // A paused TLS socket alone keeps reading (see flow_gate.ts): `flow` pauses what is under it.
  const { stream, flow } = tlsTransport(raw, client.stream.detach());
  const secure = new TLSSocket(
    stream,
    {
      isServer: true,
      secureContext,
      ALPNProtocols: alpnProtocols({ h2: serveH2 !== undefined }),
    },
  );
  client.ctx.track(secure);
  secure.on("error", () => {});
  // Detached from its byte stream, the raw socket has no error listener left: a reset from
  // the client (pip resets after reading a 403) would otherwise be an uncaught error.
  raw.on("error", () => {});
  try {
    if (serveH2 !== undefined) {
      const protocol = await negotiatedProtocol(secure, client.ctx.headTimeoutMs);
      if (protocol === undefined) return;
      if (protocol === "h2") return await serveH2(secure);
    }
    await serve(
      client.withStream(
        new ByteStream(secure, { bodyIdleMs: client.ctx.idleTimeoutMs, flow }),
      ),
    );
  } finally {
    await lingeringClose(secure);
  }
}

const TLS_HANDSHAKE = 0x16;

/** A tunnel's destination and whether the client speaks TLS inside it. */
type Inner = TunnelDestination & { tls: boolean };

async function serveTunnelRequests(
  client: ClientConnection,
  destination: Inner,
  opened: Decision,
): Promise<void> {
  const tunnel: Tunnel & { destination: Inner } = {
    destination,
    grant: { l4: opened, generation: client.ctx.holder.generation },
    scheme: destination.tls ? "https" : "http",
  };
  for (let first = true;; first = false) {
    const head = await readRequest(client, first);
    if (head === undefined) return;
    // The body a request held is given back when it ends, whatever way it ends.
    const more = await serveTunnelRequest(client, tunnel, head).finally(() => client.endExchange());
    if (!more) return;
  }
}

/** One request inside the tunnel; false when the tunnel must close. */
async function serveTunnelRequest(
  client: ClientConnection,
  tunnel: Tunnel & { destination: Inner },
  head: RequestHead,
): Promise<boolean> {
  const { ctx, stream } = client;
  const [authority] = values(head.headers, "host");
  const readBody = http1BodyReader(client, head);
  const since = ctx.holder.generation; // decided under it (a WebSocket is decided again past it)
  const admission = await admitTunnelRequest(client, tunnel, { head, authority, readBody });
  if (admission.kind === "deny") {
    // git shows a denial's text only (as `remote:` lines): it is told by its user agent.
    const userAgent = values(head.headers, "user-agent")[0];
    await sendDeny(stream, admission.decision, ctx.skillPath, { userAgent });
    return false;
  }
  if (admission.kind === "refuse") {
    await sendError(stream, admission.status, admission.code, admission.detail);
    return false;
  }
  const { destination } = tunnel;
  const { pathAndQuery, body, guard, websocketPath } = admission;
  const authorityHeader = hostHeader(destination, destination.tls ? 443 : 80);
  // Asked again at each reload while the exchange is in work (its body or answer streaming, a
  // WebSocket it opened). A body read at admission is judged again; one that streams meanwhile
  // and that a GraphQL endpoint would now have to read counts as a no.
  const again = rereadBody(body, head.framing.kind === "none" ? readBody : undefined);
  const asked = { head, authority, readBody: again, bodyMethods: guard?.named };
  const stillAllowed = async () =>
    (await admitTunnelRequest(client.again(), tunnel, asked)).kind === "allow";
  const messages = websocketPath !== undefined && isWebSocketUpgrade(head)
    ? messageJudge(client, messageTarget(tunnel, websocketPath, pathAndQuery))
    : undefined;
  return await exchange(
    client,
    { head, pathAndQuery, authority: authorityHeader, body, stillAllowed, since, guard, messages },
    destination,
  );
}

/** Where a judged WebSocket's messages are decided: the handshake's path and query. */
function messageTarget(
  tunnel: Tunnel & { destination: Inner },
  path: string,
  target: string,
): MessageTarget {
  const { host, port } = tunnel.destination;
  const at = target.indexOf("?");
  const scheme = tunnel.scheme;
  return at === -1
    ? { host, port, path, scheme }
    : { host, port, path, scheme, query: target.slice(at + 1) };
}
