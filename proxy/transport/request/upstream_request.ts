/**
 * A request on its way upstream: the head the proxy sends (canonical target, `Host`, no
 * hop-by-hop fields) and the JSON answer to the client when the upstream fails. Shared by the
 * HTTP/1 exchange, the WebSocket upgrade, the tunnels and the h2-to-h1 bridge.
 *
 * @module
 */

import type { MessageLedger } from "./websocket_ledger.ts";
import { latin1Bytes } from "../../wire/mod.ts";
import { ProtocolError } from "../../wire/mod.ts";
import { type ClientConnection, sendDeny, sendError } from "../connection/mod.ts";
import type { RequestHead } from "../../wire/mod.ts";
import { BodyStoppedError, type FormMethodGuard } from "./form_method_guard.ts";
import { UpstreamError } from "../../upstream/mod.ts";
/** A request ready to go upstream. */
export interface OutgoingRequest {
  /** The head as the client sent it. */
  head: RequestHead;
  /** Canonical path plus `?` and the raw query when there is one. */
  pathAndQuery: string;
  /** Value of the upstream `Host` header. */
  authority: string;
  /** The whole body, when it was already read from the client (GraphQL inspection). */
  body?: Uint8Array;
  /** Scans the body for a method override (`_method=`) before it goes upstream. */
  guard?: FormMethodGuard;
  /**
   * Whether the request would still be allowed, asked at each reload while a WebSocket it
   * opened carries frames (which no rule reads): no, and the WebSocket is closed, as a blind
   * tunnel is when its grant goes.
   */
  stillAllowed?: () => Promise<boolean>;
  /**
   * The policy generation the request was decided under: a reload after it, before the
   * origin's 101 was relayed, has `stillAllowed` asked as soon as the WebSocket opens.
   */
  since?: number;
  /**
   * Decides each client message after the upgrade, for a WebSocket a `protocol: websocket`
   * endpoint judges (see websocket_relay.ts); without it the upgraded bytes are spliced unread.
   */
  messages?: MessageLedger;
  /**
   * Send `Connection: close` and never pool the connection after this exchange: a DELETE body
   * an origin may misread as a request of its own (see body_not_allowed.ts).
   */
  closes?: boolean;
}

// Never forwarded: they describe the client-proxy hop, or the proxy sets them itself.
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authorization",
  "proxy-authenticate",
  "te",
  "trailer",
  "upgrade",
  "transfer-encoding",
  "host",
  "content-length",
  "expect",
]);

/**
 * The head sent upstream: canonical target, `Host`, the client's fields without hop-by-hop
 * ones, and the body length when there is a body (or `chunked` framing, with the size line of
 * a first chunk of `firstChunk` bytes when one is given).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRequestHead } from "../../wire/mod.ts";
 * import { requestHeadBytes } from "./upstream_request.ts";
 *
 * const sent = "GET http://a.test/x HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n" +
 *   "Accept: text/plain\r\n\r\n";
 * const parsed = parseRequestHead(new TextEncoder().encode(sent));
 * assert(parsed.ok);
 * const request = { head: parsed.head, pathAndQuery: "/x", authority: "a.test" };
 * const bytes = requestHeadBytes(request, undefined);
 * // Origin-form target, Host first, hop-by-hop fields dropped.
 * const expected = "GET /x HTTP/1.1\r\nHost: a.test\r\nAccept: text/plain\r\n\r\n";
 * assert.equal(new TextDecoder().decode(bytes), expected);
 * ```
 */
export function requestHeadBytes(
  request: OutgoingRequest,
  length: number | "chunked" | undefined,
  firstChunk?: number,
): Uint8Array {
  const { head } = request;
  const dropped = head.connectionTokens;
  let text = `${head.method} ${request.pathAndQuery} HTTP/1.1\r\nHost: ${request.authority}\r\n`;
  for (const [name, value] of head.headers) {
    const lower = name.toLowerCase();
    if (!HOP_BY_HOP.has(lower) && !dropped.has(lower)) text += `${name}: ${value}\r\n`;
  }
  if (request.closes) text += "Connection: close\r\n";
  if (length === "chunked") text += "Transfer-Encoding: chunked\r\n";
  else if (length !== undefined) text += `Content-Length: ${length}\r\n`;
  // A chunked body's first chunk is announced with the head (its data follows).
  const chunk = firstChunk ? `${firstChunk.toString(16)}\r\n` : "";
  return latin1Bytes(`${text}\r\n${chunk}`);
}

// RFC 9110 §9.2.2: sending one of these twice has the effect of sending it once.
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);

/**
 * Whether a request may be sent again on a new connection when its kept-alive one closed
 * before answering (RFC 9112 §9.3.1.1): only an idempotent method, since the origin may have
 * acted on a POST before it closed, and a second one would act twice.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isIdempotent } from "./upstream_request.ts";
 *
 * assert.equal(isIdempotent("PUT"), true);
 * assert.equal(isIdempotent("POST"), false);
 * ```
 */
export function isIdempotent(method: string): boolean {
  return IDEMPOTENT.has(method);
}

/**
 * Answer the client with the JSON error matching an upstream failure.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clientPair } from "../examples/mod.ts";
 * import { UpstreamError } from "../../upstream/mod.ts";
 * import { sendUpstreamError } from "./upstream_request.ts";
 *
 * await using pair = await clientPair("version: 1\n");
 * const error = new UpstreamError(502, "upstream_unreachable", "Cannot connect");
 * await sendUpstreamError(pair.client, error);
 * assert.match(await pair.received(), /^HTTP\/1.1 502 [^]*"error":"upstream_unreachable"/);
 * ```
 */
export async function sendUpstreamError(client: ClientConnection, error: unknown): Promise<void> {
  if (error instanceof BodyStoppedError) {
    const { stop } = error;
    if (stop.kind === "deny") await sendDeny(client.stream, stop.decision, client.ctx.skillPath);
    else await sendError(client.stream, stop.status, stop.code, stop.detail);
  } else if (error instanceof UpstreamError) {
    await sendError(client.stream, error.status, error.code, error.message);
  } else if (error instanceof ProtocolError) {
    await sendError(client.stream, 502, "upstream_protocol_error", error.message);
  } else {
    await sendError(client.stream, 502, "upstream_unreachable", "Upstream connection failed");
  }
}
