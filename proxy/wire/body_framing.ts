/**
 * How an HTTP/1 message body is delimited (RFC 9112 §6), from the framing fields of its head.
 * A request with an ambiguous framing is refused (CL+TE, duplicate Content-Length, codings
 * other than a single chunked): that ambiguity is what request smuggling needs.
 *
 * @module
 */

import type { SpecialFields } from "./_head_fields.ts";

const DIGITS = /^[0-9]{1,15}$/;

/** How the body of a message is delimited. */
export type BodyFraming =
  | { kind: "none" }
  | { kind: "length"; length: number }
  | { kind: "chunked" }
  | { kind: "close" };

/** A request body's framing, or why it is refused. */
export function requestFraming(fields: SpecialFields, version: string): BodyFraming | string {
  const lengths = fields["content-length"];
  const codings = fields["transfer-encoding"];
  if (lengths.length > 0 && codings.length > 0) {
    return "Both Content-Length and Transfer-Encoding present";
  }
  if (codings.length > 0) {
    if (version === "HTTP/1.0") return "Transfer-Encoding in an HTTP/1.0 request";
    if (codings.length > 1 || codings[0]!.toLowerCase() !== "chunked") {
      return "Unsupported Transfer-Encoding (only a single chunked coding is accepted)";
    }
    return CHUNKED;
  }
  if (lengths.length > 1) return "Duplicate Content-Length header";
  if (lengths.length === 1) return lengthFraming(lengths[0]!);
  return NO_BODY;
}

/** A response body's framing (the request method and status matter), or why it is refused. */
export function responseFraming(
  fields: SpecialFields,
  status: number,
  requestMethod: string,
): BodyFraming | string {
  // RFC 9112 §6.3: after a 2xx answer to CONNECT the connection is a tunnel, which the
  // proxy can neither inspect nor hand to the next request.
  if (requestMethod === "CONNECT" && status >= 200 && status < 300) {
    return "Upstream answered CONNECT by opening a tunnel";
  }
  if (requestMethod === "HEAD" || status < 200 || status === 204 || status === 304) {
    return NO_BODY;
  }
  const codings = fields["transfer-encoding"];
  const lengths = fields["content-length"];
  // RFC 9112 §6.3 lets Transfer-Encoding win, but a client (or the upstream itself) that reads
  // the length instead takes the rest for the next response: refused, as nginx and Envoy do.
  if (codings.length > 0 && lengths.length > 0) {
    return "Both Content-Length and Transfer-Encoding in the response";
  }
  if (codings.length > 0) {
    const last = codings.join(",").split(",").at(-1)!.trim().toLowerCase();
    // RFC 9112 §6.3: chunked last means chunked framing; anything else is read until close.
    return last === "chunked" ? CHUNKED : UNTIL_CLOSE;
  }
  if (lengths.length === 0) return UNTIL_CLOSE;
  // The usual single value: no list to split and no set to build, once per response.
  if (lengths.length === 1 && !lengths[0]!.includes(",")) return lengthFraming(lengths[0]!.trim());
  // Repeated or comma-separated values are fine only when they all agree (RFC 9110 §8.6).
  const distinct = new Set(lengths.flatMap((v) => v.split(",")).map((v) => v.trim()));
  if (distinct.size > 1) return "Conflicting Content-Length values";
  return lengthFraming(distinct.values().next().value!);
}

function lengthFraming(text: string): BodyFraming | string {
  if (!DIGITS.test(text)) return "Malformed Content-Length";
  const length = Number(text);
  return length === 0 ? NO_BODY : { kind: "length", length };
}

// Shared by every head that has them: framing objects are never mutated.
const NO_BODY: BodyFraming = Object.freeze({ kind: "none" });
const CHUNKED: BodyFraming = Object.freeze({ kind: "chunked" });
const UNTIL_CLOSE: BodyFraming = Object.freeze({ kind: "close" });
