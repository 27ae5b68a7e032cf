/**
 * The response head an HTTP/1.1 origin answers an HTTP/2 stream with: read past interim
 * answers, and rendered as HTTP/2 response fields.
 *
 * @module
 */

import type { OutgoingHttpHeaders } from "node:http2";
import type { ByteStream } from "../../wire/mod.ts";
import { parseResponseHead, type ResponseHead } from "../../wire/mod.ts";
import { readHeadAfterBody, type StreamingBody } from "../request/mod.ts";
import { UpstreamError } from "../../upstream/mod.ts";

// Never sent on an HTTP/2 stream (RFC 9113 §8.2.2), besides the Connection field's tokens.
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "transfer-encoding",
  "upgrade",
  "trailer",
]);

/**
 * The final (non-interim) response head, or "stale" when the connection closed before any;
 * with `body` streaming, the wait counts from its end.
 *
 * @throws {UpstreamError} On a timeout (504) or an unusable head (502).
 */
export async function finalHead(
  upstream: ByteStream,
  method: string,
  timeoutMs: number,
  body?: StreamingBody,
): Promise<ResponseHead | "stale"> {
  for (let interim = 0;; interim++) {
    const read = await readHeadAfterBody(upstream, timeoutMs, body); // from the body's end
    if (read.kind === "eof" && interim === 0) return "stale";
    if (read.kind === "timeout") {
      throw new UpstreamError(504, "upstream_timeout", "Upstream did not answer in time");
    }
    if (read.kind !== "head") {
      throw new UpstreamError(502, "upstream_protocol_error", "Upstream sent no usable response");
    }
    const parsed = parseResponseHead(read.bytes, method);
    if (!parsed.ok) throw new UpstreamError(502, "upstream_protocol_error", parsed.error.detail);
    if (parsed.head.status === 101) {
      throw new UpstreamError(502, "upstream_protocol_error", "Upstream switched protocols");
    }
    if (parsed.head.status >= 200) return parsed.head;
  }
}

/** The HTTP/2 response fields for `head`: hop-by-hop fields left out, the length set once. */
export function h2ResponseHeaders(head: ResponseHead): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { ":status": head.status };
  for (const [name, value] of head.headers) {
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || head.connectionTokens.has(lower)) continue;
    // Set below from the framing; never on a 204 (a protocol error for an HTTP/2 client).
    const length = head.framing.kind === "length" || head.status === 204;
    if (length && lower === "content-length") continue;
    const known = headers[lower];
    if (known === undefined) headers[lower] = lower === "set-cookie" ? [value] : value;
    else if (Array.isArray(known)) known.push(value);
    else headers[lower] = `${known}, ${value}`;
  }
  // The length read, once (a repeated one was joined into a list the client would refuse).
  if (head.framing.kind === "length") headers["content-length"] = head.framing.length;
  return headers;
}
