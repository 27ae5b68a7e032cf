/**
 * TLS interception for `protocol: rest` endpoints: answer 200, terminate the client's TLS
 * with a leaf certificate for the requested host, then decide and forward each HTTP/1.1
 * request on its own, over verified TLS upstream, keeping both sides alive.
 *
 * @module
 */

import { type SecureContext, TLSSocket } from "node:tls";
import { canonicalizePath, type Decision } from "../policy/mod.ts";
import { ByteStream } from "./byte_stream.ts";
import type { ClientConnection } from "./client_connection.ts";
import type { TunnelDestination } from "./connect.ts";
import { chooseAlpn } from "./choose_alpn.ts";
import { exchange } from "./exchange.ts";
import { gateInbound, handleFlow } from "./flow_gate.ts";
import { inspectGraphql } from "./graphql_body.ts";
import { serveH2Tunnel } from "./h2_intercept.ts";
import { negotiatedProtocol } from "./h2_server.ts";
import { values } from "./header_fields.ts";
import type { RequestHead } from "./http1_head.ts";
import { readRequest } from "./request_reader.ts";
import { requestQuestion } from "./request_question.ts";
import { hostHeader, parseAuthority, splitPathQuery } from "./request_target.ts";
import { sendDeny, sendError } from "./responses.ts";
import { CONNECTION_ESTABLISHED } from "./tunnel.ts";
import { lingeringClose } from "./lingering_close.ts";

/**
 * Run an intercepted tunnel until either side closes it.
 *
 * @param l4 The allowed L4 decision the tunnel was opened under.
 * @example
 * ```ts ignore
 * await interceptTls(client, destination, decision);
 * ```
 */
export async function interceptTls(
  client: ClientConnection,
  destination: TunnelDestination,
  l4: Decision,
): Promise<void> {
  const { ctx } = client;
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
    (secure) => serveH2Tunnel(client, secure, destination, l4),
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
 * ```ts ignore
 * await serveDecrypted(client, await ctx.ca.secureContextFor(host), (inner) => serve(inner));
 * ```
 */
export async function serveDecrypted(
  client: ClientConnection,
  secureContext: SecureContext,
  serve: (inner: ClientConnection) => Promise<void>,
  serveH2?: (secure: TLSSocket) => Promise<void>,
): Promise<void> {
  const raw = client.stream.socket;
  const early = client.stream.detach();
  // A paused TLS socket alone keeps reading (see flow_gate.ts): pause the TCP handle under it,
  // or, when bytes came early and a JS stream must yield them first, the gate in that stream.
  const gated = early.length === 0 ? undefined : gateInbound(raw, early);
  const flow = gated?.flow ?? handleFlow(raw);
  const secure = new TLSSocket(
    gated?.stream ?? raw,
    {
      isServer: true,
      secureContext,
      ALPNCallback: ({ protocols }: { protocols: string[] }) =>
        chooseAlpn(protocols, { h2: serveH2 !== undefined }),
    } as ConstructorParameters<typeof TLSSocket>[1],
  );
  client.ctx.track(secure);
  secure.on("error", () => {});
  // Detached from its byte stream, the raw socket has no error listener left: a reset from
  // the client (pip resets after reading a 403) would otherwise be an uncaught error.
  raw.on("error", () => {});
  raw.resume();
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
  const tunnel = { l4: opened, generation: client.ctx.holder.generation };
  for (let first = true;; first = false) {
    const head = await readRequest(client, first);
    if (head === undefined) return;
    if (!(await serveTunnelRequest(client, destination, tunnel, head))) return;
  }
}

/** One request inside the tunnel; false when the tunnel must close. */
async function serveTunnelRequest(
  client: ClientConnection,
  destination: Inner,
  tunnel: { l4: Decision; generation: number },
  head: RequestHead,
): Promise<boolean> {
  const { ctx, stream } = client;
  const { host, port } = destination;
  const scheme = destination.tls ? "https" : "http";
  const problem = targetProblem(head, destination);
  if (problem !== undefined) {
    await sendError(stream, problem.status, problem.code, problem.detail);
    return false;
  }
  // A reload since the last request: the tunnel's own grant is decided again first.
  if (ctx.holder.generation !== tunnel.generation) {
    tunnel.generation = ctx.holder.generation;
    tunnel.l4 = await client.decide(host, port, undefined, scheme);
    if (!(await stillAllowed(client, destination, tunnel.l4))) return false;
  }
  const { l4 } = tunnel;
  const { rawPath, query } = splitPathQuery(head.target);
  const path = canonicalizePath(rawPath, {
    allowEncodedSlash: l4.allowEncodedSlash ?? !l4.inspect,
  });
  if (!path.ok) {
    await sendError(stream, 400, "bad_request", `Invalid request path: ${path.reason}`);
    return false;
  }
  let body: Uint8Array | undefined;
  if (l4.inspect) {
    const question = requestQuestion(head, path.path, query);
    if (typeof question === "string") {
      await sendError(stream, 400, "bad_request", question);
      return false;
    }
    const read = await inspectGraphql(client, destination, head, question);
    if (read === false) return false;
    body = read;
    const l7 = await client.decide(host, port, question, scheme);
    if (l7.verdict === "deny") {
      await sendDeny(stream, l7, ctx.skillPath);
      return false;
    }
  }
  const pathAndQuery = query === undefined ? path.path : `${path.path}?${query}`;
  const authority = hostHeader(destination, destination.tls ? 443 : 80);
  return await exchange(client, { head, pathAndQuery, authority, body }, destination);
}

async function stillAllowed(
  client: ClientConnection,
  destination: TunnelDestination,
  l4: Decision,
): Promise<boolean> {
  const { ctx, stream } = client;
  if (l4.verdict === "deny") {
    await sendDeny(stream, l4, ctx.skillPath);
    return false;
  }
  const { host, port, address } = destination;
  const checked = ctx.destinations.recheck(host, port, address, l4.allowedIps);
  if (!checked.ok) {
    await client.emit(client.ssrfDecision(l4, checked.reason), "https");
    await sendError(stream, 403, "ssrf_denied", `Destination refused: ${checked.reason}`);
    return false;
  }
  return true;
}

function targetProblem(
  head: RequestHead,
  destination: TunnelDestination,
): { status: number; code: string; detail: string } | undefined {
  if (!head.target.startsWith("/")) {
    const detail = "Requests inside a tunnel must use origin-form targets (/path)";
    return { status: 400, code: "bad_request", detail };
  }
  const [hostValue] = values(head.headers, "host");
  if (hostValue === undefined) return undefined;
  // Fast path: the Host header most clients send, byte for byte.
  const lower = hostValue.toLowerCase();
  if (lower === destination.host || lower === `${destination.host}:${destination.port}`) {
    return undefined;
  }
  const named = parseAuthority(hostValue, destination.port);
  if (
    typeof named === "string" || named.host !== destination.host || named.port !== destination.port
  ) {
    const detail = `The Host header does not name the tunnel's host ${destination.host}`;
    return { status: 421, code: "misdirected_request", detail };
  }
  return undefined;
}
